"""Checking in and out at the venue.

Volunteers: open the shift's check-in code (a link, or the QR code the coordinator shows) or
share their location (`/checkin` offers the button) — on arrival that checks them in, later it
offers to check them out; `/checkout`, and the button on the reminder sent to anyone still
checked in after their shift, check out too. Checking out is asked for once more before it
happens, since it cannot be undone.

Coordinators: `/checkin_code` lists their teams' shifts about to start or in progress; each
opens the shift's code as a link and a QR image, with a button that replaces it (the old one
stops working at once).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from handlers import formatting
from handlers.activities import links
from handlers.callbacks import Button, OnActivity, OnShift, OnSignup
from handlers.context import Context, in_rows, keyboard
from handlers.events import RemoveKeyboard, ReplyButton, ReplyKeyboard, SendPhoto
from handlers.publishing import managed
from handlers.router import Router
from models.activities.tables import (
    Activity,
    ActivityStatus,
    CheckinMethod,
    ServiceRecord,
    Shift,
    ShiftStatus,
)
from models.attendance import checkin
from models.attendance.checkin import Place
from models.errors import Conflict, NotAllowed
from models.publishing import publication
from models.registration.tables import Volunteer
from models.teams import roles
from models.teams.tables import Role

router = Router()
CODE_LINK_PREFIX = "ci"
CODES_AHEAD = timedelta(days=2)  # /checkin_code lists shifts starting this soon, and running
CODES_LIST_LIMIT = 20


def _volunteer(ctx: Context) -> Volunteer:
    if ctx.volunteer is None:
        raise NotAllowed("checkin_not_registered")
    return ctx.volunteer


def _at(ctx: Context, moment: datetime) -> str:
    return formatting.moment(ctx.texts, ctx.lang, moment, ctx.deployment.zone)


def _when(ctx: Context, shift: Shift) -> str:
    return formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)


# ---- volunteers: in ---------------------------------------------------------------------------


@router.deep_link(CODE_LINK_PREFIX)
async def open_code(ctx: Context, token: str) -> None:
    """A volunteer scanned the shift's check-in code (or opened its link)."""
    volunteer = _volunteer(ctx)
    shift = await checkin.shift_for_code(ctx.session, token)
    place = await checkin.place_on(ctx.session, volunteer, shift)
    checkin.check_window(shift, now=ctx.clock.now(), policy=ctx.deployment.attendance)
    await _arrive(ctx, place, CheckinMethod.CODE)


@router.command("checkin", menu=50)
async def how_to_check_in(ctx: Context) -> None:
    """The volunteer asked how to check in: by the code, or by sharing their location."""
    volunteer = _volunteer(ctx)
    place = await checkin.checked_in_place(ctx.session, volunteer)
    if place is not None:
        _ask_check_out(ctx, place, "attendance.confirm_check_out")
        return
    share = ReplyButton(label=ctx.t("attendance.share_location"), request_location=True)
    radius = round(ctx.deployment.attendance.radius_m)
    ctx.say(ctx.t("attendance.how_to", radius=radius), ReplyKeyboard(rows=((share,),)))


async def location(ctx: Context) -> None:
    """The volunteer shared their location outside any conversation (routed here by
    handlers/stations/nearby.py, which shows what is near to someone with no shift to check in
    to): check in to the shift whose window is open, if they are at its venue; check out if
    they are checked in. A location forwarded from another chat is refused (it is not theirs);
    a static pin is taken but recorded as one, so its hours wait for a coordinator."""
    event_location = ctx.event.location
    assert event_location is not None
    if ctx.event.forwarded:
        raise NotAllowed("checkin_location_forwarded")
    volunteer = _volunteer(ctx)
    policy = ctx.deployment.attendance
    place = await checkin.place_now(ctx.session, volunteer, now=ctx.clock.now(), policy=policy)
    if place.record is None or place.record.checked_in_at is None:
        checkin.check_near(
            place.activity, event_location.latitude, event_location.longitude, policy
        )
    method = CheckinMethod.LIVE_LOCATION if event_location.live else CheckinMethod.PIN
    await _arrive(ctx, place, method)


async def _arrive(ctx: Context, place: Place, method: CheckinMethod) -> None:
    """Check in; someone already checked in is asked whether they are leaving."""
    record = place.record
    if record is not None and record.checked_out_at is not None:
        raise Conflict("already_checked_out", at=record.checked_out_at)
    if place.checked_in:
        _ask_check_out(ctx, place, "attendance.already_in")
        return
    assert ctx.volunteer is not None
    record = await checkin.check_in(
        ctx.session,
        ctx.volunteer,
        place.signup.id,
        now=ctx.clock.now(),
        method=method,
        policy=ctx.deployment.attendance,
    )
    assert record.checked_in_at is not None
    text = ctx.t(
        "attendance.checked_in",
        title=place.activity.title,
        when=_when(ctx, place.shift),
        at=_at(ctx, record.checked_in_at),
    )
    if method in checkin.UNVERIFIED:
        text += "\n" + ctx.t("attendance.pin_flagged")
    # Checked in: the location button /checkin showed has done its work. A message has one
    # keyboard, so the one taking it away is not the one with the Check out button.
    ctx.say(text, RemoveKeyboard())
    check_out = ctx.button(ctx.t("attendance.check_out"), RequestCheckOut(place.signup.id))
    ctx.say(ctx.t("attendance.check_out_hint"), keyboard([check_out]))


# ---- volunteers: out --------------------------------------------------------------------------


def _ask_check_out(ctx: Context, place: Place, key: str, *, edit: bool = False) -> None:
    assert place.record is not None and place.record.checked_in_at is not None
    text = ctx.t(
        key,
        title=place.activity.title,
        when=_when(ctx, place.shift),
        at=_at(ctx, place.record.checked_in_at),
    )
    markup = keyboard(
        [
            ctx.button(ctx.t("attendance.check_out_yes"), CheckOut(place.signup.id)),
            ctx.button(ctx.t("attendance.not_yet"), StayCheckedIn()),
        ]
    )
    ctx.reply(text, markup, edit=edit)


@router.command("checkout", menu=60)
async def ask_check_out(ctx: Context) -> None:
    """The volunteer wants to check out of the shift they are checked in to."""
    place = await checkin.checked_in_place(ctx.session, _volunteer(ctx))
    if place is None:
        ctx.say(ctx.t("attendance.nothing_to_check_out"))
        return
    _ask_check_out(ctx, place, "attendance.confirm_check_out")


class RequestCheckOut(OnSignup, action="att.ask", lasting=True):
    """The volunteer pressed Check out on the message that checked them in."""


@router.button(RequestCheckOut)
async def check_out_pressed(ctx: Context, request: RequestCheckOut) -> None:
    """The volunteer pressed Check out: ask once more (checking out cannot be undone)."""
    place = await checkin.leaving(ctx.session, _volunteer(ctx), request.signup_id)
    _ask_check_out(ctx, place, "attendance.confirm_check_out", edit=True)


class StayCheckedIn(Button, action="att.stay", lasting=True):
    """The volunteer is not leaving yet."""


@router.button(StayCheckedIn)
async def stay(ctx: Context, choice: StayCheckedIn) -> None:
    """The volunteer is not leaving yet."""
    ctx.edit_pressed(ctx.t("attendance.still_in"))


class CheckOut(OnSignup, action="att.out", lasting=True):
    """The volunteer checks out (confirmed, or from the reminder after the shift)."""


@router.button(CheckOut)
async def check_out(ctx: Context, leave: CheckOut) -> None:
    """The volunteer checked out (confirmed, or from the reminder after the shift)."""
    policy = ctx.deployment.attendance
    record = await checkin.check_out(
        ctx.session, _volunteer(ctx), leave.signup_id, now=ctx.clock.now(), policy=policy
    )
    ctx.edit_pressed(_checked_out_text(ctx, record))
    # Nothing is left to share a location for: no location button under /hours and beyond.
    ctx.say(ctx.t("attendance.thanks"), RemoveKeyboard())


def _checked_out_text(ctx: Context, record: ServiceRecord) -> str:
    assert record.checked_out_at is not None
    text = ctx.t(
        "attendance.checked_out",
        at=_at(ctx, record.checked_out_at),
        duration=formatting.duration(ctx.texts, ctx.lang, record.credited_minutes),
    )
    if record.checkin_method in checkin.UNVERIFIED:
        text += "\n" + ctx.t("attendance.pin_flagged")
    elif record.flagged:
        share = round(ctx.deployment.attendance.min_share * 100)
        text += "\n" + ctx.t("attendance.flagged", share=share)
    return text


# ---- coordinators: the code -------------------------------------------------------------------


@router.command("checkin_code", menu=40, role=Role.COORDINATOR, refusal="codes_not_coordinator")
async def list_codes(ctx: Context) -> None:
    """A coordinator wants a check-in code for one of their shifts."""
    teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    now = ctx.clock.now()
    await _list_shifts(
        ctx,
        Activity.team_id.in_([team.id for team in teams]),
        Shift.starts_at <= now + CODES_AHEAD,
    )


class ListCheckInCodes(OnActivity, action="ci.list", lasting=True):
    """A coordinator wants the check-in code of a shift of one activity (from /manage)."""


@router.button(ListCheckInCodes)
async def list_activity_codes(ctx: Context, codes: ListCheckInCodes) -> None:
    """A coordinator wants a check-in code for a shift of one activity (from /manage)."""
    activity = await publication.get_activity(ctx.session, codes.activity_id)
    await roles.require_manager(
        ctx.session, ctx.user_id, activity.team_id, ctx.deployment.admin_ids
    )
    await _list_shifts(ctx, Activity.id == activity.id)


async def _list_shifts(ctx: Context, *where: ColumnElement[bool]) -> None:
    """A button per shift (of those `where` picks) whose check-in has not closed yet."""
    closes_after = ctx.deployment.attendance.closes_after
    rows = await ctx.session.execute(
        select(Shift, Activity)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(
            Activity.status == ActivityStatus.PUBLISHED,
            Shift.status != ShiftStatus.CANCELLED,
            Shift.ends_at > ctx.clock.now() - closes_after,
            *where,
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(CODES_LIST_LIMIT)
    )
    buttons = [
        ctx.button(f"{activity.title[:30]} · {_when(ctx, shift)}", ShowCheckInCode(shift.id))
        for shift, activity in rows
    ]
    if not buttons:
        ctx.say(ctx.t("attendance.codes_none"))
        return
    ctx.say(ctx.t("attendance.codes_header"), keyboard(*in_rows(buttons, 1)))


async def _managed_shift(ctx: Context, shift_id: int) -> tuple[Shift, Activity]:
    shift, activity = await managed.shift(ctx, shift_id)
    if shift.status == ShiftStatus.CANCELLED:
        raise Conflict("shift_cancelled")
    return shift, activity


class ShowCheckInCode(OnShift, action="ci.open", lasting=True):
    """A coordinator opens a shift's check-in code."""


@router.button(ShowCheckInCode)
async def show_code(ctx: Context, code: ShowCheckInCode) -> None:
    """The coordinator opened a shift's check-in code, to show or print."""
    shift, activity = await _managed_shift(ctx, code.shift_id)
    token = await checkin.open_code(ctx.session, shift, actor=ctx.user_id, now=ctx.clock.now())
    _send_code(ctx, shift, activity, token)


class ReplaceCheckInCode(OnShift, action="ci.rotate", lasting=True):
    """A coordinator replaces a shift's check-in code (the old one stops working)."""


@router.button(ReplaceCheckInCode)
async def rotate_code(ctx: Context, code: ReplaceCheckInCode) -> None:
    """The coordinator replaced the code (it was shared beyond the venue)."""
    shift, activity = await _managed_shift(ctx, code.shift_id)
    token = await checkin.open_code(
        ctx.session, shift, actor=ctx.user_id, now=ctx.clock.now(), rotate=True
    )
    ctx.edit_pressed(ctx.t("attendance.rotated"))
    _send_code(ctx, shift, activity, token)


def _send_code(ctx: Context, shift: Shift, activity: Activity, token: str) -> None:
    url = ctx.deep_link(f"{CODE_LINK_PREFIX}_{token}")
    opens, closes = checkin.window(shift, ctx.deployment.attendance)
    caption = ctx.t(
        "attendance.code_caption",
        title=activity.title,
        when=_when(ctx, shift),
        link=url,
        opens=_at(ctx, opens),
        closes=_at(ctx, closes),
    )
    ctx.outbox.add(SendPhoto(ctx.event.chat_id, "checkin.png", links.qr_png(url), caption=caption))
    rotate = ctx.button(ctx.t("attendance.rotate"), ReplaceCheckInCode(shift.id))
    ctx.say(ctx.t("attendance.rotate_hint"), keyboard([rotate]))
