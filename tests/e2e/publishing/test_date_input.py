"""Days and times typed as people say them, end to end with the fixed clock (Monday 2026-01-05,
09:00 in Shanghai): a coordinator plans a shift for 下周六 / next Sat, sees the day understood with
its weekday in the next question, corrects it by typing another day there, and types the sign-up
deadline as 周五 下午6点 / Fri 6pm; the shift and the deadline are published as understood."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.local.harness import RunningBot
from bot.texts import catalogs
from models.activities.tables import Activity
from models.publishing import publication
from tests.e2e import steps
from tests.e2e.publishing.test_new_activity import COORDINATOR, activities

TYPED = {
    "zh-CN": {
        "day": "下周六",
        "asked": "1月17日（周六），几点到几点？",
        "other_day": "明天",
        "asked_again": "1月6日（周二），几点到几点？",
        "times": "上午9点到12点",
        "deadline": "周五 下午6点",
        "deadline_shown": "报名截止：1月9日（周五）18:00。",
        "theme": "生态环保",
        "district": "思明区",
    },
    "en": {
        "day": "next Sat",
        "asked": "Sat 17 Jan: from when to when?",
        "other_day": "tomorrow",
        "asked_again": "Tue 6 Jan: from when to when?",
        "times": "9am-12pm",
        "deadline": "Fri 6pm",
        "deadline_shown": "Sign-up closes Fri 9 Jan 18:00.",
        "theme": "Environmental protection",
        "district": "Siming",
    },
}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_a_shift_planned_for_next_saturday_is_repeated_back_and_published(
    bot: RunningBot, language: str
) -> None:
    typed = TYPED[language]

    def label(key: str) -> str:
        return catalogs().get(language, f"new_activity.{key}")

    person = await steps.registered(bot, COORDINATOR, language=language)
    await steps.make_coordinator(bot, COORDINATOR)
    await person.send("/new_activity")
    await person.send("Beach clean-up")
    await person.press(label("skip"))
    await person.press(typed["theme"])
    await person.press(typed["district"])
    await person.send("Baicheng Beach, Siming")
    await person.press(label("skip"))

    reply = await person.send(typed["day"])
    assert reply.text.startswith(typed["asked"])
    reply = await person.send(typed["other_day"])  # not that day: another is typed instead
    assert reply.text.startswith(typed["asked_again"])
    await person.send(typed["day"])
    await person.send(typed["times"])
    await person.send("5")
    await person.press(label("shifts_done"))
    reply = await person.send(typed["deadline"])
    assert reply.messages[0].text == typed["deadline_shown"]
    await person.press(label("no_min_age"))
    await person.press(label("real_name_no"))
    await person.press(label("no_required_theme"))
    await person.press(label("publish"))

    [activity] = await activities(bot)
    assert isinstance(activity, Activity)
    assert activity.signup_deadline == datetime(
        2026, 1, 9, 10, tzinfo=UTC
    )  # this Friday, 18:00 local
    async with steps.database(bot) as session:
        [shift] = await publication.shifts_of(session, activity.id)
    assert (shift.starts_at, shift.ends_at) == (
        datetime(2026, 1, 17, 1, tzinfo=UTC),  # Saturday 09:00 in Shanghai
        datetime(2026, 1, 17, 4, tzinfo=UTC),
    )


async def test_a_day_that_does_not_exist_is_refused_and_the_step_stays(bot: RunningBot) -> None:
    person = await steps.registered(bot, COORDINATOR, language="zh-CN")
    await steps.make_coordinator(bot, COORDINATOR)
    await person.send("/new_activity")
    await person.send("海滩清洁")
    await person.press(catalogs().get("zh-CN", "new_activity.skip"))
    await person.press("生态环保")
    await person.press("思明区")
    await person.send("白城沙滩")
    await person.press(catalogs().get("zh-CN", "new_activity.skip"))
    before = await steps.state_of(bot, COORDINATOR)
    reply = await person.send("2月30日")
    assert reply.text == catalogs().get("zh-CN", "errors.date_impossible")
    reply = await person.send("改天")
    assert reply.text.startswith("没看懂这个日期。可以这样写：1月10日")
    assert await steps.state_of(bot, COORDINATOR) == before
