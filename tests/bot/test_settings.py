"""The settings an operator sees: `.env.example` lists every one with its meaning and default, as
`volbot settings example` prints it; secrets are never shown when settings are printed or logged;
settings that cannot work are refused at start, in one line that says what to do."""

from __future__ import annotations

import logging
import re
import string
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.settings import Settings
from tests.conftest import TEST_ID_KEY

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
ASSIGNMENT = re.compile(r"^# ([A-Z][A-Z0-9_]*)=(.*)$")
TELEGRAM_SECRET_CHARACTERS = string.ascii_letters + string.digits + "_-"


def test_env_example_is_what_volbot_settings_example_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["settings", "example"]) == 0

    assert ENV_EXAMPLE.read_text() == capsys.readouterr().out, (
        "regenerate it: volbot settings example > .env.example"
    )


def test_env_example_lists_every_setting_once_with_its_meaning_and_default() -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    listed = [
        (index, match[1], match[2])
        for index, line in enumerate(lines)
        if (match := ASSIGNMENT.match(line))
    ]

    assert sorted(name for _, name, _ in listed) == sorted(
        name.upper() for name in Settings.model_fields
    )
    defaults = {name: default for _, name, default in listed}
    assert defaults["BOT_FRAMEWORK"] == "ptb"
    assert defaults["REMINDER_OFFSETS_HOURS"] == "24,2"
    assert defaults["DAILY_DIGEST_AT"] == "18:00"
    assert defaults["REQUIRE_REAL_NAME"] == "false"
    assert defaults["TELEGRAM_BOT_TOKEN"] == ""
    for index, name, _ in listed:  # each has its meaning in the comment above it
        assert lines[index - 1].startswith("# ") and not ASSIGNMENT.match(lines[index - 1]), name


SECRETS = {
    "telegram_bot_token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
    "id_encryption_key": TEST_ID_KEY,
    "webhook_secret": "wh00k-s3cret_value" * 2,
}
PASSWORD = "pg-pa55word"


def test_secrets_are_not_shown_when_settings_are_printed_or_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"postgresql+asyncpg://volbot:{PASSWORD}@db.internal/volbot",
        **SECRETS,  # type: ignore[arg-type]
    )
    with caplog.at_level(logging.INFO):
        logging.getLogger("volbot.test").info("settings: %s / %r", settings, settings)

    shown = f"{settings!r} {settings!s} {caplog.text}"
    for secret in [*SECRETS.values(), PASSWORD]:
        assert secret not in shown
    dumped = settings.model_dump_json()  # the URL is a plain string in a dump: code uses it
    assert not any(secret in dumped for secret in SECRETS.values())
    # Where they are used, they are there.
    assert {name: getattr(settings, name).get_secret_value() for name in SECRETS} == SECRETS
    assert PASSWORD in settings.database_url


def test_a_webhook_secret_telegram_would_refuse_is_refused_without_repeating_it() -> None:
    with pytest.raises(ValueError, match="32 to 256") as refused:
        Settings(_env_file=None, webhook_secret="s3cret with spaces" * 2)  # type: ignore[call-arg, arg-type]

    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize(
    "secret",
    ["", "a" * 32, TELEGRAM_SECRET_CHARACTERS[:32], TELEGRAM_SECRET_CHARACTERS * 4],
)
def test_a_webhook_secret_of_32_to_256_allowed_characters_or_none_is_taken(secret: str) -> None:
    assert (
        Settings(_env_file=None, webhook_secret=secret).webhook_secret.get_secret_value() == secret
    )  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "secret",
    ["x", "a" * 31, "a" * 257, "a" * 31 + " ", "a" * 31 + "=", "a" * 31 + "é", "秘" * 32],
)
def test_a_short_long_or_strange_webhook_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="32 to 256"):
        Settings(_env_file=None, webhook_secret=secret)  # type: ignore[call-arg, arg-type]


def test_the_command_refuses_a_short_secret_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("WEBHOOK_SECRET", "x")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:" + "x" * 35)

    assert main(["run"]) == 1

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("volbot: WEBHOOK_SECRET ")
    assert "32 to 256" in line and "volbot keygen --webhook-secret" in line


def test_keygen_makes_a_webhook_secret_the_settings_take(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    assert main(["keygen", "--webhook-secret"]) == 0

    secret = capsys.readouterr().out.strip()
    assert len(secret) >= 32
    assert (
        Settings(_env_file=None, webhook_secret=secret).webhook_secret.get_secret_value() == secret
    )  # type: ignore[call-arg]


def test_volbot_run_uses_uvloop_unless_turned_off() -> None:
    import uvloop

    from bot.cli import event_loop_factory

    assert event_loop_factory(Settings(uvloop=True)) is uvloop.new_event_loop
    assert event_loop_factory(Settings(uvloop=False)) is None
