"""The Mini App's API (bot/webapp.py, handlers/dashboard/) against the real bot's HTTP server,
without a browser: who may call what, on each database. One bot per database and framework,
many requests each: forged and stale launch data refused; a plain volunteer refused every
coordinator endpoint; a coordinator of one team refused another team's shift, sign-ups and
calls; an admin allowed everywhere; Confirm all changes the database, writes the audit log and
tells the volunteers in the chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.local.harness import RunningBot, free_port, running_bot
from handlers.dashboard.init_data import sign
from models.activities.tables import ServiceRecord, Shift, Signup
from models.audit import AuditEntry
from models.broadcasts.tables import Broadcast, BroadcastStatus
from models.clock import ManualClock
from tests.conftest import make_settings
from tests.e2e import steps

COORD_A, COORD_B, ADMIN = 9001, 9002, 9100
ALICE, BOB, CAROL = 1001, 1002, 1003
START = timedelta(days=1)
# The beach (team A) is 1 km from the volunteer; the library (team B) 5 km.
HERE = (24.4500, 118.0800)
PUBLIC_URL = "https://bot.example.org"


@pytest.fixture
async def bot(database_url: str, framework: str, clock: ManualClock) -> AsyncIterator[RunningBot]:
    settings = make_settings(
        database_url,
        bot_framework=framework,
        http_port=free_port(),
        admin_telegram_ids=(ADMIN,),
        public_url=PUBLIC_URL,
    )
    async with running_bot(settings, clock=clock, serve_http=True) as running:
        yield running


@pytest.fixture
async def plain_bot(
    database_url: str, framework: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    """A deployment without an https address (Telegram opens only https Mini Apps)."""
    settings = make_settings(database_url, bot_framework=framework, public_url="http://x.org")
    async with running_bot(settings, clock=clock) as running:
        yield running


class Api:
    """Requests to the dashboard's API as one person (launch data signed `age` ago)."""

    def __init__(self, bot: RunningBot, http: aiohttp.ClientSession) -> None:
        self.bot, self.http = bot, http
        self.base = f"http://127.0.0.1:{bot.settings.http_port}/app/api/"

    def init_data(self, user_id: int, *, age: timedelta = timedelta(0), token: str = "") -> str:
        token = token or self.bot.settings.telegram_bot_token.get_secret_value()
        user = {"id": user_id, "first_name": "T", "language_code": "en"}
        return sign(user, token, self.bot.clock.now() - age)

    async def call(
        self,
        user: int | str | None,
        path: str,
        body: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        """(status, JSON) of GET `path` (POST with a body) as `user` (an id, raw initData, or
        nobody)."""
        data = self.init_data(user) if isinstance(user, int) else user
        headers = {"Authorization": f"tma {data}"} if data is not None else {}
        method = "POST" if body is not None else "GET"
        async with self.http.request(method, self.base + path, json=body, headers=headers) as r:
            assert r.content_type == "application/json"
            assert r.headers["Cache-Control"] == "no-store"
            return r.status, await r.json()


async def world(bot: RunningBot) -> dict[str, int]:
    """Team A's beach clean-up, its shift held by Alice, Bob and Carol; Alice and Bob served it.
    Team B's library shift; a call of team A's."""
    team_a = await steps.make_coordinator(bot, COORD_A, "Team A")
    team_b = await steps.make_coordinator(bot, COORD_B, "Team B")
    beach = await steps.make_activity(
        bot, team_a, shifts=((START, timedelta(hours=3), 5),), latitude=24.4590, longitude=118.08
    )
    library = await steps.make_activity(
        bot,
        team_b,
        title="Library",
        shifts=((START, timedelta(hours=3), 5),),
        latitude=24.4950,
        longitude=118.08,
    )
    for number, user_id in enumerate((ALICE, BOB, CAROL)):
        person = await steps.registered(bot, user_id, name=f"Person {number}")
        await person.send(f"/start act_{beach.link_token}")
        await person.press(person.last().button_labels()[0])
    async with steps.database(bot) as session:
        call = Broadcast(
            created_by=COORD_A,
            team_id=team_a,
            text="Come",
            audience={"admin": False, "teams": [team_a]},
            status=BroadcastStatus.RUNNING,
            send_at=bot.clock.now() + timedelta(days=30),
            started_at=bot.clock.now(),
            created_at=bot.clock.now(),
            total=0,
        )
        session.add(call)
        await session.flush()
        shift_of = {
            activity_id: shift_id
            for shift_id, activity_id in await session.execute(select(Shift.id, Shift.activity_id))
        }
        alice_signup = await session.scalar(
            select(Signup.id).where(Signup.shift_id == shift_of[beach.id]).order_by(Signup.id)
        )
    assert alice_signup is not None
    return {
        "beach_shift": shift_of[beach.id],
        "library_shift": shift_of[library.id],
        "alice_signup": alice_signup,
        "call": call.id,
        "team_a": team_a,
    }


async def serve(bot: RunningBot) -> None:
    """Alice and Bob serve the beach shift, by their check-in and check-out."""
    bot.clock.advance(START)
    for user_id in (ALICE, BOB):
        await steps.checked_in(bot, user_id)
    bot.clock.advance(timedelta(hours=3))
    for user_id in (ALICE, BOB):
        await steps.checked_out(bot, user_id)


async def opens_from_the_chat(bot: RunningBot) -> None:
    """/dashboard and the menu button open the Mini App."""
    reply = await bot.person(ALICE, language_code="en").send("/dashboard")
    [[button]] = reply.last.buttons
    assert (button.label, button.web_app) == ("📊 Open the dashboard", f"{PUBLIC_URL}/app/")
    menu = {"type": "web_app", "text": "Dashboard", "web_app": {"url": f"{PUBLIC_URL}/app/"}}
    assert bot.sandbox.api.menu_button(ALICE) == menu
    assert "dashboard" in [c["command"] for c in bot.sandbox.menu(ALICE)]


async def test_without_an_https_address_there_is_no_dashboard(plain_bot: RunningBot) -> None:
    reply = await plain_bot.person(ALICE, language_code="en").send("/dashboard")
    assert reply.text.startswith("This bot has no dashboard yet")
    assert reply.last.buttons == []
    assert plain_bot.sandbox.api.menu_button(ALICE) == {"type": "commands"}


async def test_who_may_call_what(bot: RunningBot) -> None:
    ids = await world(bot)
    await opens_from_the_chat(bot)
    beach, library, call = ids["beach_shift"], ids["library_shift"], ids["call"]
    async with aiohttp.ClientSession() as http:
        api = Api(bot, http)
        # Before the shifts: Carol's place, and activities with open places nearest first.
        status, mine = await api.call(CAROL, "my/shifts")
        assert status == 200
        assert [(s["shift_id"], s["status"]) for s in mine["shifts"]] == [(beach, "confirmed")]
        status, near = await api.call(CAROL, f"activities?lat={HERE[0]}&lon={HERE[1]}&limit=5")
        assert status == 200
        assert [(a["title"], a["distance_m"], a["open_places"]) for a in near["activities"]] == [
            ("Beach clean-up", 1001, 2),
            ("Library", 5004, 5),
        ]
        status, by_date = await api.call(CAROL, "activities")
        assert [a["distance_m"] for a in by_date["activities"]] == [None, None]
        for query in ("lat=91&lon=0", "lat=1", "lat=x&lon=1", "limit=0"):
            assert (await api.call(CAROL, f"activities?{query}"))[0] == 400, query
        await serve(bot)
        unauthorized = (401, {"error": "unauthorized"})
        # Forged, stale, another bot's, or none at all: nobody.
        forged = api.init_data(ALICE).replace("%22id%22%3A1001", "%22id%22%3A9100")
        assert forged != api.init_data(ALICE)
        for data in (
            None,
            "",
            forged,
            api.init_data(ADMIN, age=timedelta(hours=1, seconds=1)),
            api.init_data(ADMIN, age=-timedelta(minutes=5)),
            api.init_data(ADMIN, token="1:another-bot"),
        ):
            assert await api.call(data, "me") == unauthorized
            assert await api.call(data, f"coord/shifts/{beach}/roster") == unauthorized
            # The page's texts, to say so, in the language Telegram's app speaks.
            status, texts = await api.call(data, "texts?lang=zh-hans")
            assert (status, texts["language"]) == (200, "zh-CN")

        # A plain volunteer: themselves, and nothing of a coordinator's.
        status, me = await api.call(ALICE, "me")
        assert status == 200
        assert me == {
            "id": ALICE,
            "name": "Person 0",
            "language": "en",
            "timezone": "Asia/Shanghai",
            "roles": {"volunteer": True, "admin": False, "coordinator_teams": []},
        }
        status, texts = await api.call(ALICE, "texts?lang=zh-hans")  # their chosen language
        assert (status, texts["language"], type(texts["texts"])) == (200, "en", dict)
        status, hours = await api.call(ALICE, "my/hours")
        assert status == 200
        assert (hours["confirmed_minutes"], hours["certificate_available"]) == (0, False)
        assert (hours["star_level"], hours["star_levels"], hours["next_level"]) == (0, 5, 1)
        forbidden = (403, {"error": "forbidden"})
        for path, body in [
            ("coord/activities", None),
            (f"coord/shifts/{beach}/roster", None),
            (f"coord/shifts/{beach}/hours/confirm", {"all": True}),
            (f"coord/signups/{ids['alice_signup']}/hours", {"minutes": 600, "reason": "me"}),
            ("coord/broadcasts", None),
            (f"coord/broadcasts/{call}/pause", {}),
            (f"coord/broadcasts/{call}/resume", {}),
            ("coord/stats", None),
            ("coord/export?kind=volunteers&format=csv", None),
        ]:
            assert await api.call(ALICE, path, body) == forbidden, path
        # Someone Telegram knows but who never registered: no shifts or hours of their own.
        assert await api.call(4242, "my/hours") == forbidden
        assert await api.call(4242, "my/shifts") == forbidden

        # The coordinator of team B: not team A's shift, sign-ups or call.
        for path, body in [
            (f"coord/shifts/{beach}/roster", None),
            (f"coord/shifts/{beach}/hours/confirm", {"all": True}),
            (f"coord/signups/{ids['alice_signup']}/hours", {"minutes": 600, "reason": "x"}),
            (f"coord/broadcasts/{call}/pause", {}),
            (f"coord/broadcasts/{call}/resume", {}),
            (f"coord/stats?team={ids['team_a']}", None),
            (f"coord/export?kind=volunteers&format=csv&team={ids['team_a']}", None),
            ("coord/export?kind=volunteers&format=csv", None),  # all teams: admins only
        ]:
            assert await api.call(COORD_B, path, body) == forbidden, path
        status, theirs = await api.call(COORD_B, "coord/activities")
        assert status == 200
        assert [a["title"] for a in theirs["activities"]] == ["Library"]
        status, calls = await api.call(COORD_B, "coord/broadcasts")
        assert (status, calls) == (200, {"broadcasts": []})
        # Unknown ids and paths, and bad input.
        assert await api.call(COORD_A, "coord/nothing") == (404, {"error": "not_found"})
        assert await api.call(COORD_A, "coord/shifts/999999/roster") == (
            404,
            {"error": "not_found"},
        )
        assert await api.call(COORD_A, "coord/broadcasts/999999/pause", {}) == (
            404,
            {"error": "not_found"},
        )
        assert await api.call(COORD_A, f"coord/shifts/{beach}/hours/confirm", {"x": 1}) == (
            400,
            {"error": "signup_ids_invalid", "field": "signup_ids"},
        )
        change = f"coord/signups/{ids['alice_signup']}/hours"
        assert await api.call(COORD_A, change, {"minutes": "lots", "reason": "x"}) == (
            400,
            {"error": "hours_out_of_range", "field": "minutes"},
        )
        assert await api.call(COORD_A, change, {"minutes": 120, "reason": "  "}) == (
            400,
            {"error": "reason_needed", "field": "reason"},
        )

        # The admin sees every team; the coordinator of team A their own.
        status, roster = await api.call(ADMIN, f"coord/shifts/{library}/roster")
        assert (status, roster["people"]) == (200, [])
        status, roster = await api.call(COORD_A, f"coord/shifts/{beach}/roster")
        assert status == 200
        people = {p["name"]: p for p in roster["people"]}
        assert [(p["minutes"], p["hours_confirmed"]) for p in people.values()] == [
            (180, False),
            (180, False),
            (0, False),
        ]
        assert people["Person 0"]["phone"] == f"+86138{ALICE:08d}"
        status, fill = await api.call(COORD_A, "coord/activities")
        assert fill["activities"][0]["shifts"][0]["fill"] == {
            "confirmed": 3,
            "waiting": 0,
            "places_left": 2,
            "capacity": 5,
        }

        # Confirm all: the database, the audit log and the volunteers' chats.
        assert await api.call(COORD_A, f"coord/shifts/{beach}/hours/confirm", {"all": True}) == (
            200,
            {"confirmed": 2},
        )
        async with steps.database(bot) as session:
            confirmed = await session.scalar(
                select(func.count())
                .select_from(ServiceRecord)
                .where(ServiceRecord.confirmed_by == COORD_A)
            )
            audited = await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "hours.confirm")
                .where(AuditEntry.actor_telegram_id == COORD_A)
            )
        assert (confirmed, audited) == (2, 2)
        for user_id in (ALICE, BOB):
            told = bot.person(user_id).last().text or ""
            assert told.startswith("✅ A coordinator confirmed your hours for Beach clean-up")
        status, hours = await api.call(ALICE, "my/hours")
        assert (hours["confirmed_minutes"], hours["certificate_available"]) == (180, True)

        # A change with a reason, by the admin; the volunteer is told why.
        status, row = await api.call(ADMIN, change, {"minutes": 150, "reason": "Left early"})
        assert (status, row["minutes"], row["reason"]) == (200, 150, "Left early")
        assert "Reason: Left early" in (bot.person(ALICE).last().text or "")

        # Figures and downloads: team A's for its coordinator, everyone's for the admin.
        status, figures = await api.call(COORD_A, "coord/stats")
        assert (status, figures["team"], len(figures["months"])) == (200, None, 12)
        assert figures["service"]["credited_minutes"] == 150 + 180
        status, one = await api.call(COORD_A, f"coord/stats?team={ids['team_a']}")
        assert (status, one["team"]["name"]) == (200, "Team A")
        records = f"coord/export?kind=records&format=csv&period=this_year&team={ids['team_a']}"
        async with http.get(
            api.base + records, headers={"Authorization": f"tma {api.init_data(COORD_A)}"}
        ) as answer:
            assert (answer.status, answer.content_type) == (200, "text/csv")
            assert answer.headers["Content-Disposition"].startswith('attachment; filename="rec')
            assert len((await answer.text()).splitlines()) == 1 + 2  # a header, Alice and Bob
        async with http.get(
            api.base + "coord/export?kind=volunteers&format=xlsx",
            headers={"Authorization": f"tma {api.init_data(ADMIN)}"},
        ) as answer:
            assert answer.status == 200
            assert (await answer.read()).startswith(b"PK")
        for query in ("kind=x&format=csv", "kind=records&format=csv", "kind=volunteers"):
            assert (await api.call(ADMIN, f"coord/export?{query}"))[0] == 400, query
        async with steps.database(bot) as session:
            exported = await session.scalars(
                select(AuditEntry.actor_telegram_id).where(AuditEntry.action.like("export.%"))
            )
            assert sorted(exported) == [COORD_A, ADMIN]

        # The call: paused and resumed by its team's coordinator, as the chat's buttons do.
        status, calls = await api.call(COORD_A, "coord/broadcasts")
        assert [(c["id"], c["may_control"]) for c in calls["broadcasts"]] == [(call, True)]
        assert await api.call(COORD_A, f"coord/broadcasts/{call}/pause", {}) == (
            200,
            {"id": call, "status": "paused"},
        )
        assert await api.call(COORD_A, f"coord/broadcasts/{call}/pause", {}) == (
            409,
            {"error": "broadcast_not_pausable"},
        )
        assert await api.call(COORD_A, f"coord/broadcasts/{call}/resume", {}) == (
            200,
            {"id": call, "status": "running"},
        )
