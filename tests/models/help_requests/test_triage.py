"""Help requests without Telegram: dispatch to the right coordinators (or the admins), who may
act on a request, each step and its refusals, converting into an activity and asking volunteers,
the resident's rating, and one audit row per step."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditEntry
from models.errors import Conflict, InvalidInput, NotAllowed, VolbotError
from models.help_requests import assignments, rating, tables, triage
from models.help_requests import convert as converting
from models.help_requests.tables import HelpRequest
from models.reference import District
from models.registration.tables import Volunteer
from models.teams import roles
from models.teams.tables import Team
from tests.models.world import (
    NOW,
    POLICY,
    at,
    make_activity,
    make_team,
    make_volunteer,
    shift_plan,
    theme,
)

RESIDENT = 300_001
ADMIN = 700_001  # named in the settings
GRANTED_ADMIN = 700_002  # granted the role in the database
HAICANG_ELDERLY, HAICANG_OTHER, SIMING_ELDERLY, CITY_ELDERLY = 800_001, 800_002, 800_003, 800_004


async def district(session: AsyncSession, code: str) -> int:
    found = await session.scalar(select(District.id).where(District.code == code))
    assert found is not None, code
    return found


async def team(
    session: AsyncSession,
    name: str,
    district_code: str | None,
    *,
    coordinator: int | None,
    kind: str | None = None,
) -> Team:
    """A team in a district (None: city-wide), with its coordinator, that has run an activity
    of `kind`."""
    made = await make_team(session, name)
    made.district_id = await district(session, district_code) if district_code else None
    if coordinator is not None:
        await roles.grant(session, coordinator, "coordinator", team=made, now=NOW)
    if kind is not None:
        await make_activity(session, team_id=made.id, theme_id=(await theme(session, kind)).id)
    await session.flush()
    return made


async def city(session: AsyncSession) -> dict[str, Team]:
    """Haicang has a team that helps the elderly and one that does not; Siming has one that
    helps the elderly; one city-wide team helps the elderly; a Haicang team with no coordinator
    helps the elderly too (nobody there to tell)."""
    teams = {
        "haicang_elderly": await team(
            session, "Haicang elders", "haicang", coordinator=HAICANG_ELDERLY, kind="elderly"
        ),
        "haicang_other": await team(
            session, "Haicang clean-up", "haicang", coordinator=HAICANG_OTHER, kind="environment"
        ),
        "siming_elderly": await team(
            session, "Siming elders", "siming", coordinator=SIMING_ELDERLY, kind="elderly"
        ),
        "city_elderly": await team(
            session, "City elders", None, coordinator=CITY_ELDERLY, kind="elderly"
        ),
        "nobody": await team(session, "Haicang empty", "haicang", coordinator=None, kind="elderly"),
    }
    await roles.grant(session, GRANTED_ADMIN, "admin", team=None, now=NOW)
    return teams


async def ask(
    session: AsyncSession, kind: str = "elderly", district_code: str = "haicang"
) -> HelpRequest:
    asked = triage.Asked(
        theme_id=(await theme(session, kind)).id,
        description="My mother needs her shopping carried upstairs.",
        district_id=await district(session, district_code),
        preferred_time="Saturday mornings",
        contact="138 0000 1111",
    )
    request, _ = await triage.create(session, RESIDENT, asked, now=NOW)
    return request


async def handle(session: AsyncSession, request: HelpRequest, by: int) -> HelpRequest:
    return await triage.handle(session, request.id, by=by, admin_ids={ADMIN})


def refused(error: pytest.ExceptionInfo[VolbotError], code: str) -> bool:
    return error.value.code == code


async def test_a_request_goes_to_the_closest_fitting_teams_else_to_a_few_others(
    db: AsyncSession,
) -> None:
    teams = await city(db)
    elderly, children = (await theme(db, "elderly")).id, (await theme(db, "children")).id
    environment = (await theme(db, "environment")).id
    haicang, jimei = await district(db, "haicang"), await district(db, "jimei")

    # Teams of the district that do that kind; else the district's teams; else city-wide ones.
    fit = partial(triage.Dispatch, fits=True)
    assert await triage.route(db, elderly, haicang) == fit([teams["haicang_elderly"]])
    assert await triage.route(db, children, haicang) == fit(
        [teams["haicang_elderly"], teams["haicang_other"]]
    )
    assert await triage.route(db, elderly, jimei) == fit([teams["city_elderly"]])
    # No team fits: a few others, those that do that kind first, then city-wide ones, then the
    # oldest (Siming's is left out, and the team with no coordinator never counts).
    assert triage.FALLBACK_TEAMS == 3
    assert await triage.route(db, environment, jimei) == triage.Dispatch(
        [teams["haicang_other"], teams["city_elderly"], teams["haicang_elderly"]], fits=False
    )

    to_haicang = await ask(db, "elderly", "haicang")
    assert await triage.recipients(db, to_haicang, {ADMIN}) == [HAICANG_ELDERLY]
    to_others = await ask(db, "environment", "jimei")
    assert await triage.recipients(db, to_others, {ADMIN}) == [
        HAICANG_ELDERLY,
        HAICANG_OTHER,
        CITY_ELDERLY,
    ]
    # Those others may act on it as on their own teams' requests.
    assert (await handle(db, to_others, HAICANG_OTHER)).id == to_others.id


async def test_with_no_coordinator_the_admins_are_told_else_it_waits_for_whoever_comes(
    db: AsyncSession,
) -> None:
    elderly, haicang = (await theme(db, "elderly")).id, await district(db, "haicang")
    assert await triage.route(db, elderly, haicang) == triage.Dispatch([], fits=False)
    waiting = await ask(db)
    assert await triage.recipients(db, waiting, {ADMIN}) == [ADMIN]
    assert await triage.recipients(db, waiting, set()) == []  # nobody to tell: it waits, open
    assert waiting.status == "open"

    # Whoever becomes a coordinator, of any team, finds it in their list and may act on it;
    # anyone else may not.
    await team(db, "Siming elders", "siming", coordinator=SIMING_ELDERLY)
    assert (await tables.counts(db, SIMING_ELDERLY, set()))["open"] == 1
    found = await tables.listing(db, SIMING_ELDERLY, set(), "open")
    assert [r.id for r in found] == [waiting.id]
    assert (await triage.handle(db, waiting.id, by=SIMING_ELDERLY, admin_ids=())).id == waiting.id
    with pytest.raises(NotAllowed):
        await triage.handle(db, waiting.id, by=RESIDENT, admin_ids=())

    # A request that went to a team stays that team's: another team's coordinator sees it not.
    sent = await ask(db)
    assert await triage.recipients(db, sent, set()) == [SIMING_ELDERLY]
    await team(db, "Haicang clean-up", "haicang", coordinator=HAICANG_OTHER)
    theirs = await tables.listing(db, HAICANG_OTHER, set(), "open")
    assert [r.id for r in theirs] == [waiting.id]


async def test_only_its_coordinators_and_admins_may_act_on_a_request(
    session: AsyncSession,
) -> None:
    await city(session)
    request = await ask(session)

    for outsider in (SIMING_ELDERLY, HAICANG_OTHER, RESIDENT, 123):
        with pytest.raises(NotAllowed) as error:
            await handle(session, request, outsider)
        assert refused(error, "not_coordinator")
    for allowed in (HAICANG_ELDERLY, ADMIN, GRANTED_ADMIN):
        assert (await handle(session, request, allowed)).id == request.id

    # Their lists show what they may handle, by filter.
    assert await tables.counts(session, SIMING_ELDERLY, {ADMIN}) == {
        "open": 0,
        "accepted": 0,
        "done": 0,
        "declined": 0,
    }
    assert (await tables.counts(session, HAICANG_ELDERLY, {ADMIN}))["open"] == 1
    mine = await tables.listing(session, HAICANG_ELDERLY, {ADMIN}, "open", limit=10)
    assert [r.id for r in mine] == [request.id]
    assert await tables.listing(session, ADMIN, {ADMIN}, "done", limit=10) == []
    with pytest.raises(InvalidInput):
        await tables.listing(session, ADMIN, {ADMIN}, "everything", limit=10)


async def test_accept_done_and_rate_in_order_each_once(session: AsyncSession) -> None:
    await city(session)
    request = await handle(session, await ask(session), HAICANG_ELDERLY)

    with pytest.raises(Conflict) as error:
        await triage.finish(session, request, actor=HAICANG_ELDERLY, now=NOW)
    assert refused(error, "help_is_open")  # take it on first
    await triage.accept(session, request, actor=HAICANG_ELDERLY, now=NOW)
    assert (request.status, request.handled_by) == ("accepted", HAICANG_ELDERLY)
    with pytest.raises(Conflict) as error:
        await triage.accept(session, request, actor=ADMIN, now=NOW)
    assert refused(error, "help_is_accepted")
    assert request.handled_by == HAICANG_ELDERLY

    with pytest.raises(Conflict) as error:
        await rating.rate(session, request.id, 5, by=RESIDENT, now=NOW)
    assert refused(error, "help_not_done")
    await triage.finish(session, request, actor=HAICANG_ELDERLY, now=at(days=1))
    assert request.status == "done"
    with pytest.raises(Conflict) as error:
        await triage.decline(session, request, "too late", actor=ADMIN, now=NOW)
    assert refused(error, "help_is_done")

    for out_of_range in (0, 6):
        with pytest.raises(InvalidInput) as error:
            await rating.rate(session, request.id, out_of_range, by=RESIDENT, now=NOW)
        assert refused(error, "help_rating_range")
    with pytest.raises(NotAllowed) as error:
        await rating.rate(session, request.id, 1, by=HAICANG_ELDERLY, now=NOW)
    assert refused(error, "help_not_yours")
    with pytest.raises(Conflict) as error:
        await rating.comment(session, request.id, "kind", by=RESIDENT, now=NOW)
    assert refused(error, "help_not_rated")
    await rating.rate(session, request.id, 4, by=RESIDENT, now=at(days=2))
    with pytest.raises(Conflict) as error:
        await rating.rate(session, request.id, 5, by=RESIDENT, now=NOW)
    assert refused(error, "help_already_rated")
    await rating.comment(session, request.id, "  Very kind, thank you  ", by=RESIDENT, now=NOW)
    assert (request.rating, request.rating_comment) == (4, "Very kind, thank you")


async def test_a_decline_needs_a_reason_and_ends_the_request(session: AsyncSession) -> None:
    await city(session)
    request = await handle(session, await ask(session), HAICANG_ELDERLY)

    with pytest.raises(InvalidInput) as error:
        await triage.decline(session, request, "   ", actor=HAICANG_ELDERLY, now=NOW)
    assert refused(error, "reason_empty")
    assert request.status == "open"
    await triage.decline(
        session, request, "We don't do repairs: call 12345.", actor=HAICANG_ELDERLY, now=NOW
    )
    assert (request.status, request.decline_reason) == (
        "declined",
        "We don't do repairs: call 12345.",
    )
    for step in (triage.accept, triage.finish):
        with pytest.raises(Conflict) as error:
            await step(session, request, actor=HAICANG_ELDERLY, now=NOW)
        assert refused(error, "help_is_declined")


async def test_the_resident_cannot_ask_for_a_kind_or_district_that_does_not_exist(
    session: AsyncSession,
) -> None:
    elderly, haicang = (await theme(session, "elderly")).id, await district(session, "haicang")
    asked = triage.Asked(elderly, "Shopping", haicang, "any time", "138")
    with pytest.raises(InvalidInput) as error:
        await triage.create(session, RESIDENT, replace(asked, theme_id=9999), now=NOW)
    assert refused(error, "help_kind_unknown")
    with pytest.raises(InvalidInput) as error:
        await triage.create(session, RESIDENT, replace(asked, district_id=9999), now=NOW)
    assert refused(error, "help_district_unknown")
    with pytest.raises(InvalidInput) as error:
        await triage.create(session, RESIDENT, replace(asked, contact=" "), now=NOW)
    assert refused(error, "help_contact_empty")


async def test_converted_into_a_prefilled_activity_then_a_volunteer_asked_signs_up(
    session: AsyncSession,
) -> None:
    teams = await city(session)
    request = await handle(session, await ask(session), HAICANG_ELDERLY)
    elderly = await theme(session, "elderly")
    siming = await district(session, "siming")

    assert await converting.convert_teams(session, request, HAICANG_ELDERLY, {ADMIN}) == [
        teams["haicang_elderly"]
    ]
    plan = await converting.prefilled_plan(
        session, request, title="Help: elderly", team_id=teams["haicang_elderly"].id
    )
    assert (plan.description, plan.theme_id, plan.district_id) == (
        request.description,
        elderly.id,
        request.district_id,
    )
    plan.address = "Xinyang Road 12"
    plan.shifts = [shift_plan(at(days=3), hours=2, capacity=1)]
    activity = await converting.convert(session, request, plan, actor=HAICANG_ELDERLY, now=NOW)
    assert (request.status, request.activity_id, request.handled_by) == (
        "converted",
        activity.id,
        HAICANG_ELDERLY,
    )
    assert activity.team_id == teams["haicang_elderly"].id
    assert await tables.for_activity(session, activity.id) == request
    with pytest.raises(Conflict) as error:
        await converting.convert(session, request, plan, actor=HAICANG_ELDERLY, now=NOW)
    assert refused(error, "help_is_converted")

    near = await make_volunteer(session, themes=[elderly])
    near.district_id = request.district_id
    far = await make_volunteer(session, themes=[elderly])
    far.district_id = siming
    await make_volunteer(session, themes=[await theme(session, "children")])  # another kind
    muted = await make_volunteer(session, themes=[elderly])
    muted.mute_recruitment = True
    await make_volunteer(session, RESIDENT, themes=[elderly])  # the resident is a volunteer too
    await session.flush()

    async def candidates() -> list[Volunteer]:
        return await assignments.candidates(session, request, now=NOW, policy=POLICY, limit=10)

    assert await candidates() == [near, far]  # the district first
    assignment = await assignments.assign(session, request, near, actor=HAICANG_ELDERLY, now=NOW)
    with pytest.raises(Conflict) as error:
        await assignments.assign(session, request, near, actor=HAICANG_ELDERLY, now=NOW)
    assert refused(error, "help_already_asked")
    assert await candidates() == [far]

    with pytest.raises(NotAllowed) as error:
        await assignments.answer(session, far, assignment.id, yes=True, now=NOW, policy=POLICY)
    assert refused(error, "help_not_yours")
    given = await assignments.answer(session, near, assignment.id, yes=True, now=NOW, policy=POLICY)
    assert given.placed is not None and given.placed.position is None  # a confirmed place
    assert given.assignment.status == "accepted"
    assert await tables.coming(session, activity.id) == 1
    with pytest.raises(Conflict) as error:
        await assignments.answer(session, near, assignment.id, yes=False, now=NOW, policy=POLICY)
    assert refused(error, "help_already_answered")
    assert await tables.assignments(session, request.id) == [("Li Hua", "accepted")]


async def test_asking_a_volunteer_takes_an_open_request_on(session: AsyncSession) -> None:
    await city(session)
    request = await handle(session, await ask(session), HAICANG_ELDERLY)
    helper = await make_volunteer(session, themes=[await theme(session, "elderly")])

    assignment = await assignments.assign(session, request, helper, actor=HAICANG_ELDERLY, now=NOW)
    assert (request.status, request.handled_by) == ("accepted", HAICANG_ELDERLY)
    given = await assignments.answer(
        session, helper, assignment.id, yes=False, now=NOW, policy=POLICY
    )
    assert (given.placed, given.assignment.status) == (None, "declined")


async def test_every_step_leaves_one_audit_row(session: AsyncSession) -> None:
    teams = await city(session)
    helper = await make_volunteer(session, themes=[await theme(session, "elderly")])
    assert helper.telegram_id is not None
    request = await ask(session)
    request = await handle(session, request, HAICANG_ELDERLY)
    first = await session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))

    await triage.accept(session, request, actor=HAICANG_ELDERLY, now=at(hours=1))
    plan = await converting.prefilled_plan(
        session, request, title="Help", team_id=teams["haicang_elderly"].id
    )
    plan.address = "Xinyang Road 12"
    plan.shifts = [shift_plan(at(days=3), hours=2, capacity=1)]
    await converting.convert(session, request, plan, actor=HAICANG_ELDERLY, now=at(hours=2))
    assignment = await assignments.assign(session, request, helper, actor=ADMIN, now=at(hours=3))
    await assignments.answer(
        session, helper, assignment.id, yes=True, now=at(hours=4), policy=POLICY
    )
    await triage.finish(session, request, actor=HAICANG_ELDERLY, now=at(days=4))
    await rating.rate(session, request.id, 5, by=RESIDENT, now=at(days=5))
    await session.flush()

    rows = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.id > first).order_by(AuditEntry.id)
        )
    ).all()
    help_rows = [row for row in rows if row.action.startswith("help.")]
    assert [(row.actor_telegram_id, row.action, row.at) for row in help_rows] == [
        (HAICANG_ELDERLY, "help.accept", at(hours=1)),
        (HAICANG_ELDERLY, "help.convert", at(hours=2)),
        (ADMIN, "help.assign", at(hours=3)),
        (helper.telegram_id, "help.answer", at(hours=4)),
        (HAICANG_ELDERLY, "help.done", at(days=4)),
        (RESIDENT, "help.rate", at(days=5)),
    ]
    assert all(row.target_type == "help_request" for row in help_rows)
    assert all(row.target_id == request.id for row in help_rows)
    accept, convert = help_rows[0], help_rows[1]
    assert accept.before is not None and accept.after is not None
    assert (accept.before["status"], accept.after["status"]) == ("open", "accepted")
    assert convert.after is not None and convert.after["activity_id"] == request.activity_id
    # Publishing and the volunteer's sign-up are audited by their own rules, once each.
    assert [row.action for row in rows if not row.action.startswith("help.")] == [
        "activity.publish",
        "signup.join",
    ]
