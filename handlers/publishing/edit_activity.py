"""Changing and cancelling a published activity, from the Edit and Cancel buttons on its
management card.

Edit: the title, the description, the address, or one shift's time or number of places; people
on the shifts are told when the time or the place changes, and places added are offered to the
people waiting. Cancel: the whole activity or one shift, with a reason every volunteer signed up
or waiting reads, after a confirmation. Every step checks afresh that the user manages the
activity's team, whatever button brought them here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum

from handlers import formatting
from handlers.activities import offers
from handlers.callbacks import Press
from handlers.context import Context, in_rows, keyboard
from handlers.events import InlineButton, SendMessage
from handlers.publishing import managed
from handlers.publishing.activity_plan import typed_text
from handlers.router import Router
from models.activities.tables import Activity, Shift
from models.errors import Conflict
from models.publishing import activity_input, edit_activity, publication
from models.publishing.publication import Affected

router = Router()
FLOW = "edit_activity"
CANCEL_FLOW = "cancel_activity"
WHOLE = 0  # "every upcoming shift" in the cancel buttons' arguments


class Step(StrEnum):
    CHOOSE = "choose"
    TITLE = "title"
    DESCRIPTION = "description"
    ADDRESS = "address"
    SHIFT_DATE = "shift_date"
    SHIFT_TIME = "shift_time"
    PLACES = "places"


class CancelStep(StrEnum):
    CHOOSE = "choose"
    REASON = "reason"
    CONFIRM = "confirm"


ACTIVITY_FIELDS = (Step.TITLE, Step.DESCRIPTION, Step.ADDRESS)


async def managed_activity(ctx: Context, activity_id: int) -> Activity:
    """The activity, if this user manages its team and it is not cancelled (else refused)."""
    activity = await managed.activity(ctx, activity_id)
    if activity.status == "cancelled":
        raise Conflict("activity_cancelled")
    return activity


async def current_activity(ctx: Context) -> Activity:
    return await managed_activity(ctx, int(ctx.state.data["activity_id"]))


def when(ctx: Context, language: str, shift: Shift) -> str:
    return formatting.span(ctx.texts, language, ctx.deployment.zone, shift.starts_at, shift.ends_at)


def tell(
    ctx: Context, people: list[Affected], shifts: list[Shift], key: str, **params: str
) -> None:
    """Message each affected volunteer about their shift, in their own language."""
    by_id = {shift.id: shift for shift in shifts}
    for person in people:
        shift_when = when(ctx, person.language, by_id[person.shift_id])
        text = ctx.texts.get(person.language, key, when=shift_when, **params)
        ctx.outbox.add(SendMessage(chat_id=person.telegram_id, text=text))


def int_arg(press: Press, index: int = 0) -> int | None:
    """The press's argument at `index` as an id, or None if it is not one."""
    if len(press.args) <= index or not press.args[index].isdigit():
        return None
    return int(press.args[index])


# ---- edit -------------------------------------------------------------------------------------


@router.button("act.edit", lasting=True)
async def start_edit(ctx: Context, press: Press) -> None:
    """The coordinator pressed Edit on an activity's management card."""
    activity_id = int_arg(press)
    if activity_id is None:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    activity = await managed_activity(ctx, activity_id)
    ctx.finish()
    ctx.state.data = {"activity_id": activity.id}
    ctx.go(FLOW, Step.CHOOSE)
    buttons = [
        ctx.button(ctx.t(f"edit_activity.change_{field}"), "ed.what", field)
        for field in ACTIVITY_FIELDS
    ]
    rows: list[list[InlineButton]] = [buttons]
    for shift in await edit_activity.upcoming_shifts(ctx.session, activity, ctx.clock.now()):
        shift_when = when(ctx, ctx.lang, shift)
        rows.append(
            [
                ctx.button(
                    ctx.t("edit_activity.change_time", when=shift_when),
                    "ed.shift",
                    "time",
                    shift.id,
                ),
                ctx.button(
                    ctx.t("edit_activity.change_places", capacity=shift.capacity),
                    "ed.shift",
                    "places",
                    shift.id,
                ),
            ]
        )
    ctx.say(ctx.t("edit_activity.choose", title=activity.title), keyboard(*rows))


@router.button("ed.what")
async def choose_field(ctx: Context, press: Press) -> None:
    """The coordinator chose to change the title, the description or the address."""
    if len(press.args) != 1 or press.args[0] not in ACTIVITY_FIELDS:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    step = Step(press.args[0])
    activity = await current_activity(ctx)
    current = {
        Step.TITLE: activity.title,
        Step.DESCRIPTION: activity.description or ctx.t("new_activity.none"),
        Step.ADDRESS: activity.address,
    }[step]
    ctx.go(FLOW, step)
    ctx.edit_pressed(ctx.t(f"edit_activity.ask_{step}", current=current))


@router.button("ed.shift")
async def choose_shift(ctx: Context, press: Press) -> None:
    """The coordinator chose a shift whose time or number of places to change."""
    kind, shift_id = press.args[0] if press.args else "", int_arg(press, 1)
    if kind not in ("time", "places") or shift_id is None:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    shift = await edit_activity.shift_of(ctx.session, await current_activity(ctx), shift_id)
    ctx.state.data = {**ctx.state.data, "shift_id": shift.id}
    shift_when = when(ctx, ctx.lang, shift)
    if kind == "time":
        ctx.go(FLOW, Step.SHIFT_DATE)
        ctx.edit_pressed(ctx.t("edit_activity.ask_shift_date", when=shift_when))
    else:
        ctx.go(FLOW, Step.PLACES)
        text = ctx.t("edit_activity.ask_places", when=shift_when, capacity=shift.capacity)
        ctx.edit_pressed(text)


def done(ctx: Context, key: str, **params: object) -> None:
    ctx.finish()
    ctx.say(ctx.t(key, **params))


@router.step(FLOW, Step.TITLE)
async def receive_title(ctx: Context) -> None:
    """The coordinator typed the new title."""
    activity = await current_activity(ctx)
    title = typed_text(ctx, "edit_activity.type_text")
    await edit_activity.change_title(
        ctx.session, activity, title, actor=ctx.user_id, now=ctx.clock.now()
    )
    done(ctx, "edit_activity.saved", title=activity.title)


@router.step(FLOW, Step.DESCRIPTION)
async def receive_description(ctx: Context) -> None:
    """The coordinator typed the new description."""
    activity = await current_activity(ctx)
    description = typed_text(ctx, "edit_activity.type_text")
    await edit_activity.change_description(
        ctx.session, activity, description, actor=ctx.user_id, now=ctx.clock.now()
    )
    done(ctx, "edit_activity.saved", title=activity.title)


@router.step(FLOW, Step.ADDRESS)
async def receive_address(ctx: Context) -> None:
    """The coordinator typed the new meeting place: everyone on an upcoming shift is told."""
    activity = await current_activity(ctx)
    address = typed_text(ctx, "edit_activity.type_text")
    people = await edit_activity.change_address(
        ctx.session, activity, address, actor=ctx.user_id, now=ctx.clock.now()
    )
    shifts = await publication.shifts_of(ctx.session, activity.id)
    tell(
        ctx,
        people,
        shifts,
        "edit_activity.address_notice",
        title=activity.title,
        address=activity.address,
    )
    done(ctx, "edit_activity.saved_and_told", title=activity.title, count=len(people))


@router.step(FLOW, Step.SHIFT_DATE)
async def receive_shift_date(ctx: Context) -> None:
    """The coordinator typed the shift's new day."""
    today = formatting.today(ctx.clock.now(), ctx.deployment.zone)
    day = activity_input.parse_date(typed_text(ctx, "errors.date_format"), today=today)
    ctx.state.data = {**ctx.state.data, "shift_date": day.isoformat()}
    ctx.go(FLOW, Step.SHIFT_TIME)
    ctx.say(ctx.t("edit_activity.ask_shift_time"))


@router.step(FLOW, Step.SHIFT_TIME)
async def receive_shift_time(ctx: Context) -> None:
    """The coordinator typed the shift's new start and end: its volunteers are told."""
    activity = await current_activity(ctx)
    start, end = activity_input.parse_time_range(typed_text(ctx, "errors.time_range_format"))
    day = date.fromisoformat(ctx.state.data["shift_date"])
    starts_at, ends_at = activity_input.shift_times(day, start, end, ctx.deployment.zone)
    shift = await edit_activity.shift_of(ctx.session, activity, int(ctx.state.data["shift_id"]))
    before = (shift.starts_at, shift.ends_at)
    people = await edit_activity.change_shift_times(
        ctx.session, activity, shift.id, starts_at, ends_at, actor=ctx.user_id, now=ctx.clock.now()
    )
    for person in people:
        text = ctx.texts.get(
            person.language,
            "edit_activity.time_notice",
            title=activity.title,
            before=formatting.span(ctx.texts, person.language, ctx.deployment.zone, *before),
            when=when(ctx, person.language, shift),
        )
        ctx.outbox.add(SendMessage(chat_id=person.telegram_id, text=text))
    done(ctx, "edit_activity.saved_and_told", title=activity.title, count=len(people))


@router.step(FLOW, Step.PLACES)
async def receive_places(ctx: Context) -> None:
    """The coordinator typed the shift's new number of places; added ones are offered."""
    activity = await current_activity(ctx)
    capacity = activity_input.parse_capacity(typed_text(ctx, "edit_activity.type_text"))
    vacancy = await edit_activity.change_capacity(
        ctx.session,
        activity,
        int(ctx.state.data["shift_id"]),
        capacity,
        actor=ctx.user_id,
        now=ctx.clock.now(),
        policy=ctx.deployment.signup,
    )
    # The coordinator has just made these places; they need no notice that some are unfilled.
    await offers.announce(ctx, replace(vacancy, unfilled=0))
    done(ctx, "edit_activity.places_saved", capacity=capacity, offered=len(vacancy.offers))


# ---- cancel -----------------------------------------------------------------------------------


@router.button("act.cancel", lasting=True)
async def start_cancel(ctx: Context, press: Press) -> None:
    """The coordinator pressed Cancel on an activity's management card."""
    activity_id = int_arg(press)
    if activity_id is None:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    activity = await managed_activity(ctx, activity_id)
    shifts = await edit_activity.upcoming_shifts(ctx.session, activity, ctx.clock.now())
    if not shifts:
        raise Conflict("no_upcoming_shifts")
    ctx.finish()
    ctx.state.data = {"activity_id": activity.id}
    ctx.go(CANCEL_FLOW, CancelStep.CHOOSE)
    whole = ctx.button(ctx.t("edit_activity.cancel_whole"), "cx.what", WHOLE)
    one_each = [
        ctx.button(
            ctx.t("edit_activity.cancel_shift", when=when(ctx, ctx.lang, shift)),
            "cx.what",
            shift.id,
        )
        for shift in shifts
    ]
    ctx.say(
        ctx.t("edit_activity.cancel_choose", title=activity.title),
        keyboard([whole], *in_rows(one_each, 1)),
    )


async def what_is_cancelled(ctx: Context, activity: Activity) -> tuple[list[Shift], str]:
    """The shifts the coordinator chose to cancel, and how to name them."""
    shift_ids = ctx.state.data["shift_ids"]
    shifts = [
        shift
        for shift in await edit_activity.upcoming_shifts(ctx.session, activity, ctx.clock.now())
        if shift.id in shift_ids
    ]
    if not shifts:
        raise Conflict("no_upcoming_shifts")
    if ctx.state.data["whole"]:
        return shifts, ctx.t("edit_activity.whole_named", title=activity.title)
    return shifts, ctx.t(
        "edit_activity.shift_named", title=activity.title, when=when(ctx, ctx.lang, shifts[0])
    )


@router.button("cx.what")
async def choose_what_to_cancel(ctx: Context, press: Press) -> None:
    """The coordinator chose the whole activity or one shift."""
    activity = await current_activity(ctx)
    upcoming = await edit_activity.upcoming_shifts(ctx.session, activity, ctx.clock.now())
    chosen = int_arg(press)
    if chosen == WHOLE:
        shift_ids = [shift.id for shift in upcoming]
    elif chosen in {shift.id for shift in upcoming}:
        shift_ids = [chosen]
    else:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.state.data = {**ctx.state.data, "shift_ids": shift_ids, "whole": chosen == WHOLE}
    _, named = await what_is_cancelled(ctx, activity)
    ctx.go(CANCEL_FLOW, CancelStep.REASON)
    ctx.edit_pressed(ctx.t("edit_activity.ask_reason", what=named))


@router.step(CANCEL_FLOW, CancelStep.REASON)
async def receive_reason(ctx: Context) -> None:
    """The coordinator typed why: the volunteers will read it."""
    reason = activity_input.text(
        typed_text(ctx, "edit_activity.type_text"),
        max_chars=activity_input.DESCRIPTION_MAX_CHARS,
        code="reason",
    )
    activity = await current_activity(ctx)
    shifts, named = await what_is_cancelled(ctx, activity)
    people = await publication.affected_by(
        ctx.session, [shift.id for shift in shifts], publication.ACTIVE_STATUSES
    )
    ctx.state.data = {**ctx.state.data, "reason": reason}
    ctx.go(CANCEL_FLOW, CancelStep.CONFIRM)
    buttons = [
        ctx.button(ctx.t("edit_activity.cancel_yes"), "cx.yes"),
        ctx.button(ctx.t("edit_activity.cancel_no"), "cx.no"),
    ]
    text = ctx.t("edit_activity.cancel_confirm", what=named, reason=reason, count=len(people))
    ctx.say(text, keyboard(buttons))


@router.button("cx.yes")
async def cancel(ctx: Context, press: Press) -> None:
    """The coordinator confirmed: the shifts are cancelled and their volunteers told why."""
    activity = await current_activity(ctx)
    shifts, named = await what_is_cancelled(ctx, activity)
    reason = ctx.state.data["reason"]
    people = await publication.cancel_shifts(
        ctx.session,
        activity,
        [shift.id for shift in shifts],
        actor=ctx.user_id,
        reason=reason,
        now=ctx.clock.now(),
    )
    tell(ctx, people, shifts, "edit_activity.cancelled_notice", title=activity.title, reason=reason)
    ctx.finish()
    ctx.edit_pressed(ctx.t("edit_activity.cancel_done", what=named, count=len(people)))


@router.button("cx.no")
async def keep(ctx: Context, press: Press) -> None:
    """The coordinator changed their mind: nothing is cancelled."""
    ctx.finish()
    ctx.edit_pressed(ctx.t("edit_activity.cancel_kept"))


@router.step(FLOW, Step.CHOOSE)
@router.step(CANCEL_FLOW, CancelStep.CHOOSE, CancelStep.CONFIRM)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The coordinator typed where the question wants a button."""
    ctx.say(ctx.t("fields.use_buttons"))
