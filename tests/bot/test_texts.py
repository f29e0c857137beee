"""Every text the code asks for exists in every language, with the same placeholders."""

import re
import string
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.texts import catalogs
from handlers.registration.fields import Field

ROOT = Path(__file__).parents[2]
SOURCES = [p for d in ("handlers", "models", "bot", "scheduler") for p in (ROOT / d).rglob("*.py")]
KEY_USE = re.compile(r"""\b(?:t|get)\((?:[^,()]+,\s*)?["']([a-z_]+\.[a-z_.]+)["']""")
ERROR_USE = re.compile(
    r"""\b(?:(?:InvalidInput|NotAllowed|Conflict)\(|refusal=)["']([a-z_]+)["']"""
)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        keys.update(KEY_USE.findall(source))
        keys.update(f"errors.{code}" for code in ERROR_USE.findall(source))
    keys.update(f"profile.field_{field}" for field in Field)
    return keys


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalogs().messages["zh-CN"], catalogs().messages["en"]
    assert set(zh) == set(en)
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_the_scan_finds_the_keys_the_code_uses() -> None:
    assert {"fields.ask_name", "errors.id_check_digit", "general.button_stale"} <= used_keys()
    # A guard's refusal names an `errors.` text too.
    assert "errors.stats_not_coordinator" in used_keys()


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_key_the_code_uses_exists(language: str) -> None:
    missing = used_keys() - set(catalogs().messages[language])
    assert not missing


PAGE_KEY_USE = re.compile(r"""\bt\(["']([a-z_.]+)["']""")


def test_every_text_the_dashboard_page_asks_for_exists() -> None:
    """The Mini App's scripts ask `t("roster.confirm")` for the catalog's `dashboard.` texts."""
    scripts = (ROOT / "bot" / "webapp" / "static").glob("*.js")
    used = {key for path in scripts for key in PAGE_KEY_USE.findall(path.read_text("utf-8"))}
    assert {"roster.confirm_all", "error_network"} <= used
    for language in ("zh-CN", "en"):
        missing = {key for key in used if f"dashboard.{key}" not in catalogs().messages[language]}
        assert not missing, language


def test_an_instant_is_written_in_the_zone_it_comes_in_each_time() -> None:
    # Written times are kept for reuse; one instant in two zones is still two times.
    texts = catalogs()
    instant = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)
    shanghai = instant.astimezone(ZoneInfo("Asia/Shanghai"))
    assert instant == shanghai
    for _ in range(2):
        assert texts.when("en", instant, "clock") == "20:30"
        assert texts.when("en", shanghai, "clock") == "04:30"
        assert texts.when("en", instant, "day") == "Sun 1 Mar"
        assert texts.when("en", shanghai, "day") == "Mon 2 Mar"
