"""PUBLIC_URL, the address calendar links start with: an http(s) address without a trailing
slash, and only with the HTTP server that answers at it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.app import ConfigError, deployment_from
from bot.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_address_reaches_the_conversations_without_a_trailing_slash() -> None:
    deployment = deployment_from(settings(public_url="https://bot.example.org/"))
    assert deployment.public_url == "https://bot.example.org"
    assert deployment_from(settings()).public_url == ""


@pytest.mark.parametrize("url", ["bot.example.org", "webcal://bot.example.org", "https://"])
def test_anything_but_an_http_address_is_refused(url: str) -> None:
    with pytest.raises(ValidationError):
        settings(public_url=url)


def test_an_address_without_the_http_server_is_refused() -> None:
    with pytest.raises(ConfigError, match="HTTP_PORT is 0"):
        deployment_from(settings(public_url="https://bot.example.org", http_port=0))
