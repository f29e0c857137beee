"""Every coordinator action, tried by a plain volunteer, is refused and changes nothing: commands,
and buttons with a valid signature for that volunteer (as if one leaked or was crafted with
the key) as well as forged ones."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from bot.local.harness import Person, RunningBot
from handlers.callbacks import ButtonSigner
from models.activities.groups import GroupCard, GroupChat
from models.activities.tables import Activity, ServiceRecord, Shift, Signup
from models.audit import AuditEntry
from models.conversation import ConversationState, button_key
from models.registration.tables import Volunteer
from models.teams.tables import RoleGrant, TeamMember
from tests.e2e import steps
from tests.e2e.help_requests.test_help_requests import a_help_request, in_district

VOLUNTEER = 1001
COORDINATOR = 9001
GROUP_ID = -1009876543210
RESIDENTS = count(3101)  # each asks once (a resident may have only 3 requests open)

OTHER_COORDINATOR = 9005
# Buttons that list the presser's own things (shown to any coordinator, filtered to theirs).
OWN_LISTS = ("hq.list", "hq.page")
COMMANDS = [
    "/new_activity",
    "/import",
    "/manage",
    "/checkin_code",
    "/help_requests",
    "/team",
    "/export",
    "/stats",
    "/broadcast",
    "/broadcasts",
]
# (action, which ids it takes): every button that acts on an activity or shift as a coordinator.
BUTTONS = [
    ("mg.show", "activity"),
    ("mg.roster", "activity"),
    ("ro.page", "activity+page"),
    ("mg.link", "activity"),
    ("mg.post", "activity"),
    ("mg.post_to", "activity+group"),
    ("act.edit", "activity"),
    ("act.cancel", "activity"),
    ("shift.recruit", "shift"),
    ("shift.recruit_ok", "shift"),
    ("ci.list", "activity"),
    ("ci.open", "shift"),
    ("ci.rotate", "shift"),
    ("hr.shifts", "activity"),
    ("hr.roster", "shift"),
    ("hr.page", "shift+page"),
    ("hr.all", "shift"),
    ("hr.insured", "shift"),
    ("hr.person", "signup"),
    ("hr.present", "signup"),
    ("hr.absent", "signup"),
    ("hr.ok", "signup"),
    ("hr.set", "signup"),
    ("hr.honour", "signup"),
    ("ta.show", "team"),
    ("ta.members", "team"),
    ("ta.mpage", "team+page"),
    ("ta.requests", "team"),
    ("ta.link", "team"),
    ("ta.yes", "team+volunteer"),
    ("ta.no", "team+volunteer"),
    ("ro.file", "activity+csv"),
    ("ro.msg", "shift"),
    ("hq.list", "help_request"),
    ("hq.page", "help_filter+page"),
    ("hq.show", "help_request"),
    ("hq.accept", "help_request"),
    ("hq.decline", "help_request"),
    ("hq.convert", "help_request"),
    ("hq.assign", "help_request"),
    ("hq.done", "help_request"),
    ("ex.team", "export"),
    ("ex.period", "export+period"),
    ("ex.format", "export+format"),
]


async def world(bot: RunningBot) -> tuple[Person, Person, Activity, int]:
    """A coordinator with an activity (one sign-up on it) and a group, and a plain volunteer."""
    team = await steps.make_coordinator(bot, COORDINATOR)
    # In Haicang, so that the residents' help requests (in Haicang) are this team's alone.
    await in_district(bot, "haicang", team="Haicang Team")
    coordinator = bot.person(COORDINATOR, "Coordinator")
    await steps.register(coordinator)
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=3), timedelta(hours=3), 5),)
    )
    await bot.add_to_group(bot.sandbox.group(GROUP_ID, "Team group"), coordinator)
    volunteer = bot.person(VOLUNTEER, "Volunteer")
    await steps.register(volunteer)
    await volunteer.send(f"/start act_{activity.link_token}")
    await volunteer.press(volunteer.last().button_labels()[0])
    async with steps.database(bot) as session:
        shift_id = await session.scalar(select(Shift.id).where(Shift.activity_id == activity.id))
    assert shift_id is not None
    return coordinator, volunteer, activity, shift_id


async def own_volunteer_id(bot: RunningBot) -> int:
    async with steps.database(bot) as session:
        volunteer_id = await session.scalar(
            select(Volunteer.id).where(Volunteer.telegram_id == VOLUNTEER)
        )
    assert volunteer_id is not None
    return volunteer_id


async def own_signup(bot: RunningBot) -> int:
    async with steps.database(bot) as session:
        signup_id = await session.scalar(select(Signup.id))
    assert signup_id is not None
    return signup_id


async def everything(bot: RunningBot) -> tuple[object, ...]:
    """What a coordinator action could change."""
    async with steps.database(bot) as session:

        async def rows(*columns: object) -> list[tuple[object, ...]]:
            result = await session.execute(select(*columns).order_by(*columns[:1]))
            return [tuple(row) for row in result]

        return (
            await rows(Activity.id, Activity.title, Activity.status, Activity.updated_at),
            await rows(Shift.id, Shift.status, Shift.capacity, Shift.starts_at, Shift.ends_at),
            await rows(Signup.id, Signup.status, Signup.offer_expires_at),
            await rows(
                ServiceRecord.id,
                ServiceRecord.credited_minutes,
                ServiceRecord.honour_minutes,
                ServiceRecord.confirmed_at,
            ),
            await rows(GroupCard.id, GroupCard.chat_id),
            await rows(GroupChat.chat_id, GroupChat.active),
            await rows(RoleGrant.id, RoleGrant.telegram_id, RoleGrant.role),
            await rows(TeamMember.team_id, TeamMember.volunteer_id, TeamMember.status),
            await session.scalar(select(func.count()).select_from(AuditEntry)),
            await rows(ConversationState.telegram_id, ConversationState.flow),
        )


@pytest.mark.parametrize("command", COMMANDS)
async def test_a_volunteer_cannot_use_coordinator_commands(bot: RunningBot, command: str) -> None:
    coordinator, volunteer, _, _ = await world(bot)
    before, sent_before = await everything(bot), len(coordinator.messages())
    reply = await volunteer.send(command)
    assert "coordinator" in reply.text.lower()
    assert await everything(bot) == before
    assert len(coordinator.messages()) == sent_before


async def button_args(
    bot: RunningBot, takes: str, activity: Activity, shift_id: int
) -> tuple[int | str, ...]:
    """The ids a button of this kind carries, for the world's activity, shift and volunteer."""
    match takes:
        case "activity":
            return (activity.id,)
        case "activity+group":
            return (activity.id, GROUP_ID)
        case "shift":
            return (shift_id,)
        case "signup":
            return (await own_signup(bot),)
        case "team":
            return (activity.team_id,)
        case "activity+page":
            return (activity.id, 1)
        case "shift+page":
            return (shift_id, 1)
        case "team+page":
            return (activity.team_id, 1)
        case "help_filter+page":
            return ("open", 1)
        case "activity+csv":
            return (activity.id, "csv")
        case "team+volunteer":
            return (activity.team_id, await own_volunteer_id(bot))
        case "help_request":
            return (await a_help_request(bot, requester=next(RESIDENTS)),)
        case "export":
            return ("records", activity.team_id)
        case "export+period":
            return ("records", activity.team_id, "this_month")
        case "export+format":
            return ("records", activity.team_id, "this_month", "xlsx")
    raise AssertionError(takes)


async def refused_press(bot: RunningBot, presser: Person, coordinator: Person, data: str) -> None:
    """`presser` presses a validly signed coordinator button: refused, nothing changes, nobody
    is sent anything."""
    before, sent_before = await everything(bot), len(coordinator.messages())
    chat_before = len(presser.messages())
    reply = await presser.press_data(data, message_id=presser.last().message_id)
    assert reply.alert == "Only the activity's coordinators and admins can do that.", data
    assert await everything(bot) == before, data
    assert len(presser.messages()) == chat_before, data  # no card, roster or QR code leaked
    assert len(coordinator.messages()) == sent_before, data


@pytest.mark.parametrize(("action", "takes"), BUTTONS)
async def test_a_volunteer_pressing_a_coordinator_button_is_refused(
    bot: RunningBot, action: str, takes: str
) -> None:
    coordinator, volunteer, activity, shift_id = await world(bot)
    args = await button_args(bot, takes, activity, shift_id)  # their own sign-up, too
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
    data = signer.pack(VOLUNTEER, 0, action, *args)  # a valid signature for this volunteer
    await refused_press(bot, volunteer, coordinator, data)


async def test_a_coordinator_of_another_team_can_touch_nothing_of_this_one(
    bot: RunningBot,
) -> None:
    coordinator, _, activity, shift_id = await world(bot)
    await steps.make_coordinator(bot, OTHER_COORDINATOR, "Jimei Team")
    other = bot.person(OTHER_COORDINATOR, "Other")
    await steps.register(other)
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
    failures = []
    for action, takes in BUTTONS:
        if action in OWN_LISTS:
            continue
        args = await button_args(bot, takes, activity, shift_id)
        data = signer.pack(OTHER_COORDINATOR, 0, action, *args)
        try:
            await refused_press(bot, other, coordinator, data)
        except AssertionError as failed:
            failures.append(str(failed).splitlines()[0])
    assert failures == []


@pytest.mark.parametrize(("action", "takes"), BUTTONS[:3])
async def test_a_forged_coordinator_button_is_refused(
    bot: RunningBot, action: str, takes: str
) -> None:
    _, volunteer, activity, _ = await world(bot)
    before = await everything(bot)
    forged = f"{action}|{activity.id}|0|AAAAAAAA"
    reply = await volunteer.press_data(forged, message_id=volunteer.last().message_id)
    assert reply.alert is not None and "isn't valid" in reply.alert
    assert await everything(bot) == before


# (action, which ids it takes, the audit row it must leave): coordinator actions that change
# something or hand out personal data, each pressed once by the activity's coordinator.
AUDITED = [
    ("mg.post_to", "activity+group", "activity.post_card"),
    ("shift.recruit_ok", "shift", "broadcast.create"),
    ("ci.open", "shift", "checkin_code.open"),
    ("ro.file", "activity+csv", "roster.export"),
    ("hr.insured", "shift", "roster.export_insured"),
]


@pytest.mark.parametrize(("action", "takes", "audited"), AUDITED)
async def test_each_coordinator_action_leaves_one_audit_row(
    bot: RunningBot, action: str, takes: str, audited: str
) -> None:
    coordinator, _, activity, shift_id = await world(bot)
    args: tuple[int | str, ...] = {
        "activity+group": (activity.id, GROUP_ID),
        "activity+csv": (activity.id, "csv"),
        "shift": (shift_id,),
    }[takes]
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
        last = await session.scalar(select(func.max(AuditEntry.id)))
    data = signer.pack(COORDINATOR, 0, action, *args)
    await coordinator.press_data(data, message_id=coordinator.last().message_id)
    async with steps.database(bot) as session:
        rows = await session.execute(
            select(AuditEntry.actor_telegram_id, AuditEntry.action, AuditEntry.at).where(
                AuditEntry.id > (last or 0)
            )
        )
        assert [tuple(row) for row in rows] == [(COORDINATOR, audited, bot.clock.now())]
