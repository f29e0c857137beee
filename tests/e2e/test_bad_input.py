"""Bad input at each registration step gets a clear reply, and nothing stored changes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.local.harness import Person, Reply, RunningBot
from tests.e2e import steps
from tests.ids import make_id, with_wrong_check

Act = Callable[[Person], Awaitable[Reply]]

AT_NAME: list[tuple[str, Act, str]] = [
    ("5,000-character name", lambda p: p.send("x" * 5000), "at most 64 characters"),
    ("only emoji", lambda p: p.send("😀🎉😀"), "letters only"),
    ("a photo", lambda p: p.send_photo(b"\x89PNG fake"), "type your name as a text message"),
    ("a sticker", lambda p: p.send_sticker(), "type your name as a text message"),
    ("an unknown command", lambda p: p.send("/fly_me_to_the_moon"), "don't know the command"),
]
AT_PHONE: list[tuple[str, Act, str]] = [
    ("an invalid phone", lambda p: p.send("12345"), "valid phone number"),
    (
        "someone else's contact",
        lambda p: p.share_contact("+8613900139000", user_id=999),
        "your own contact",
    ),
]
AT_ID: list[tuple[str, Act, str]] = [
    (
        "a wrong check digit",
        lambda p: p.send(with_wrong_check(make_id())),
        "last character doesn't match",
    ),
    ("too short", lambda p: p.send("35020319900517"), "18 characters"),
    ("an impossible birth date", lambda p: p.send("35020319901399123X"), "birth date"),
]


async def assert_refused_and_unchanged(
    bot: RunningBot, person: Person, act: Act, expected: str
) -> None:
    before = await steps.snapshot(bot, person.id)
    reply = await act(person)
    assert expected in (reply.alert or reply.text)
    assert await steps.snapshot(bot, person.id) == before


@pytest.mark.parametrize(("what", "act", "expected"), AT_NAME, ids=[c[0] for c in AT_NAME])
async def test_bad_input_at_the_name_step(
    bot: RunningBot, what: str, act: Act, expected: str
) -> None:
    person = bot.person(2001)
    await steps.up_to_name(person)
    await assert_refused_and_unchanged(bot, person, act, expected)


@pytest.mark.parametrize(("what", "act", "expected"), AT_PHONE, ids=[c[0] for c in AT_PHONE])
async def test_bad_input_at_the_phone_step(
    bot: RunningBot, what: str, act: Act, expected: str
) -> None:
    person = bot.person(2002)
    await steps.up_to_name(person)
    await person.send("Wang Xiaoming")
    await assert_refused_and_unchanged(bot, person, act, expected)


@pytest.mark.parametrize(("what", "act", "expected"), AT_ID, ids=[c[0] for c in AT_ID])
async def test_bad_input_at_the_id_step(
    bot: RunningBot, what: str, act: Act, expected: str
) -> None:
    person = bot.person(2003)
    await steps.up_to_id(person)
    await assert_refused_and_unchanged(bot, person, act, expected)


async def test_typing_where_a_button_is_expected_asks_again(bot: RunningBot) -> None:
    person = bot.person(2004)
    await steps.up_to_district(person)
    await assert_refused_and_unchanged(
        bot, person, lambda p: p.send("Haicang please"), "answer with the buttons"
    )
    assert "Haicang" in person.last().button_labels()


async def test_an_empty_selection_is_refused(bot: RunningBot) -> None:
    person = bot.person(2005)
    await steps.up_to_district(person)
    await person.press("Haicang")
    await assert_refused_and_unchanged(bot, person, lambda p: p.press("Done ➡️"), "at least one")


async def test_a_button_from_an_old_message_is_stale(bot: RunningBot) -> None:
    person = bot.person(2006)
    await steps.up_to_id(person)
    language_message = person.messages()[0]
    await assert_refused_and_unchanged(
        bot,
        person,
        lambda p: p.press("English", message_id=language_message.message_id),
        "older message",
    )


@pytest.mark.parametrize(
    "data",
    ["reg.confirm|3|AAAAAAAA", "f.district|1|4|zzzzzzzz", "garbage", "reg.lang|en"],
)
async def test_a_forged_button_is_refused(bot: RunningBot, data: str) -> None:
    person = bot.person(2007)
    await steps.up_to_summary(person)
    summary = person.last()
    await assert_refused_and_unchanged(
        bot,
        person,
        lambda p: p.press_data(data, message_id=summary.message_id),
        "isn't valid",
    )


@pytest.mark.parametrize(
    "data",
    [
        "reg.confirm|3|AAAAAAA\u00e9",
        "reg.confirm|3|\u65e5\u672c\u8a9e\u6587\u5b57",
        "r\u00e9g|3|4|AAAAAAAA",
    ],
)
async def test_a_button_with_non_ascii_characters_is_refused_without_an_error(
    bot: RunningBot, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone can send such a press: it is a forged button, not a failure to alert on."""
    person = bot.person(2011)
    await steps.up_to_summary(person)
    summary = person.last()
    assert bot.adapter is not None
    errors = bot.adapter.metrics.registry.get_sample_value("volbot_update_errors_total")
    with caplog.at_level(logging.INFO):
        await assert_refused_and_unchanged(
            bot,
            person,
            lambda p: p.press_data(data, message_id=summary.message_id),
            "isn't valid",
        )
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert bot.adapter.metrics.registry.get_sample_value("volbot_update_errors_total") == errors


async def test_an_id_number_registered_by_someone_else_is_refused(bot: RunningBot) -> None:
    number = make_id()
    await steps.register(bot.person(2008), number)
    person = bot.person(2009)
    await steps.up_to_id(person)
    await assert_refused_and_unchanged(bot, person, lambda p: p.send(number), "already registered")


async def test_cancel_drops_the_unconfirmed_answers(bot: RunningBot) -> None:
    person = bot.person(2010)
    await steps.up_to_id(person)
    reply = await person.send("/cancel")
    assert "Nothing you entered was kept" in reply.text
    state, volunteers = await steps.snapshot(bot, person.id)
    assert state is not None and state[0] is None and state[3] == {}  # type: ignore[index]
    assert volunteers == []
    assert "nothing to cancel" in (await person.send("/cancel")).text


async def test_text_outside_a_conversation_gets_guidance(bot: RunningBot) -> None:
    person = bot.person(2011)
    assert "Send /start to register" in (await person.send("hello?")).text
    assert "/start" in (await person.send("/help")).text
