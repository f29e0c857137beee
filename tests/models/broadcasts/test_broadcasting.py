"""Broadcast rules without Telegram: whom a call reaches (and whom a coordinator may reach), the
outbox made once per call, claims with a lease, uncertain sends under `resend` and `skip`, the
recorded outcomes and figures, and pausing, resuming and cancelling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import ServiceRecord, Signup
from models.broadcasts import audience as audiences
from models.broadcasts import control as controls
from models.broadcasts import outbox
from models.broadcasts.audience import Audience, Scope
from models.broadcasts.outbox import Draft, Outcome
from models.broadcasts.tables import Broadcast, Delivery
from models.errors import Conflict, InvalidInput, NotAllowed
from models.reference import District
from models.registration.tables import Volunteer, volunteer_muted_themes, volunteer_themes
from models.teams import roles
from models.teams.tables import TeamMember
from tests.models.world import (
    COORDINATOR,
    NOW,
    at,
    make_activity,
    make_team,
    make_volunteer,
    make_volunteers,
    theme,
)

ADMIN = Scope(admin=True, team_ids=())
OTHER_COORDINATOR = 900_002


async def reached(session: AsyncSession, audience: Audience, scope: Scope = ADMIN) -> set[int]:
    ids = set(await session.scalars(audiences.recipients(audience, scope, None)))
    assert await audiences.count(session, audience, scope, None) == len(ids)
    return ids


async def member(session: AsyncSession, team_id: int, volunteer: Volunteer) -> None:
    session.add(
        TeamMember(team_id=team_id, volunteer_id=volunteer.id, status="active", joined_at=NOW)
    )
    await session.flush()


async def started_call(session: AsyncSession, count: int) -> tuple[Broadcast, list[Volunteer]]:
    people = await make_volunteers(session, count)
    call = await outbox.create(
        session, Draft("Help!", Audience("everyone")), actor=COORDINATOR, scope=ADMIN, now=NOW
    )
    assert await outbox.start_due(session, now=NOW, admin_ids=(COORDINATOR,)) == [call]
    return call, people


async def test_everyone_means_the_active_reachable_and_unmuted(session: AsyncSession) -> None:
    kept, muted, blocked, erased = await make_volunteers(session, 4)
    muted.mute_recruitment = True
    blocked.reachable = False
    erased.status, erased.telegram_id, erased.full_name, erased.phone = "erased", None, None, None
    await session.flush()
    assert await reached(session, Audience("everyone")) == {kept.id}


async def test_a_muted_theme_leaves_the_volunteer_out_of_calls_about_it_only(
    session: AsyncSession,
) -> None:
    events, elderly = await theme(session, "events"), await theme(session, "elderly")
    volunteer = await make_volunteer(session)
    await session.execute(
        insert(volunteer_muted_themes).values(volunteer_id=volunteer.id, theme_id=events.id)
    )
    everyone = audiences.recipients(Audience("everyone"), ADMIN, events.id)
    assert list(await session.scalars(everyone)) == []
    other = audiences.recipients(Audience("everyone"), ADMIN, elderly.id)
    assert list(await session.scalars(other)) == [volunteer.id]
    # A call to the volunteers of chosen themes: the muted one does not count as liked.
    await session.execute(
        insert(volunteer_themes),
        [{"volunteer_id": volunteer.id, "theme_id": t.id} for t in (events, elderly)],
    )
    assert await reached(session, Audience("themes", (events.id,))) == set()
    assert await reached(session, Audience("themes", (events.id, elderly.id))) == {volunteer.id}


async def test_teams_districts_and_themes_choose_their_volunteers(session: AsyncSession) -> None:
    team, other_team = await make_team(session), await make_team(session)
    in_team, in_other, in_district, likes = await make_volunteers(session, 4)
    await member(session, team.id, in_team)
    await member(session, other_team.id, in_other)
    session.add(TeamMember(team_id=team.id, volunteer_id=likes.id, status="pending", joined_at=NOW))
    district = await session.scalar(select(District).limit(1))
    assert district is not None
    in_district.district_id = district.id
    likes.themes = [await theme(session, "elderly")]
    await session.flush()

    assert await reached(session, Audience("teams", (team.id,))) == {in_team.id}
    assert await reached(session, Audience("districts", (district.id,))) == {in_district.id}
    elderly = (await theme(session, "elderly")).id
    assert await reached(session, Audience("themes", (elderly,))) == {likes.id}
    # A coordinator's districts and themes stay within their teams.
    mine = Scope(admin=False, team_ids=(team.id,))
    assert await reached(session, Audience("districts", (district.id,)), mine) == set()
    in_team.district_id = district.id
    await session.flush()
    assert await reached(session, Audience("districts", (district.id,)), mine) == {in_team.id}


async def test_those_who_served_in_or_wait_for_an_activity(session: AsyncSession) -> None:
    activity, [shift] = await make_activity(session)
    served, confirmed, waiting, offered, cancelled = await make_volunteers(session, 5)
    signups = {}
    for volunteer, status in (
        (served, "confirmed"),
        (confirmed, "confirmed"),
        (waiting, "waiting"),
        (offered, "offered"),
        (cancelled, "cancelled"),
    ):
        signups[volunteer.id] = Signup(
            shift_id=shift.id,
            volunteer_id=volunteer.id,
            status=status,
            queued_at=NOW,
            updated_at=NOW,
        )
        session.add(signups[volunteer.id])
    await session.flush()
    # Served: checked in at the venue (as the chat records it); a place alone is not service.
    session.add(ServiceRecord(signup_id=signups[served.id].id, checked_in_at=NOW))
    await session.flush()
    assert await reached(session, Audience("served", (activity.id,))) == {served.id}
    assert await reached(session, Audience("waiting", (activity.id,))) == {
        waiting.id,
        offered.id,
    }


async def test_a_coordinator_reaches_only_their_team(session: AsyncSession) -> None:
    activity, _ = await make_activity(session)
    other = await make_team(session)
    mine = Scope(admin=False, team_ids=(activity.team_id,))
    with pytest.raises(NotAllowed) as everyone:
        await audiences.check_audience(session, Audience("everyone"), mine)
    assert everyone.value.code == "broadcast_everyone"
    with pytest.raises(NotAllowed):
        await audiences.check_audience(session, Audience("teams", (other.id,)), mine)
    foreign, _ = await make_activity(session)
    with pytest.raises(NotAllowed):
        await audiences.check_audience(session, Audience("served", (foreign.id,)), mine)
    await audiences.check_audience(session, Audience("served", (activity.id,)), mine)
    with pytest.raises(InvalidInput) as nobody:
        await audiences.check_audience(session, Audience("teams"), mine)
    assert nobody.value.code == "broadcast_nobody_chosen"
    draft = Draft("Come!", Audience("teams", (activity.team_id,)), activity_id=foreign.id)
    with pytest.raises(NotAllowed):
        await outbox.create(session, draft, actor=COORDINATOR, scope=mine, now=NOW)


async def test_texts_past_times_and_the_audit(session: AsyncSession) -> None:
    with pytest.raises(InvalidInput) as empty:
        outbox.check_text("  ", photo=False)
    assert empty.value.code == "broadcast_text_empty"
    assert outbox.check_text("x" * 4096, photo=False)
    with pytest.raises(InvalidInput) as caption:
        outbox.check_text("x" * 1025, photo=True)
    assert caption.value.params == {"limit": 1024, "length": 1025}
    past = Draft("Hi", Audience("everyone"), send_at=at(hours=-1))
    with pytest.raises(InvalidInput):
        await outbox.create(session, past, actor=COORDINATOR, scope=ADMIN, now=NOW)
    later = Draft("Hi", Audience("everyone"), send_at=at(hours=2))
    call = await outbox.create(session, later, actor=COORDINATOR, scope=ADMIN, now=NOW)
    assert (call.status, call.send_at) == ("scheduled", at(hours=2))
    assert await outbox.start_due(session, now=at(hours=1), admin_ids=(COORDINATOR,)) == []
    assert await outbox.start_due(session, now=at(hours=2), admin_ids=(COORDINATOR,)) == [call]


async def test_the_outbox_is_made_once_at_the_start(session: AsyncSession) -> None:
    call, people = await started_call(session, 5)
    assert (call.status, call.total, call.started_at) == ("running", 5, NOW)
    assert await outbox.start_due(session, now=at(hours=1), admin_ids=(COORDINATOR,)) == []
    rows = await session.scalar(select(func.count()).where(Delivery.broadcast_id == call.id))
    assert rows == 5
    late = await make_volunteer(session)  # registered after the start: not in this call
    assert late.id not in set(
        await session.scalars(select(Delivery.volunteer_id).where(Delivery.broadcast_id == call.id))
    )
    assert len(people) == 5


async def test_claims_never_overlap_and_come_back_when_the_lease_ends(
    session: AsyncSession,
) -> None:
    call, _ = await started_call(session, 5)
    first = await outbox.claim(session, call.id, now=NOW, limit=3)
    second = await outbox.claim(session, call.id, now=NOW, limit=3)
    assert len(first) == 3 and len(second) == 2
    assert not {r.delivery_id for r in first} & {r.delivery_id for r in second}
    assert await outbox.claim(session, call.id, now=NOW, limit=3) == []
    # The sender died holding them: after the lease they are uncertain, and sent again.
    late = NOW + outbox.LEASE + timedelta(seconds=1)
    assert await outbox.take_back_expired(session, call.id, now=NOW, uncertain="resend") == 0
    assert await outbox.take_back_expired(session, call.id, now=late, uncertain="resend") == 5
    again = await outbox.claim(session, call.id, now=late, limit=10)
    assert len(again) == 5
    figures = await outbox.figures(session, call.id)
    assert (figures.uncertain, figures.uncertain_skipped, figures.left) == (5, 0, 5)


async def test_with_skip_an_uncertain_send_is_never_repeated(session: AsyncSession) -> None:
    call, _ = await started_call(session, 3)
    await outbox.claim(session, call.id, now=NOW, limit=3)
    late = NOW + outbox.LEASE + timedelta(seconds=1)
    assert await outbox.take_back_expired(session, call.id, now=late, uncertain="skip") == 3
    assert await outbox.claim(session, call.id, now=late, limit=10) == []
    figures = await outbox.figures(session, call.id)
    assert (figures.uncertain, figures.uncertain_skipped, figures.left) == (3, 3, 0)
    assert [c.id for c in await outbox.finish_done(session, now=late)] == [call.id]


async def test_outcomes_are_recorded_and_counted(session: AsyncSession) -> None:
    call, people = await started_call(session, 5)
    claimed = await outbox.claim(session, call.id, now=NOW, limit=5)
    ids = [r.delivery_id for r in claimed]
    await outbox.record(
        session,
        [
            Outcome(ids[0], "sent", message_id=11),
            Outcome(ids[1], "blocked", error="Forbidden: bot was blocked by the user"),
            Outcome(ids[2], "failed", error="Internal Server Error"),
            Outcome(ids[3], "pending", error="Too Many Requests: retry after 1"),
            Outcome(ids[4], "pending", error="timed out", uncertain=True),
        ],
        now=NOW,
    )
    figures = await outbox.figures(session, call.id)
    assert (figures.sent, figures.blocked, figures.failed, figures.left) == (1, 1, 1, 2)
    assert figures.uncertain == 1
    sent = await session.get(Delivery, ids[0])
    assert sent is not None and (sent.message_id, sent.sent_at) == (11, NOW)
    await session.refresh(people[1])
    assert people[1].reachable is False
    assert await outbox.finish_done(session, now=NOW) == []
    again = await outbox.claim(session, call.id, now=NOW, limit=5)
    assert sorted(r.delivery_id for r in again) == ids[3:]


async def test_pause_resume_and_cancel(session: AsyncSession) -> None:
    call, _ = await started_call(session, 2)
    admins = (COORDINATOR,)

    async def control(action: controls.Control, actor: int = COORDINATOR) -> str:
        done = await controls.control(
            session, call.id, action, actor=actor, admin_ids=admins, now=NOW
        )
        return done.status

    assert await control("pause") == "paused"
    assert await outbox.running(session) == []
    with pytest.raises(Conflict):
        await control("pause")
    assert await control("resume") == "running"
    with pytest.raises(NotAllowed):
        await control("cancel", actor=OTHER_COORDINATOR)
    assert await control("cancel") == "cancelled"
    with pytest.raises(Conflict) as over:
        await control("resume")
    assert over.value.code == "broadcast_not_resumable"
    figures = await outbox.figures(session, call.id)
    assert figures.left == 2  # never sent, and counted so


async def test_a_team_coordinator_controls_their_team_calls_only(session: AsyncSession) -> None:
    team = await make_team(session)
    await roles.grant(session, OTHER_COORDINATOR, "coordinator", team=team, now=NOW)
    mine = Scope(admin=False, team_ids=(team.id,))
    call = await outbox.create(
        session, Draft("Hi", Audience("teams", (team.id,))), actor=COORDINATOR, scope=mine, now=NOW
    )
    assert call.team_id == team.id
    assert await controls.may_control(session, call, OTHER_COORDINATOR, ())
    assert not await controls.may_control(session, call, 900_003, ())
    theirs = Scope(admin=False, team_ids=(team.id,))
    assert await controls.recent(session, theirs, OTHER_COORDINATOR, limit=5) == [call]
    elsewhere = Scope(admin=False, team_ids=(-1,))
    assert await controls.recent(session, elsewhere, 900_003, limit=5) == []
    assert await controls.recent(session, elsewhere, COORDINATOR, limit=5) == [call]
