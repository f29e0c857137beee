"""A newcomer is greeted in the language their Telegram app uses (Chinese or English; the
deployment's otherwise) without being asked, and can still switch with one tap."""

from __future__ import annotations

from bot.local.harness import RunningBot
from models.conversation import ConversationState
from tests.e2e import steps


async def test_an_english_speaking_newcomer_is_greeted_in_english_without_choosing(
    bot: RunningBot,
) -> None:
    alice = bot.person(1001, "Alice", language_code="en-US")
    reply = await alice.send("/start")
    assert "keep your name, phone number" in reply.last.text
    assert reply.last.button_labels() == ["I agree", "I don't agree", "中文"]
    assert "full name" in (await alice.press("I agree")).last.text


async def test_a_chinese_speaking_newcomer_is_greeted_in_chinese_and_may_switch(
    bot: RunningBot,
) -> None:
    bob = bot.person(1002, "Bob", language_code="zh-hans")
    reply = await bob.send("/start")
    assert "开始之前" in reply.last.text
    assert reply.last.button_labels() == ["我同意", "我不同意", "English"]
    switched = await bob.press("English")
    assert "Language: English" in switched.text
    assert "keep your name, phone number" in switched.last.text
    assert switched.last.button_labels() == ["I agree", "I don't agree", "中文"]
    assert "开始之前" in (await bob.press("中文")).last.text
    await bob.press("我同意")
    await bob.send("王小明")
    assert (await steps.state_of(bot, 1002))[4] == "zh-CN"


async def test_a_newcomer_of_another_language_reads_the_deployments(bot: RunningBot) -> None:
    carol = bot.person(1003, "Carol", language_code="fr")
    reply = await carol.send("/start")
    assert "keep your name, phone number" in reply.last.text  # English in the tests


async def test_a_registration_saved_at_the_old_language_question_moves_on_to_the_notice(
    bot: RunningBot,
) -> None:
    async with steps.database(bot) as session:
        session.add(
            ConversationState(
                telegram_id=1004, flow="register", step="language", updated_at=bot.clock.now()
            )
        )
    dan = bot.person(1004, "Dan", language_code="zh-hans")
    reply = await dan.send("hello")
    assert "开始之前" in reply.last.text
    assert (await steps.state_of(bot, 1004))[:2] == ("register", "privacy")
    assert "你的姓名是" in (await dan.press("我同意")).last.text
