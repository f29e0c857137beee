"""Transcripts played in-process (`volbot sandbox --script` without the subprocess): each step
and check of docs/sandbox-scripts.md against the real bot on both frameworks, the output that
shows every message to everyone in order, and the failed lines of failed checks and malformed
files."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from bot.local.cli import transcript_player
from bot.local.harness import RunningBot
from bot.local.script import Player
from bot.local.transcript import ScriptError, Transcript, apply_settings
from bot.settings import Settings
from sandbox.records import Button, SentMessage
from tests.conftest import TEST_ID_KEY
from tests.e2e import steps
from tests.e2e.attendance.test_hours import served

COORDINATOR, VOLUNTEER, STRANGER = 9001, 1001, 2002


@dataclass
class Played:
    code: int
    lines: list[dict[str, Any]]
    failed: dict[str, Any] | None

    def texts(self, who: str) -> list[str]:
        return [line.get("text") or "" for line in self.lines if who in line.values()]


def parse(text: str) -> Transcript:
    return Transcript.parse(yaml.safe_load(text))


async def play_all(
    sqlite_url: str,
    framework: str,
    transcripts: list[Transcript],
    before: Callable[[RunningBot], Awaitable[object]] | None = None,
) -> list[Played]:
    """Transcripts played one after the other against one bot (with the first's settings),
    after `before` set the world up."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=sqlite_url,
        id_encryption_key=TEST_ID_KEY,
        bot_framework=framework,
    )
    results = []
    async with transcript_player(settings, transcripts[0], io.StringIO(), io.StringIO()) as first:
        if before is not None:
            await before(first.bot)
        for transcript in transcripts:
            out, err = io.StringIO(), io.StringIO()
            code = await Player(first.bot, transcript, out, err, first.flood_clock).play()
            failures = [json.loads(line)["failed"] for line in err.getvalue().splitlines()]
            lines = [json.loads(line) for line in out.getvalue().splitlines()]
            results.append(Played(code, lines, failures[-1] if failures else None))
    return results


async def play(
    sqlite_url: str,
    framework: str,
    transcript: Transcript | str,
    before: Callable[[RunningBot], Awaitable[object]] | None = None,
) -> Played:
    """A transcript (or its text) played against the bot, after `before` set the world up."""
    if isinstance(transcript, str):
        transcript = parse(transcript)
    (played,) = await play_all(sqlite_url, framework, [transcript], before)
    return played


async def an_activity(bot: RunningBot) -> None:
    """Coordinator 9001's team has an activity, and volunteer 1001 in it."""
    team = await steps.make_coordinator(bot, COORDINATOR)
    await steps.make_activity(bot, team)
    await steps.member(bot, VOLUNTEER, team)


CALL = """
settings:
  admin_telegram_ids: "9001,9002"   # the environment's form
  default_language: en
users:
  coord: {id: 9001, first_name: Lin, language_code: en}
  vol: {id: 1001, first_name: Ann, language_code: en}
steps:
  - user: coord
    send: /broadcast
  - send: "Beach clean-up on Wednesday!"
  - press: Beach clean-up
  - expect_button: "^Everyone"        # an admin's choice: the settings made them one
  - press: Teams…
  - press: Haicang Team
  - expect_edit: "Choose the teams"
  - expect_button: "✅ Haicang Team"   # a label with its state
  - press: "Done ➡️"
  - expect_any: "To: the volunteers of Haicang Team"
  - expect: "will reach 1 volunteer"
  - press: "📣 Send now"
  - expect_alert: "Call #1"
  - user: vol
  - expect_none: true
  - wait: 1
  - expect_any: "Beach clean-up on Wednesday"
  - expect_button: "✋ Sign up"
  - press: "✋ Sign up"                # a URL button into the bot: opens the activity
  - expect_any: "Baicheng Beach"
  - user: coord
  - expect_edit: "Call #1: finished"
"""


async def test_a_call_sent_now_reaches_the_volunteer_when_time_passes(
    sqlite_url: str, framework: str
) -> None:
    played = await play(sqlite_url, framework, CALL, an_activity)

    assert (played.code, played.failed) == (0, None), played.lines
    whom = [line.get("user") for line in played.lines]
    call = whom.index("vol")  # the call, delivered by `wait`, after all the composing
    assert set(whom[:call]) == {"coord"} and "Beach clean-up on Wednesday!" in played.texts("vol")
    assert {"user": "coord", "alert": "Call #1 is saved; it goes out at Mon 5 Jan 09:00."} in (
        played.lines
    )
    toggled = next(line for line in played.lines if "✅ Haicang Team" in line.get("buttons", []))
    assert toggled["edited"] is True
    # What the sender and the jobs did meanwhile is printed too, edits of older messages included.
    assert any(line.get("edited") and "finished" in line["text"] for line in played.lines[call:])


LINKS = r"""
settings: {default_language: en}
users:
  coord: {id: 9001, language_code: en}
  vol: {id: 1001, language_code: en}
groups:
  hall: {id: -1001234567890, title: Haicang volunteers}
steps:
  - user: coord
    add_to_group: hall
  - send: /manage
  - press: Beach clean-up
  - press: 🔗 Link and QR code
  - open_link: "act_"                  # from the QR code's caption
  - expect_any: "Baicheng Beach"
  - send: /manage
  - press: Beach clean-up
  - press: 📣 Post the card in a group
  - press: Haicang volunteers
  - wait: 1
  - user: vol
    chat: hall
    expect: "5 of 5 places left"
  - chat: hall
    save: 'TOKEN=start=(act_[\w-]+)'  # the card's URL button
  - chat: hall
    press: ✍️ Sign up                   # opens the bot's chat, as Telegram does
  - expect_any: "Baicheng Beach"
  - send: "/start {TOKEN}"
  - expect: "Baicheng Beach"
  - chat: hall
    open_link: "start={TOKEN}$"
  - expect: "Baicheng Beach"
"""


async def test_deep_links_open_from_a_caption_a_url_button_and_a_saved_token(
    sqlite_url: str, framework: str
) -> None:
    played = await play(sqlite_url, framework, LINKS, an_activity)

    assert (played.code, played.failed) == (0, None), played.lines
    photo = next(line for line in played.lines if "photo" in line)
    assert photo["user"] == "coord" and "?start=act_" in photo["photo"]
    card = next(line for line in played.lines if line.get("chat") == "hall")
    assert card["buttons"] == ["✍️ Sign up"] and "5 of 5 places left" in card["text"]
    opened = [line for line in played.lines if line.get("user") == "vol"]
    assert len(opened) >= 3 and all("Baicheng Beach" in (line["text"] or "") for line in opened)


VERIFY = """
settings:
  default_language: en
users:
  ann: {id: 1001, language_code: en}
  stranger: {id: 2002, language_code: en}
steps:
  - user: ann
    send: /certificate
  - expect_any: 'certificate-.*[.]pdf'
  - save: "CODE=code: ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})"   # {4}: a regex's own braces
  - user: stranger
    send: "/verify {CODE}"
  - expect: "Genuine: certificate {CODE} was issued"
"""


async def test_a_saved_certificate_code_verifies(sqlite_url: str, framework: str) -> None:
    async def served_once(bot: RunningBot) -> None:
        await steps.registered(bot, VOLUNTEER)
        await served(bot, VOLUNTEER, "Park patrol", datetime(2025, 12, 1, 1, tzinfo=UTC), 90)

    played = await play(sqlite_url, framework, VERIFY, served_once)

    assert (played.code, played.failed) == (0, None), played.lines
    document = next(line for line in played.lines if "document" in line)
    assert (
        document["document"].startswith("certificate-")
        and "Verification code" in (document["text"])
    )


REGISTER = """
settings: {default_language: en}
users:
  ann: {id: 1005, first_name: Ann, phone: "+8613800138000", language_code: en}
steps:
  - user: ann
    send: /start
  - press: I agree
  - send: Ann Lee
  - tap: "📱 Share my phone number"
  - press: Haicang
  - press: Neighbourhood watch
  - press: "Done ➡️"
"""


FAILURES: list[tuple[list[str], dict[str, Any]]] = [
    (["press: Nowhere"], {"press": "Nowhere", "there": ["Weekdays", "Weekends", "Evenings"]}),
    (["press: 'Done ➡️'", "expect_alert: Thank you"], {"there": "Please choose at least"}),
    (["press: Weekends", "expect_none: true"], {"there": ["When are you usually free"]}),
    (["expect_button: Holidays"], {"there": ["Weekdays", "Weekends", "Evenings"]}),
    (["expect_edit: 'Interests: Caring'"], {"there": ["Interests: Neighbourhood watch"]}),
    (["expect_any: Registered"], {"there": ["Interests: Neighbourhood watch"]}),
    (["save: CODE=(\\d{20})"], {"save": "CODE=(\\d{20})"}),
    (["open_link: act_"], {"open_link": "act_", "there": []}),
]


async def test_a_failed_check_or_missing_button_says_what_was_there(sqlite_url: str) -> None:
    transcripts = [  # one person each, on one bot
        parse(REGISTER.replace("1005", str(1100 + n)) + "".join(f"  - {s}\n" for s in more))
        for n, (more, _) in enumerate(FAILURES)
    ]
    results = await play_all(sqlite_url, "ptb", transcripts)

    for played, (more, failed) in zip(results, FAILURES, strict=True):
        assert played.code == 1 and played.failed is not None, more
        assert played.failed["step"] == 7 + len(more) and played.failed["user"] == "ann"
        for key, value in failed.items():
            there = played.failed[key]
            if isinstance(value, list):  # the labels or texts that were there, in part
                assert all(any(item in shown for shown in there) for item in value), there
            else:
                assert value in there if key == "there" else there == value


async def test_a_startgroup_button_adds_the_bot_and_a_url_elsewhere_is_not_followed(
    sqlite_url: str,
) -> None:
    bots: list[RunningBot] = []

    async def links(bot: RunningBot) -> None:
        bots.append(bot)
        person = bot.person(1005)
        chat = bot.sandbox.world.chats[person.id]
        buttons = [
            Button(
                "Add me to your group", url=f"https://t.me/{bot.sandbox.bot_username}?startgroup=g1"
            ),
            Button("Docs", url="https://example.org/docs"),
        ]
        await bot.sandbox.world.add_bot_message(
            SentMessage(
                message_id=bot.sandbox.world.new_message_id(chat),
                chat_id=person.id,
                date=bot.clock.now(),
                text="Read the docs",
                buttons=[buttons],
            )
        )

    text = """
users: {ann: {id: 1005}}
groups: {hall: {id: -100123, title: Hall}}
steps:
  - user: ann
    press: Add me to your group
    group: hall
  - chat: hall
    send: hello, everyone
  - press: Docs
"""
    played = await play(sqlite_url, "aiogram", text, links)
    assert played.code == 1 and played.failed is not None
    assert played.failed["step"] == 3 and "https://example.org/docs" in played.failed["reason"]
    group = bots[0].sandbox.world.chats[-100123]
    said = [message["text"] for message in group.user_messages.values()]
    assert said == [f"/start@{bots[0].sandbox.bot_username} g1", "hello, everyone"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("users: {}\nsteps: []\nextra: 1\n", "extra"),
        ("steps:\n  - {user: nobody, send: hi}\n", "nobody"),
        ("users: {a: {id: 1}}\nsteps:\n  - {user: a, dance: hi}\n", "dance"),
        ("users: {a: {id: 1}}\nsteps:\n  - {user: a, send: hi, press: Go}\n", "one of"),
        ("users: {a: {id: 1}}\nsteps:\n  - {user: a, send: '/verify {CODE}'}\n", "CODE"),
        ("users: {a: {id: 1}}\nsteps:\n  - {user: a, save: 'no equals sign'}\n", "NAME=REGEX"),
        ("users: {a: {id: 1}}\nsteps:\n  - {user: a, expect: '(unclosed'}\n", "(unclosed"),
        ("users: {a: {id: 1}}\nsteps:\n  - {user: a, add_to_group: hall}\n", "hall"),
        ("users: {a: {id: 1}}\nsteps:\n  - {user: a, chat: hall, send: hi}\n", "hall"),
        ("groups: {hall: {id: 5, title: Hall}}\nsteps: []\n", "negative"),
        ("users: {a: {id: 1}}\nsteps:\n  - {user: a, wait: soon}\n", "wait"),
        ("settings: {admins: '1'}\nsteps: []\n", "admins"),
    ],
)
def test_a_malformed_transcript_is_refused_before_it_plays(text: str, says: str) -> None:
    with pytest.raises(ScriptError) as refused:
        apply_settings(Settings(_env_file=None), parse(text).settings)  # type: ignore[call-arg]
    assert says in str(refused.value)


@pytest.mark.parametrize(
    ("given", "check"),
    [
        ({"admin_telegram_ids": "9001,9002"}, lambda s: s.admin_telegram_ids == (9001, 9002)),
        ({"admin_telegram_ids": [9001]}, lambda s: s.admin_telegram_ids == (9001,)),
        ({"reminder_offsets_hours": "24,1"}, lambda s: s.reminder_offsets_hours == (24.0, 1.0)),
        ({"reminder_offsets_hours": 1}, lambda s: s.reminder_offsets_hours == (1.0,)),
        ({"require_real_name": "true"}, lambda s: s.require_real_name is True),
    ],
)
def test_settings_take_the_environments_form_and_yamls(
    given: dict[str, Any], check: Callable[[Settings], bool]
) -> None:
    assert check(apply_settings(Settings(_env_file=None), given))  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"reminder_offsets_hours": "soon"}, "REMINDER_OFFSETS_HOURS"),
        ({"admin_telegram_ids": "nine"}, "ADMIN_TELEGRAM_IDS"),
        ({"database_url": "sqlite://"}, "database_url"),
        ({"no_such_setting": 1}, "no_such_setting"),
    ],
)
def test_settings_that_are_not_valid_are_refused_by_name(given: dict[str, Any], says: str) -> None:
    with pytest.raises(ScriptError) as refused:
        apply_settings(Settings(_env_file=None), given)  # type: ignore[call-arg]
    assert says in str(refused.value)


async def test_a_long_transcript_keeps_within_the_flood_limits_as_people_would(
    sqlite_url: str,
) -> None:
    """Thirty messages in one chat at a person's pace: never refused, so never slowed down."""
    bots: list[RunningBot] = []

    async def keep(bot: RunningBot) -> None:
        bots.append(bot)

    text = "users: {ann: {id: 1005}}\nsteps:\n  - user: ann\n" + "  - send: /help\n" * 30
    played = await play(sqlite_url, "ptb", text, keep)
    assert (played.code, len(played.lines)) == (0, 30)
    assert [call.method for call in bots[0].sandbox.calls if call.status == 429] == []
