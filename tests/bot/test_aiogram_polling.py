"""aiogram reads the bot's answers without building a pydantic model for each one.

aiogram reads an answer as `Response[method.__returning__]`, a model pydantic makes on first use
and keeps only while something refers to it. Nothing did, so after each garbage collection the
next answer of each kind (a long poll's, a sent message's) made its model anew: about 4 ms of
CPU, 8 % of the bot's time under load. The adapter's `Session` now keeps them."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pydantic._internal._generics as pydantic_generics
import pytest

from bot.local.harness import running_bot
from tests.conftest import make_settings

MESSAGES = 5


@pytest.fixture
def models_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the parametrised pydantic models made from now on."""
    made: list[str] = []
    make: Callable[..., Any] = pydantic_generics.create_generic_submodel

    def counted(name: str, *args: Any) -> Any:
        made.append(name)
        return make(name, *args)

    monkeypatch.setattr(pydantic_generics, "create_generic_submodel", counted)
    return made


async def test_answers_after_a_garbage_collection_make_no_response_model(
    sqlite_url: str, models_made: list[str]
) -> None:
    async with running_bot(make_settings(sqlite_url, bot_framework="aiogram")) as bot:
        person = bot.person(1001)
        await person.send("/help")  # every kind of answer has been read once
        models_made.clear()
        for _ in range(MESSAGES):
            gc.collect()  # what nothing refers to goes now
            assert (await person.send("/help")).text
        assert [name for name in models_made if name.startswith("Response[")] == []
