"""Registration end to end: the real framework (python-telegram-bot and aiogram) over HTTP against
the sandbox, on SQLite and on PostgreSQL."""

from __future__ import annotations

from bot.local.harness import RunningBot
from tests.e2e import steps
from tests.ids import make_id


async def test_a_volunteer_registers_from_start_to_confirmation(bot: RunningBot) -> None:
    alice = bot.person(1001, "Alice")
    await alice.send("/start")  # her Telegram app speaks Chinese: so does the notice
    assert alice.last().button_labels() == ["我同意", "我不同意", "English"]
    reply = await alice.press("English")
    assert "keep your name, phone number" in reply.last.text
    assert "full name" in (await alice.press("I agree")).last.text
    assert "mobile phone number" in (await alice.send("Wang Xiaoming")).last.text
    assert alice.user.reply_keyboard is not None  # the share-contact button
    reply = await alice.share_contact(steps.PHONE)
    assert "Phone number saved: +8613800138000" in reply.text
    assert "18-character resident ID" in reply.last.text
    number = make_id()
    reply = await alice.send(number)
    masked = number[:4] + "**********" + number[-4:]
    assert f"ID number saved: {masked}" in reply.text
    assert "Haicang" in reply.last.button_labels()
    assert "District: Haicang" in (await alice.press("Haicang")).text
    reply = await alice.press("Neighbourhood watch")
    assert "✅ Neighbourhood watch" in reply.last.button_labels()
    await alice.press("Environmental protection")
    reply = await alice.press("Done ➡️")
    assert "Interests: Neighbourhood watch and Environmental protection" in reply.text
    await alice.press("Weekends")
    reply = await alice.press("Done ➡️")
    summary = reply.last.text
    assert "Name: Wang Xiaoming" in summary and f"ID number: {masked}" in summary
    assert "Free: Weekends" in summary
    assert reply.last.button_labels() == ["✅ Confirm", "✏️ Edit"]
    assert await steps.volunteer(bot, 1001) is None  # nothing written before Confirm

    reply = await alice.press("✅ Confirm")
    assert "You are registered, Wang Xiaoming" in reply.text
    stored = await steps.volunteer(bot, 1001)
    assert stored is not None
    assert (stored.full_name, stored.phone, stored.id_number_masked) == (
        "Wang Xiaoming",
        "+8613800138000",
        masked,
    )
    assert [t.code for t in stored.themes] == ["neighbourhood", "environment"]
    assert stored.language == "en"
    assert "Welcome back, Wang Xiaoming" in (await alice.send("/start")).text


async def test_editing_one_answer_from_the_summary_returns_to_the_summary(bot: RunningBot) -> None:
    bob = bot.person(1002)
    await steps.up_to_summary(bob)
    await bob.press("✏️ Edit")
    assert "full name" in (await bob.press("Name")).last.text
    reply = await bob.send("Li Hua")
    assert "Name: Li Hua" in reply.last.text
    assert reply.last.button_labels() == ["✅ Confirm", "✏️ Edit"]


async def test_registration_in_chinese(bot: RunningBot) -> None:
    wang = bot.person(1003)  # his Telegram app speaks Chinese: nothing to choose
    reply = await wang.send("/start")
    assert "开始之前" in reply.last.text
    reply = await wang.press("我同意")
    assert "你的姓名是" in reply.last.text


async def test_the_volunteer_continues_at_the_same_step_after_a_restart(bot: RunningBot) -> None:
    carol = bot.person(1004)
    await steps.up_to_name(carol)
    await carol.send("Carol Chen")
    before = await steps.snapshot(bot, 1004)

    await bot.restart()

    assert await steps.snapshot(bot, 1004) == before
    reply = await carol.share_contact(steps.PHONE)
    assert "18-character resident ID" in reply.last.text
    await carol.send(make_id())
    await carol.press("Siming")
    await carol.press("Major events")
    await carol.press("Done ➡️")
    await carol.press("Evenings")
    reply = await carol.press("Done ➡️")
    assert "Name: Carol Chen" in reply.last.text  # the answer given before the restart


async def test_start_in_the_middle_resumes_the_current_question(bot: RunningBot) -> None:
    dan = bot.person(1005)
    await steps.up_to_id(dan)
    reply = await dan.send("/start")
    assert "continue your registration" in reply.text
    assert "18-character resident ID" in reply.last.text


async def test_one_users_updates_are_handled_in_order(bot: RunningBot) -> None:
    erin = bot.person(1006)
    await steps.up_to_name(erin)
    # Sent back to back without waiting: the name must be taken before the phone number.
    first = await erin.user.send("Erin Wu")
    second = await erin.user.share_contact(steps.PHONE, user_id=1006)
    await bot.handled(first)
    await bot.handled(second)
    assert "18-character resident ID" in erin.last().text
