"""The preview's count and the outbox come from one rule: for every kind of audience, as an admin
and as a coordinator, with and without an activity's theme, the count is exactly the volunteers
the outbox gets — the active, reachable members of the audience who muted neither calls nor the
theme; never the erased, those who blocked the bot, or a team's pending members. On both
databases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import ServiceRecord, Signup
from models.broadcasts import audience as audiences
from models.broadcasts import outbox
from models.broadcasts.audience import Audience, Scope
from models.broadcasts.outbox import Draft
from models.broadcasts.tables import Delivery
from models.reference import District
from models.registration.tables import Volunteer
from models.reminders import notifications
from models.teams.tables import TeamMember
from tests.models.world import COORDINATOR, NOW, make_activity, make_team, make_volunteer, theme

ADMIN = Scope(admin=True, team_ids=())


async def join(session: AsyncSession, team_id: int, volunteer: Volunteer, status: str) -> None:
    session.add(
        TeamMember(team_id=team_id, volunteer_id=volunteer.id, status=status, joined_at=NOW)
    )
    await session.flush()


async def enqueued(
    session: AsyncSession, audience: Audience, scope: Scope, activity_id: int | None
) -> set[int]:
    """Whom a call sent now gets in its outbox (and its total agrees)."""
    draft = Draft("Help!", audience, activity_id=activity_id)
    call = await outbox.create(session, draft, actor=COORDINATOR, scope=scope, now=NOW)
    await outbox.enqueue(session, call, now=NOW)
    got = set(
        await session.scalars(select(Delivery.volunteer_id).where(Delivery.broadcast_id == call.id))
    )
    assert call.total == len(got)
    return got


async def test_the_count_is_exactly_whom_the_outbox_gets(db: AsyncSession) -> None:
    session = db
    environment, events = await theme(session, "environment"), await theme(session, "events")
    activity, [shift] = await make_activity(session, theme_id=environment.id)
    mine, other = activity.team_id, (await make_team(session)).id
    district = await session.scalar(select(District.id).limit(1))
    people = {}
    for name in ("mine", "other", "none", "muted", "muted_theme", "blocked", "erased", "pending"):
        volunteer = await make_volunteer(session, themes=[environment, events])
        volunteer.district_id = district
        people[name] = volunteer
    for name, team, status in (
        ("mine", mine, "active"),
        ("other", other, "active"),
        ("muted", mine, "active"),
        ("muted_theme", mine, "active"),
        ("blocked", mine, "active"),
        ("erased", mine, "active"),
        ("pending", mine, "pending"),
    ):
        await join(session, team, people[name], status)
    people["muted"].mute_recruitment = True
    await notifications.set_theme_muted(
        session, people["muted_theme"], environment.id, muted=True, now=NOW
    )
    people["blocked"].reachable = False
    erased = people["erased"]
    erased.status, erased.telegram_id, erased.full_name, erased.phone = "erased", None, None, None
    for name in ("mine", "other", "blocked", "muted_theme"):
        served = name in ("mine", "blocked")
        signup = Signup(
            shift_id=shift.id,
            volunteer_id=people[name].id,
            status="confirmed" if served else "waiting",
            queued_at=NOW,
            updated_at=NOW,
        )
        session.add(signup)
        if served:  # checked in at the venue
            await session.flush()
            session.add(ServiceRecord(signup_id=signup.id, checked_in_at=NOW))
    await session.flush()
    ids = {volunteer.id: name for name, volunteer in people.items()}
    coordinator = Scope(admin=False, team_ids=(mine,))
    assert district is not None
    expected = {
        # (audience, scope, linked to the activity): whom it reaches
        (Audience("everyone"), ADMIN, False): {"mine", "other", "none", "pending", "muted_theme"},
        (Audience("everyone"), ADMIN, True): {"mine", "other", "none", "pending"},
        (Audience("teams", (mine,)), coordinator, False): {"mine", "muted_theme"},
        (Audience("teams", (mine, other)), ADMIN, True): {"mine", "other"},
        (Audience("districts", (district,)), coordinator, False): {"mine", "muted_theme"},
        (Audience("districts", (district,)), ADMIN, False): {
            "mine",
            "other",
            "none",
            "pending",
            "muted_theme",
        },
        (Audience("themes", (environment.id,)), coordinator, False): {"mine"},
        (Audience("themes", (environment.id,)), ADMIN, True): {"mine", "other", "none", "pending"},
        (Audience("themes", (events.id,)), coordinator, True): {"mine"},
        (Audience("served", (activity.id,)), coordinator, True): {"mine"},
        (Audience("waiting", (activity.id,)), coordinator, False): {"other", "muted_theme"},
        (Audience("waiting", (activity.id,)), ADMIN, True): {"other"},
    }
    for (audience, scope, linked), whom in expected.items():
        theme_id = environment.id if linked else None
        counted = await audiences.count(session, audience, scope, theme_id)
        got = await enqueued(session, audience, scope, activity.id if linked else None)
        assert ({ids[i] for i in got}, counted) == (whom, len(whom)), (audience, scope, linked)
