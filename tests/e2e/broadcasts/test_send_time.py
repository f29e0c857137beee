"""A call sent later at a time typed as people say it, end to end with the fixed clock (Monday
2026-01-05, 09:00 in Shanghai): "明天 9:00" / "tomorrow 9am" is confirmed as 1月6日（周二）09:00 /
Tue 6 Jan 09:00 and saved for then; a time alone is its next occurrence."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.local.harness import RunningBot
from bot.texts import catalogs
from tests.e2e import steps
from tests.e2e.broadcasts.test_compose import COORDINATOR, NOTICE, calls

TYPED = {
    "zh-CN": [
        ("明天 9:00", "定于1月6日（周二）09:00发送。", datetime(2026, 1, 6, 1, tzinfo=UTC)),
        (
            "下周六 上午9点",
            "定于1月17日（周六）09:00发送。",
            datetime(2026, 1, 17, 1, tzinfo=UTC),
        ),
        ("8:30", "定于1月6日（周二）08:30发送。", datetime(2026, 1, 6, 0, 30, tzinfo=UTC)),
    ],
    "en": [
        ("tomorrow 9am", "Scheduled for Tue 6 Jan 09:00.", datetime(2026, 1, 6, 1, tzinfo=UTC)),
        ("next Sat 9:00", "Scheduled for Sat 17 Jan 09:00.", datetime(2026, 1, 17, 1, tzinfo=UTC)),
        ("14:30", "Scheduled for Mon 5 Jan 14:30.", datetime(2026, 1, 5, 6, 30, tzinfo=UTC)),
    ],
}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_a_call_is_scheduled_for_a_time_typed_as_people_say_it(
    bot: RunningBot, language: str
) -> None:
    def label(key: str) -> str:
        return catalogs().get(language, f"broadcast_compose.{key}")

    coordinator = await steps.registered(bot, COORDINATOR, language=language)
    team = await steps.make_coordinator(bot, COORDINATOR)
    await steps.member(bot, 1001, team)
    await coordinator.send("/broadcast")
    await coordinator.send(NOTICE)
    await coordinator.press(label("no_activity"))
    await coordinator.press(label("kind_teams"))
    await coordinator.press("Haicang Team")
    await coordinator.press(label("done"))
    await coordinator.press(label("send_later"))

    reply = await coordinator.send("someday")
    assert reply.text == catalogs().get(language, "errors.broadcast_time_format")
    assert reply.last.button_labels() == []  # refused: the presets above stay
    *retyped, (typed, shown, send_at) = TYPED[language]
    for earlier, earlier_shown, _ in retyped:  # the confirmation says: type another to change
        reply = await coordinator.send(earlier)
        assert reply.text.startswith(earlier_shown)
    reply = await coordinator.send(typed)
    assert reply.text.startswith(shown)
    assert reply.last.button_labels() == [label("confirm"), label("drop")]

    await coordinator.press(label("confirm"))
    (call,) = await calls(bot)
    assert (call.status, call.send_at) == ("scheduled", send_at)
