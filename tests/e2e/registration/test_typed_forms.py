"""What people type in other forms than the plain one: ID numbers in full-width digits, names
carrying invisible or direction-changing characters — end to end, on both frameworks and both
databases."""

from __future__ import annotations

from bot.local.harness import RunningBot
from tests.e2e import steps
from tests.ids import make_id

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


async def test_an_id_number_in_full_width_digits_is_the_same_number(bot: RunningBot) -> None:
    number = make_id()
    await steps.register(bot.person(5001), number.translate(FULL_WIDTH))
    stored = await steps.volunteer(bot, 5001)
    assert stored is not None and stored.id_number_masked == number[:4] + "*" * 10 + number[-4:]

    twin = bot.person(5002)
    await steps.up_to_id(twin)
    reply = await twin.send(number)
    assert "already registered to another volunteer" in reply.text
    assert (await steps.state_of(bot, 5002))[1] == "id_number"  # still at that question


async def test_a_name_is_stored_and_shown_without_direction_overrides(bot: RunningBot) -> None:
    mallory = bot.person(5003)
    await steps.up_to_name(mallory)
    reply = await mallory.send("\u3164")  # a Hangul filler: shows as nothing
    assert "at least one visible letter" in reply.text
    assert (await steps.state_of(bot, 5003))[1] == "name"

    await mallory.send("Wang\u202e Xiao\u200bming")
    await mallory.share_contact(steps.PHONE)
    await mallory.send(make_id())
    reply = await steps.from_district_to_summary(mallory)
    assert "Name: Wang Xiaoming" in reply.last.text
    reply = await mallory.press("✅ Confirm")
    assert "You are registered, Wang Xiaoming." in reply.text
    stored = await steps.volunteer(bot, 5003)
    assert stored is not None and stored.full_name == "Wang Xiaoming"
