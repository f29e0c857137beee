"""Deployment settings that cannot work are refused at start, in one line that says what to do."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.settings import Settings

TELEGRAM_SECRET_CHARACTERS = string.ascii_letters + string.digits + "_-"


@pytest.mark.parametrize(
    "secret",
    ["", "a" * 32, TELEGRAM_SECRET_CHARACTERS[:32], TELEGRAM_SECRET_CHARACTERS * 4],
)
def test_a_webhook_secret_of_32_to_256_allowed_characters_or_none_is_taken(secret: str) -> None:
    assert Settings(_env_file=None, webhook_secret=secret).webhook_secret == secret  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "secret",
    ["x", "a" * 31, "a" * 257, "a" * 31 + " ", "a" * 31 + "=", "a" * 31 + "é", "秘" * 32],
)
def test_a_short_long_or_strange_webhook_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="32 to 256"):
        Settings(_env_file=None, webhook_secret=secret)  # type: ignore[call-arg]


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
    assert Settings(_env_file=None, webhook_secret=secret).webhook_secret == secret  # type: ignore[call-arg]
