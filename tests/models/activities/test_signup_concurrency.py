"""Many people pressing "sign up" at the same moment, on SQLite and on PostgreSQL: each press is
its own session and transaction (as separate updates are), spread over two engines (as two bot
processes would be). The database decides the arrival order; the rules must hold whatever it is."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.activities import groups, places, signup
from models.activities import offers as place_offers
from models.activities.tables import Signup
from models.db import create_engine, session_factory
from models.errors import Conflict
from models.registration.tables import Volunteer
from tests.models.world import (
    COORDINATOR,
    NOW,
    POLICY,
    at,
    make_activity,
    make_volunteers,
    shift_plan,
    statuses,
    waiting_list,
)

PEOPLE = 200
PLACES = 10
LEAVING = 5
TIME_LIMIT_SECONDS = 60  # a hang fails the test instead of stalling the run

T = TypeVar("T")
Sessions = list[async_sessionmaker[AsyncSession]]


@pytest.fixture
async def processes(database_url: str) -> AsyncIterator[Sessions]:
    """Two engines on the same database, each with a pool big enough for real contention."""
    engines = [create_engine(database_url, pool_size=10, max_overflow=0) for _ in range(2)]
    yield [session_factory(engine) for engine in engines]
    for engine in engines:
        await engine.dispose()


async def all_at_once(
    sessions: Sessions, work: list[Callable[[AsyncSession], Awaitable[T]]]
) -> list[T | BaseException]:
    """Run each piece of work in its own session and transaction, alternating between the
    engines, all released at the same moment; results (or errors) in the order given."""
    go = asyncio.Event()

    async def one(index: int, job: Callable[[AsyncSession], Awaitable[T]]) -> T:
        await go.wait()
        async with sessions[index % len(sessions)]() as session, session.begin():
            return await job(session)

    tasks = [asyncio.create_task(one(index, job)) for index, job in enumerate(work)]
    go.set()
    async with asyncio.timeout(TIME_LIMIT_SECONDS):
        return await asyncio.gather(*tasks, return_exceptions=True)


def join(volunteer_id: int, shift_id: int) -> Callable[[AsyncSession], Awaitable[signup.Placed]]:
    async def job(session: AsyncSession) -> signup.Placed:
        volunteer = await session.get(Volunteer, volunteer_id)
        assert volunteer is not None
        return await signup.sign_up(session, volunteer, shift_id, now=NOW, policy=POLICY)

    return job


def placed(results: list[signup.Placed | BaseException]) -> list[signup.Placed]:
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise errors[0]
    return [r for r in results if isinstance(r, signup.Placed)]


async def test_200_people_for_10_places_then_5_give_theirs_back(processes: Sessions) -> None:
    async with processes[0]() as session, session.begin():
        _, (shift,) = await make_activity(session, shift_plan(at(days=2), capacity=PLACES))
        people = [v.id for v in await make_volunteers(session, PEOPLE)]

    results = placed(await all_at_once(processes, [join(v, shift.id) for v in people]))

    confirmed = [p.signup for p in results if p.position is None]
    waiting = sorted((p for p in results if p.position is not None), key=lambda p: p.position or 0)
    assert len(confirmed) == PLACES
    assert {s.status for s in confirmed} == {"confirmed"}
    assert [p.position for p in waiting] == list(range(1, PEOPLE - PLACES + 1))
    assert {p.signup.status for p in waiting} == {"waiting"}
    # The database took them one at a time: every place went before anyone queued.
    assert max(s.id for s in confirmed) < min(p.signup.id for p in waiting)
    async with processes[1]() as session:
        assert await waiting_list(session, shift.id) == [p.signup.volunteer_id for p in waiting]
        rows = Counter(
            await session.scalars(select(Signup.volunteer_id).where(Signup.shift_id == shift.id))
        )
        assert set(rows) == set(people) and set(rows.values()) == {1}

    # Five holders give their places back at the same moment.
    leaving = confirmed[:LEAVING]

    def cancel(mine: Signup) -> Callable[[AsyncSession], Awaitable[signup.Vacancy]]:
        async def job(session: AsyncSession) -> signup.Vacancy:
            volunteer = await session.get(Volunteer, mine.volunteer_id)
            assert volunteer is not None
            return await signup.cancel(session, volunteer, mine.id, now=at(hours=1), policy=POLICY)

        return job

    vacancies = await all_at_once(processes, [cancel(mine) for mine in leaving])
    assert not [v for v in vacancies if isinstance(v, BaseException)]
    offers = [o for v in vacancies if isinstance(v, signup.Vacancy) for o in v.offers]
    first_waiting = {p.signup.volunteer_id for p in waiting[:LEAVING]}
    assert len(offers) == LEAVING
    assert {o.volunteer_id for o in offers} == first_waiting
    assert sum(v.unfilled for v in vacancies if isinstance(v, signup.Vacancy)) == 0

    # They accept at the same moment.
    def accept(offer: Signup) -> Callable[[AsyncSession], Awaitable[Signup]]:
        async def job(session: AsyncSession) -> Signup:
            volunteer = await session.get(Volunteer, offer.volunteer_id)
            assert volunteer is not None
            return await place_offers.accept_offer(
                session, volunteer, offer.id, now=at(hours=2), policy=POLICY
            )

        return job

    accepted = await all_at_once(processes, [accept(offer) for offer in offers])
    assert [a.status for a in accepted if isinstance(a, Signup)] == ["confirmed"] * LEAVING

    async with processes[0]() as session:
        final = await statuses(session, shift.id)
        assert Counter(final.values()) == {
            "confirmed": PLACES,
            "waiting": PEOPLE - PLACES - LEAVING,
            "cancelled": LEAVING,
        }
        assert len(final) == PEOPLE
        assert {v for v, status in final.items() if status == "confirmed"} == (
            {s.volunteer_id for s in confirmed[LEAVING:]} | first_waiting
        )
        assert await waiting_list(session, shift.id) == [
            p.signup.volunteer_id for p in waiting[LEAVING:]
        ]
        assert await session.scalar(select(func.count()).where(Signup.shift_id == shift.id)) == len(
            people
        )


async def test_pressing_sign_up_twice_at_once_gives_one_sign_up(processes: Sessions) -> None:
    async with processes[0]() as session, session.begin():
        _, (shift,) = await make_activity(session, shift_plan(at(days=2), capacity=PLACES))
        (volunteer,) = await make_volunteers(session, 1)

    results = await all_at_once(processes, [join(volunteer.id, shift.id)] * 2)

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Placed"]
    (refused,) = [r for r in results if isinstance(r, Conflict)]
    assert (refused.code, refused.params) == ("already_signed_up", {})
    async with processes[1]() as session:
        assert await statuses(session, shift.id) == {volunteer.id: "confirmed"}


async def until_someone_waits_for_a_lock(session: AsyncSession) -> None:
    """Return once another connection to this database is blocked on a lock (the task under
    test has reached the point it must wait at); polls without sleeping."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with asyncio.timeout(TIME_LIMIT_SECONDS):
        while True:
            waiting = await session.scalar(query)
            await session.rollback()  # the next look in a new transaction: a fresh snapshot
            if waiting:
                return


@pytest.mark.postgres
async def test_lapsing_offers_on_two_shifts_do_not_deadlock_with_a_sign_up(
    postgres_url: str,
) -> None:
    """The offer job locks the shifts one after the other; a sign-up locks its shift and then
    the activity's group card. The job must not hold the card while waiting for a shift."""
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            activity, (early, later) = await make_activity(
                session, shift_plan(at(days=1), capacity=1), shift_plan(at(days=2), capacity=1)
            )
            await groups.remember_membership(
                session, chat_id=-1, title="", kind="group", added_by=1, active=True, now=NOW
            )
            await groups.post_card(session, activity.id, -1, actor=COORDINATOR, now=NOW)
            holders, waiting, newcomer = (
                await make_volunteers(session, 2),
                await make_volunteers(session, 2),
                (await make_volunteers(session, 1))[0],
            )
            for shift, holder, waits, minutes in zip(
                (early, later), holders, waiting, (0, 1), strict=True
            ):
                held = await signup.sign_up(session, holder, shift.id, now=NOW, policy=POLICY)
                await signup.sign_up(session, waits, shift.id, now=NOW, policy=POLICY)
                await signup.cancel(
                    session, holder, held.signup.id, now=at(hours=minutes / 60), policy=POLICY
                )

        async def offer_job() -> list[place_offers.Expired]:
            async with sessions() as job, job.begin():
                return await place_offers.expire_offers(job, now=at(hours=3), policy=POLICY)

        async with sessions() as watcher, sessions() as other:
            async with other.begin():
                await places.lock_shift(other, later.id)  # a sign-up for the later shift
                lapsing = asyncio.create_task(offer_job())
                await until_someone_waits_for_a_lock(watcher)  # the job, at the later shift
                volunteer = await other.get(Volunteer, newcomer.id)
                assert volunteer is not None
                placed = await signup.sign_up(
                    other, volunteer, later.id, now=at(hours=3), policy=POLICY
                )
            async with asyncio.timeout(TIME_LIMIT_SECONDS):
                expired = await lapsing

        assert placed.position == 1
        assert [e.signup.volunteer_id for e in expired] == [w.id for w in waiting]
        async with sessions() as session:
            card = await session.scalar(select(groups.GroupCard))
            assert card is not None and card.stale
            assert await statuses(session, later.id) == {
                holders[1].id: "cancelled",
                waiting[1].id: "cancelled",
                newcomer.id: "offered",
            }
    finally:
        await engine.dispose()
