"""Erasing a person's data (/delete_me), at any step: a registered volunteer, someone half-way
through registering, or a resident who only asked for help. One rule reaches every table that
can hold something of a person; `tests/models/registration/test_erasure.py` lists each such
column (PERSONAL) with what becomes of it, and every other column with why it is left.

What stays, anonymous: the volunteer row (no Telegram id, name, phone, ID number, birth date,
district, interests) with the sign-ups and service records of shifts already served, so the
city's statistics (hours served, volunteers per month) keep their figures; certificates, which
still verify as issued but name nobody; audit entries, which keep the action but not who did
it. Qualifications go (with what the audit log recorded of them). Places on shifts not yet over
are given back and offered to the people waiting, as a cancellation would. An account that
acted as staff leaves `NOBODY` where a column must name one.

Registrations left half-way are forgotten after `DRAFT_KEEP` (`expire_drafts`, a timed job).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, conversation, inbox
from models.activities import calendar_feed, groups, signup
from models.activities.groups import GroupChat
from models.activities.places import ACTIVE, lock_shift
from models.activities.signup import SignupPolicy, Vacancy
from models.activities.tables import Activity, ServiceRecord, Shift, Signup
from models.attendance import certificate
from models.broadcasts.control import OPEN
from models.broadcasts.tables import Broadcast, BroadcastStatus
from models.conversation import ConversationState
from models.help_requests.tables import HelpAssignment, HelpDispatch, HelpRequest
from models.registration.tables import Volunteer, VolunteerStatus
from models.registration.volunteers import find_volunteer
from models.reminders.tables import Reminder, ReminderStatus
from models.rotas import slots
from models.teams.tables import Invite, RoleGrant, TeamMember
from models.training import qualifications
from models.training.tables import Course, Qualification

# Stands for an erased account where a column must name one (who made an activity, a call, an
# invite, who asked a volunteer to help). Telegram ids start at 1.
NOBODY = 0
DRAFT_KEEP = timedelta(days=30)


@dataclass(frozen=True)
class Erased:
    """What an erasure freed: places now offered to the people waiting (to be announced)."""

    vacancies: list[Vacancy] = field(default_factory=list)


async def erase(
    session: AsyncSession, telegram_id: int, *, now: datetime, policy: SignupPolicy
) -> Erased:
    """Erase everything of the person with this Telegram account, in the caller's transaction."""
    volunteer = await find_volunteer(session, telegram_id)
    vacancies = []
    if volunteer is not None:
        vacancies = await _give_back_places(session, volunteer, now=now, policy=policy)
        await _forget_volunteer(session, volunteer, now)
    held = await qualifications.forget(session, volunteer.id) if volunteer is not None else []
    requests = await _forget_help_requests(session, telegram_id)
    await _forget_staff_account(session, telegram_id, now)
    contents: list[audit.Target] = [("help_request", r) for r in requests]
    contents += [("qualification", q) for q in held]
    await audit.forget(session, telegram_id, contents_of=contents)
    await inbox.forget_sender(session, telegram_id)
    await conversation.forget(session, telegram_id)
    erased = ("volunteer", volunteer.id if volunteer is not None else None)
    audit.record(session, None, "volunteer.erased", erased, now)
    return Erased(vacancies)


async def _give_back_places(
    session: AsyncSession, volunteer: Volunteer, *, now: datetime, policy: SignupPolicy
) -> list[Vacancy]:
    """Every place and waiting spot they hold on a shift not yet over is given back by the
    sign-up rules (no cancel deadline: a ghost would only become a no-show), the places offered
    on. Shifts are locked one at a time in id order; cards are marked last, as in
    `offers.expire_offers`."""
    active = await session.scalars(
        select(Signup.id)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(Signup.volunteer_id == volunteer.id, Signup.status.in_(ACTIVE), Shift.ends_at > now)
        .order_by(Signup.shift_id)
    )
    vacancies = []
    for signup_id in list(active):
        place = await session.get(Signup, signup_id)
        assert place is not None
        shift = await lock_shift(session, place.shift_id)
        await session.refresh(place)
        if place.status in ACTIVE:
            given = await signup.give_back(
                session, place, shift, actor=None, action="signup.erased", now=now, policy=policy
            )
            vacancies.append(given)
    for vacancy in vacancies:
        await groups.mark_stale(session, vacancy.shift.id)
    return vacancies


async def _forget_volunteer(session: AsyncSession, volunteer: Volunteer, now: datetime) -> None:
    """The row stays, anonymous, so service records keep their owner; nothing on it names them."""
    volunteer.telegram_id = None
    volunteer.status = VolunteerStatus.ERASED
    volunteer.full_name = None
    volunteer.phone = None
    volunteer.id_number_encrypted = None
    volunteer.id_number_index = None
    volunteer.id_number_masked = None
    volunteer.birth_date = None
    volunteer.district_id = None
    volunteer.reminder_minutes = None
    volunteer.themes = []
    volunteer.muted_themes = []
    volunteer.erased_at = now
    theirs = select(Signup.id).where(Signup.volunteer_id == volunteer.id)
    for statement in (
        delete(TeamMember).where(TeamMember.volunteer_id == volunteer.id),
        delete(HelpAssignment).where(HelpAssignment.volunteer_id == volunteer.id),
        # A coordinator's words about them, on their own records.
        update(ServiceRecord).where(ServiceRecord.signup_id.in_(theirs)).values(note=""),
        update(Reminder)
        .where(Reminder.signup_id.in_(theirs), Reminder.status == ReminderStatus.PENDING)
        .values(status=ReminderStatus.CANCELLED),
    ):
        await session.execute(statement.execution_options(synchronize_session=False))
    await certificate.anonymise(session, volunteer.id)
    await calendar_feed.forget(session, volunteer.id)
    await slots.forget(session, volunteer.id)
    await session.flush()


async def _forget_help_requests(session: AsyncSession, telegram_id: int) -> list[int]:
    """Delete the requests they asked for (their words and contact); the ids deleted."""
    ids = list(
        await session.scalars(
            select(HelpRequest.id).where(HelpRequest.requester_telegram_id == telegram_id)
        )
    )
    if ids:
        for table in (HelpAssignment, HelpDispatch):
            await session.execute(delete(table).where(table.help_request_id.in_(ids)))
        await session.execute(
            delete(HelpRequest)
            .where(HelpRequest.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return ids


async def _forget_staff_account(session: AsyncSession, telegram_id: int, now: datetime) -> None:
    """Roles go; what they did as staff stays, done by nobody. Their unfinished calls are
    cancelled and their unused invites expire: nobody is left to answer for them."""
    unfinished = await session.scalars(
        select(Broadcast)
        .where(
            Broadcast.created_by == telegram_id,
            Broadcast.status.in_((*OPEN, BroadcastStatus.DRAFT)),
        )
        .with_for_update()
    )
    for call in unfinished:
        call.status, call.finished_at = BroadcastStatus.CANCELLED, now
        audit.record(session, None, "broadcast.cancel", call, now, after={"status": call.status})
    await session.flush()
    for statement in (
        delete(RoleGrant).where(RoleGrant.telegram_id == telegram_id),
        update(RoleGrant).where(RoleGrant.granted_by == telegram_id).values(granted_by=None),
        update(Invite)
        .where(Invite.created_by == telegram_id, Invite.used_by.is_(None), Invite.expires_at > now)
        .values(expires_at=now),
        update(Invite).where(Invite.created_by == telegram_id).values(created_by=NOBODY),
        update(Invite).where(Invite.used_by == telegram_id).values(used_by=NOBODY),
        update(Invite).where(Invite.withdrawn_by == telegram_id).values(withdrawn_by=NOBODY),
        update(Activity).where(Activity.created_by == telegram_id).values(created_by=NOBODY),
        update(Broadcast)
        .where(Broadcast.created_by == telegram_id)
        .values(created_by=NOBODY, progress_chat_id=None, progress_message_id=None),
        # A call she released is vouched for by nobody: one not yet sent is held again.
        update(Broadcast).where(Broadcast.released_by == telegram_id).values(released_by=NOBODY),
        update(HelpRequest).where(HelpRequest.handled_by == telegram_id).values(handled_by=None),
        update(HelpAssignment)
        .where(HelpAssignment.asked_by == telegram_id)
        .values(asked_by=NOBODY),
        update(ServiceRecord)
        .where(ServiceRecord.confirmed_by == telegram_id)
        .values(confirmed_by=None),
        update(GroupChat).where(GroupChat.added_by == telegram_id).values(added_by=None),
        update(Course).where(Course.created_by == telegram_id).values(created_by=NOBODY),
        update(Qualification)
        .where(Qualification.granted_by == telegram_id)
        .values(granted_by=NOBODY),
        update(Qualification)
        .where(Qualification.withdrawn_by == telegram_id)
        .values(withdrawn_by=NOBODY),
    ):
        await session.execute(statement.execution_options(synchronize_session=False))


async def expire_drafts(session: AsyncSession, *, now: datetime) -> int:
    """Forget conversations left for `DRAFT_KEEP`: a registration abandoned half-way (name,
    phone, sealed ID number, birth date) goes with its row; a registered volunteer's unfinished
    edit is ended. How many were forgotten or ended."""
    idle = ConversationState.updated_at < now - DRAFT_KEEP
    registered = select(Volunteer.telegram_id).where(Volunteer.telegram_id.is_not(None))
    dropped = await session.execute(
        delete(ConversationState)
        .where(idle, ConversationState.telegram_id.not_in(registered))
        .execution_options(synchronize_session=False)
    )
    ended = await session.execute(
        update(ConversationState)
        .where(idle, ConversationState.flow.is_not(None))
        .values(flow=None, step=None, data={}, version=ConversationState.version + 1)
        .execution_options(synchronize_session=False)
    )
    return (dropped.rowcount or 0) + (ended.rowcount or 0)  # type: ignore[attr-defined]
