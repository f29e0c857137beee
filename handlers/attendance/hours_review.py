"""Attendance and hours, for coordinators: from /manage, a shift's roster once it has started —
who checked in and out, who is a no-show — where they mark people present or absent, confirm the
recorded hours (one by one, or all the unflagged ones at once) and export the insured roster for
the insurer. Every button checks the role again on the server. Changing a person's hours or
adding honour hours, with a reason, is `change_hours`'s.

Volunteers marked as no-shows by the scheduler are told here how to have it corrected.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from functools import partial
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import formatting, paging

# The module, not its names: a person's card here makes change_hours's buttons and change_hours
# shows the card again, so each imports the other's module and either may be imported first.
from handlers.attendance import change_hours
from handlers.attendance.hours_notices import HoursNotice, Told, stars_before, tell_after_commit
from handlers.callbacks import OnActivity, OnShift, OnSignup
from handlers.context import Context, keyboard
from handlers.events import SendDocument
from handlers.notify import Notifier
from handlers.publishing import managed
from handlers.router import Router
from models import spreadsheet
from models.activities.tables import (
    Activity,
    ServiceRecord,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from models.attendance import checkin, hours_review
from models.attendance.hours_review import Line
from models.errors import Conflict
from models.publishing import publication
from models.registration.tables import Volunteer
from models.spreadsheet import Cell, FileFormat

router = Router()


async def _signup(ctx: Context, signup_id: int) -> tuple[Signup, Shift, Activity]:
    signup = await ctx.session.get(Signup, signup_id)
    if signup is None:
        raise Conflict("not_on_roster")
    shift, activity = await managed.shift(ctx, signup.shift_id)
    return signup, shift, activity


class ChooseShiftToReview(OnActivity, action="hr.shifts", lasting=True):
    """A coordinator opens attendance and hours for an activity (from /manage)."""


@router.button(ChooseShiftToReview)
async def choose_shift(ctx: Context, review: ChooseShiftToReview) -> None:
    """The coordinator opened attendance and hours for an activity: which shift?"""
    activity = await managed.activity(ctx, review.activity_id)
    now = ctx.clock.now()
    started = [
        shift
        for shift in await publication.shifts_of(ctx.session, activity.id)
        if shift.status != ShiftStatus.CANCELLED and shift.starts_at <= now
    ]
    if not started:
        ctx.say(ctx.t("hours_review.none_started", title=activity.title))
        return
    zone = ctx.deployment.zone
    named = {s.id: formatting.when(ctx.texts, ctx.lang, s, zone) for s in started}
    shifts = ctx.choices(named, ShowAttendance)
    ctx.say(ctx.t("hours_review.choose_shift", title=activity.title), keyboard(*shifts))


class ShowAttendance(OnShift, action="hr.roster", lasting=True):
    """A coordinator opens a shift's attendance roster."""


@router.button(ShowAttendance)
async def show_roster(ctx: Context, roster: ShowAttendance) -> None:
    """The coordinator opened a shift's attendance."""
    shift, activity = await managed.shift(ctx, roster.shift_id)
    await _roster(ctx, shift, activity)


class TurnAttendancePage(OnShift, action="hr.page", lasting=True):
    """A coordinator turns a page of a long attendance roster."""

    page: int


@router.button(TurnAttendancePage)
async def turn_page(ctx: Context, turn: TurnAttendancePage) -> None:
    """The coordinator turned a page of the shift's attendance."""
    shift, activity = await managed.shift(ctx, turn.shift_id)
    await _roster(ctx, shift, activity, turn.page, edit=True)


async def _roster(
    ctx: Context, shift: Shift, activity: Activity, page: int = 0, *, edit: bool = False
) -> None:
    """A page of the shift's attendance: a line and a button per person."""
    lines = await hours_review.roster(ctx.session, shift.id)
    when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
    header = ctx.t("hours_review.header", title=activity.title, when=when)
    if not lines:
        header += "\n" + ctx.t("hours_review.empty")
    entries = [
        paging.Entry(
            ctx.t(
                "hours_review.line",
                number=number,
                name=line.volunteer.full_name or "—",
                no_shows=line.volunteer.no_show_count,
                state=_state(ctx, line),
            ),
            (
                ctx.button(
                    f"{number}. {line.volunteer.full_name or '—'}"[:40],
                    ShowAttendee(line.signup.id),
                ),
            ),
        )
        for number, line in enumerate(lines, 1)
    ]
    b = ctx.button
    to_confirm = sum(1 for line in lines if _confirmable(line.record))
    rows = []
    if to_confirm:
        rows.append(
            [b(ctx.t("hours_review.confirm_all", count=to_confirm), ConfirmAllHours(shift.id))]
        )
    rows.append([b(ctx.t("hours_review.insured"), ExportInsuredRoster(shift.id))])
    turn = partial(TurnAttendancePage, shift.id)
    paging.show(ctx, header, entries, page, turn, edit=edit, per_row=2, after=rows)


def _confirmable(record: ServiceRecord | None) -> bool:
    return (
        record is not None
        and record.checked_out_at is not None
        and record.confirmed_at is None
        and not record.flagged
    )


def _state(ctx: Context, line: Line) -> str:
    """Where the person stands, and how they checked in if they did."""
    state = _presence(ctx, line)
    method = line.record.checkin_method if line.record is not None else None
    if method is None or line.signup.status == SignupStatus.NO_SHOW:
        return state
    return ctx.t("hours_review.with_method", state=state, method=ctx.t(f"checkin_method.{method}"))


def _presence(ctx: Context, line: Line) -> str:
    record, zone = line.record, ctx.deployment.zone
    if line.signup.status == SignupStatus.NO_SHOW:
        return ctx.t("hours_review.no_show")
    if record is None or record.checked_in_at is None:
        if record is not None and record.honour_minutes:
            return ctx.t(
                "hours_review.honour_only",
                honour=formatting.duration(ctx.texts, ctx.lang, record.honour_minutes),
            )
        return ctx.t("hours_review.not_in")
    checked_in = formatting.clock(ctx.texts, ctx.lang, record.checked_in_at, zone)
    if record.checked_out_at is None:
        return ctx.t("hours_review.still_in", since=checked_in)
    span = ctx.t(
        "hours_review.span",
        start=checked_in,
        end=formatting.clock(ctx.texts, ctx.lang, record.checked_out_at, zone),
        hours=formatting.duration(ctx.texts, ctx.lang, record.credited_minutes),
    )
    if record.honour_minutes:
        span += ctx.t(
            "hours_review.plus_honour",
            honour=formatting.duration(ctx.texts, ctx.lang, record.honour_minutes),
        )
    if record.confirmed_at is not None:
        return ctx.t("hours_review.confirmed", span=span)
    if record.flagged and record.checkin_method in checkin.UNVERIFIED:
        return ctx.t("hours_review.flagged_pin", span=span)
    if record.flagged:
        return ctx.t("hours_review.flagged", span=span)
    return ctx.t("hours_review.to_confirm", span=span)


class ShowAttendee(OnSignup, action="hr.person", lasting=True):
    """A coordinator opens one person on a shift's roster."""


@router.button(ShowAttendee)
async def show_person(ctx: Context, person: ShowAttendee) -> None:
    """The coordinator opened one person on the roster."""
    signup, shift, activity = await _signup(ctx, person.signup_id)
    await _person(ctx, signup, shift, activity)


async def _person(ctx: Context, signup: Signup, shift: Shift, activity: Activity) -> None:
    volunteer = await ctx.session.get(Volunteer, signup.volunteer_id)
    assert volunteer is not None
    record = await ctx.session.scalar(
        select(ServiceRecord).where(ServiceRecord.signup_id == signup.id)
    )
    line = Line(signup, volunteer, record)
    text = ctx.t(
        "hours_review.person",
        name=volunteer.full_name or "—",
        phone=volunteer.phone or "—",
        no_shows=volunteer.no_show_count,
        state=_state(ctx, line),
    )
    b, sid = ctx.button, signup.id
    checked_in = record is not None and record.checked_in_at is not None
    rows = []
    if not checked_in:
        marks = [b(ctx.t("hours_review.present"), MarkPresent(sid))]
        if signup.status != SignupStatus.NO_SHOW:
            marks.append(b(ctx.t("hours_review.absent"), MarkAbsent(sid)))
        rows.append(marks)
    if record is not None and record.checked_out_at is not None:
        hours_row = [b(ctx.t("hours_review.adjust"), change_hours.ChangeHours(sid))]
        if record.confirmed_at is None:
            hours_row.insert(0, b(ctx.t("hours_review.confirm"), ConfirmHours(sid)))
        rows.append(hours_row)
    rows.append([b(ctx.t("hours_review.honour"), change_hours.AddHonourHours(sid))])
    rows.append([b(ctx.t("hours_review.back"), ShowAttendance(shift.id))])
    ctx.say(text, keyboard(*rows))


class MarkPresent(OnSignup, action="hr.present", lasting=True):
    """A coordinator marks the person present for the whole shift."""


@router.button(MarkPresent)
async def present(ctx: Context, mark: MarkPresent) -> None:
    """The coordinator marked the person present for the whole shift."""
    policy = ctx.deployment.attendance
    await _mark(ctx, mark.signup_id, partial(hours_review.mark_present, policy=policy))


class MarkAbsent(OnSignup, action="hr.absent", lasting=True):
    """A coordinator marks the person absent (a no-show)."""


@router.button(MarkAbsent)
async def absent(ctx: Context, mark: MarkAbsent) -> None:
    """The coordinator marked the person absent (a no-show)."""
    await _mark(ctx, mark.signup_id, hours_review.mark_absent)


class Mark(Protocol):
    """A coordinator's mark on a person's attendance (`models.attendance.hours_review`)."""

    def __call__(
        self, session: AsyncSession, *, actor: int, signup_id: int, now: datetime
    ) -> Awaitable[object]: ...


async def _mark(ctx: Context, signup_id: int, mark: Mark) -> None:
    """Mark the person on the roster by `mark` (present, absent), and show them again."""
    signup, shift, activity = await _signup(ctx, signup_id)
    await mark(ctx.session, actor=ctx.user_id, signup_id=signup.id, now=ctx.clock.now())
    await _person(ctx, signup, shift, activity)


class ConfirmHours(OnSignup, action="hr.ok", lasting=True):
    """A coordinator confirms the person's recorded hours."""


@router.button(ConfirmHours)
async def confirm(ctx: Context, confirmation: ConfirmHours) -> None:
    """The coordinator confirmed the person's recorded hours."""
    signup, shift, activity = await _signup(ctx, confirmation.signup_id)
    before = await stars_before(ctx, [signup])
    await hours_review.confirm(
        ctx.session, actor=ctx.user_id, signup_id=signup.id, now=ctx.clock.now()
    )
    tell_after_commit(ctx, [HoursNotice(signup.id, before[signup.id], Told.CONFIRMED)])
    await _person(ctx, signup, shift, activity)


class ConfirmAllHours(OnShift, action="hr.all", lasting=True):
    """A coordinator confirms every recorded, unflagged record of the shift."""


@router.button(ConfirmAllHours)
async def confirm_all(ctx: Context, confirmation: ConfirmAllHours) -> None:
    """The coordinator confirmed every recorded, unflagged record of the shift."""
    shift, activity = await managed.shift(ctx, confirmation.shift_id)
    lines = await hours_review.roster(ctx.session, shift.id)
    before = await stars_before(ctx, [line.signup for line in lines])
    done = await hours_review.confirm_all(
        ctx.session, actor=ctx.user_id, shift_id=shift.id, now=ctx.clock.now()
    )
    ctx.answer(ctx.t("hours_review.confirmed_count", count=len(done)))
    await _roster(ctx, shift, activity)
    # After the coordinator's answer, however many they are.
    tell_after_commit(ctx, [HoursNotice(s.id, before[s.id], Told.CONFIRMED) for s in done])


class ExportInsuredRoster(OnShift, action="hr.insured", lasting=True):
    """A coordinator exports the shift's insured roster for the insurer."""


@router.button(ExportInsuredRoster)
async def insured_roster(ctx: Context, export: ExportInsuredRoster) -> None:
    """The coordinator wants the shift's insured roster for the insurer: everyone holding a
    place who registered with their real name (the deployment's policy insures them)."""
    shift, activity = await managed.shift(ctx, export.shift_id)
    rows = [
        line
        for line in await hours_review.roster(ctx.session, shift.id)
        if line.signup.status == SignupStatus.CONFIRMED and line.volunteer.is_real_name
    ]
    when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
    table: list[list[Cell]] = [
        [ctx.t(f"hours_review.column_{c}") for c in ("name", "id", "phone", "shift")]
    ]
    for line in rows:
        volunteer = line.volunteer
        number = volunteer.id_number_masked or ""
        if ctx.cipher is not None and volunteer.id_number_encrypted is not None:
            number = ctx.cipher.decrypt(volunteer.id_number_encrypted)
        table.append([volunteer.full_name, number, volunteer.phone, f"{activity.title} {when}"])
    ctx.audit("roster.export_insured", "shift", shift.id, people=len(rows))
    ctx.outbox.add(
        SendDocument(
            ctx.event.chat_id,
            f"insured-{shift.id}.csv",
            # The name and the activity's title are typed by people; the rest is checked.
            spreadsheet.table(FileFormat.CSV, "insured", table, free_text={0, 3}),
            caption=ctx.t("hours_review.insured_caption", count=len(rows), title=activity.title),
        )
    )


async def tell_no_show(notify: Notifier, signup: Signup) -> None:
    """Tell a volunteer the scheduler marked them a no-show, and how to have it corrected."""
    volunteer = await notify.session.get(Volunteer, signup.volunteer_id)
    shift = await notify.session.get(Shift, signup.shift_id)
    if volunteer is None or volunteer.telegram_id is None or shift is None:
        return
    activity = await publication.get_activity(notify.session, shift.activity_id)
    language = volunteer.language
    notify.send(
        volunteer.telegram_id,
        notify.text(
            language,
            "hours_review.told_no_show",
            title=activity.title,
            when=notify.when(language, shift),
        ),
    )
