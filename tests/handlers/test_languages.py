"""Catalog languages from Telegram's language codes, and back."""

from __future__ import annotations

import pytest

from handlers.languages import preferred, telegram_code

LANGUAGES = ("zh-CN", "en")


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        ("zh-hans", "zh-CN"),
        ("zh-hant", "zh-CN"),
        ("zh", "zh-CN"),
        ("en", "en"),
        ("en-GB", "en"),
        ("EN-us", "en"),
        ("fr", "zh-CN"),
        ("", "zh-CN"),
        (None, "zh-CN"),
    ],
)
def test_a_newcomers_language_follows_their_telegram_app(app: str | None, expected: str) -> None:
    assert preferred(app, LANGUAGES, "zh-CN") == expected


def test_the_bot_api_takes_two_letter_codes() -> None:
    assert [telegram_code(language) for language in LANGUAGES] == ["zh", "en"]
