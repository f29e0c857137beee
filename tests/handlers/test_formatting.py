"""Days, times, durations, lists, plurals and numbers read as each language writes them."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.texts import catalogs
from handlers import formatting

SHANGHAI = ZoneInfo("Asia/Shanghai")
SATURDAY_9AM = datetime(2026, 1, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
NOON = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "day", "moment", "span"),
    [
        ("zh-CN", "1月10日（周六）", "1月10日（周六）09:00", "1月10日（周六）09:00–12:00"),
        ("en", "Sat 10 Jan", "Sat 10 Jan 09:00", "Sat 10 Jan 09:00–12:00"),
    ],
)
def test_days_and_times(language: str, day: str, moment: str, span: str) -> None:
    texts = catalogs()
    assert formatting.calendar_day(texts, language, date(2026, 1, 10)) == day
    assert formatting.day(texts, language, SATURDAY_9AM, SHANGHAI) == day
    assert formatting.moment(texts, language, SATURDAY_9AM, SHANGHAI) == moment
    assert formatting.span(texts, language, SHANGHAI, SATURDAY_9AM, NOON) == span


def test_a_moment_is_shown_in_the_deployments_zone() -> None:
    late = datetime(2026, 1, 9, 16, 30, tzinfo=UTC)  # already Saturday in Shanghai
    assert formatting.moment(catalogs(), "en", late, SHANGHAI) == "Sat 10 Jan 00:30"


@pytest.mark.parametrize(
    ("language", "minutes", "said"),
    [
        ("zh-CN", 195, "3小时15分钟"),
        ("zh-CN", 120, "2小时"),
        ("zh-CN", 45, "45分钟"),
        ("zh-CN", 0, "0分钟"),
        ("en", 195, "3 hours 15 minutes"),
        ("en", 60, "1 hour"),
        ("en", 1, "1 minute"),
        ("en", 75_000, "1,250 hours"),
    ],
)
def test_one_duration_style(language: str, minutes: int, said: str) -> None:
    assert formatting.duration(catalogs(), language, minutes) == said


@pytest.mark.parametrize(
    ("language", "first", "last", "said"),
    [
        ("zh-CN", date(2026, 1, 7), date(2026, 1, 7), "2026年1月7日"),
        ("zh-CN", date(2025, 12, 20), date(2026, 1, 5), "2025年12月20日\u2009–\u20092026年1月5日"),
        ("en", date(2026, 1, 2), date(2026, 1, 5), "2\u2009–\u20095 Jan 2026"),
    ],
)
def test_dates_of_something_past(language: str, first: date, last: date, said: str) -> None:
    assert formatting.dates(catalogs(), language, first, last) == said


@pytest.mark.parametrize(
    ("language", "items", "said"),
    [
        ("zh-CN", ["邻里守望", "关爱老人"], "邻里守望和关爱老人"),
        ("zh-CN", ["邻里守望", "关爱老人", "环境保护"], "邻里守望、关爱老人和环境保护"),
        (
            "en",
            ["Neighbourhood watch", "Elderly care", "Environment"],
            "Neighbourhood watch, Elderly care and Environment",
        ),
        ("en", ["One"], "One"),
        ("en", [], ""),
    ],
)
def test_lists(language: str, items: list[str], said: str) -> None:
    assert formatting.joined(catalogs(), language, items) == said


@pytest.mark.parametrize(
    ("language", "count", "name", "said"),
    [("zh-CN", 3, "duration-day", "3天"), ("en", 1, "duration-week", "1 week")],
)
def test_units(language: str, count: int, name: str, said: str) -> None:
    assert formatting.unit(catalogs(), language, count, name) == said


@pytest.mark.parametrize(
    ("count", "said"),
    [(1, "1 place is free"), (2, "2 places are free"), (1234, "1,234 places are free")],
)
def test_english_plural_forms(count: int, said: str) -> None:
    texts = catalogs()
    template = "{count:# place|# places} {count:is|are} free"
    assert texts.formatters["en"].vformat(template, (), {"count": count}) == said


def test_a_plural_with_forms_the_language_does_not_have_is_an_error() -> None:
    with pytest.raises(ValueError, match="other"):
        catalogs().formatters["zh-CN"].vformat("{n:个|个}", (), {"n": 2})


def test_grouped_numbers() -> None:
    texts = catalogs()
    assert texts.formatters["zh-CN"].vformat("约{d:n}米", (), {"d": 2100}) == "约2,100米"
    assert texts.get("en", "broadcast_compose.reach", count=1).startswith(
        "This call will reach 1 volunteer."
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh-CN", "1月10日（周六）09:00 · 1月10日（周六） · 09:00 · 2026年1月10日 · 2026年1月"),
        ("en", "Sat 10 Jan 09:00 · Sat 10 Jan · 09:00 · 10 January 2026 · January 2026"),
    ],
)
def test_a_catalog_writes_days_and_moments_as_the_formatting_does(language: str, said: str) -> None:
    at = datetime(2026, 1, 10, 9, 0)  # in the deployment's zone already, as catalogs get them
    template = "{at:moment} · {at:day} · {at:clock} · {on:date} · {on:month}"
    formatter = catalogs().formatters[language]
    assert formatter.vformat(template, (), {"at": at, "on": at.date()}) == said
    assert formatting.moment(catalogs(), language, SATURDAY_9AM, SHANGHAI) == said.split(" · ")[0]
