"""Cancelling a published activity, from the Cancel button on its management card: the whole
activity or one shift, with a reason every volunteer signed up or waiting reads, after a
confirmation. Every step checks afresh that the user manages the activity's team, whatever button
brought them here (`edit_activity.current_activity`).
"""

from __future__ import annotations

from enum import StrEnum

from handlers.callbacks import Button, OnActivity, OnShift
from handlers.context import Context, keyboard
from handlers.flows import Flow
from handlers.publishing.activity_plan import checked_text
from handlers.publishing.edit_activity import (
    begin,
    current_activity,
    managed_activity,
    tell,
    typed_at_a_button_step,
    when,
)
from handlers.router import Router
from models.activities import places
from models.activities.tables import Activity, Shift
from models.errors import Conflict
from models.publishing import activity_input, edit_activity, publication

router = Router()
WHOLE = 0  # "every upcoming shift" in the cancel buttons' arguments


class CancelStep(StrEnum):
    CHOOSE = "choose"
    REASON = "reason"
    CONFIRM = "confirm"


CANCEL_ACTIVITY = Flow(
    "cancel_activity",
    CancelStep,
    starts=(CancelStep.CHOOSE,),
    moves={CancelStep.CHOOSE: (CancelStep.REASON,), CancelStep.REASON: (CancelStep.CONFIRM,)},
)


class CancelActivity(OnActivity, action="act.cancel", lasting=True):
    """Cancel, on an activity's management card."""


@router.button(CancelActivity)
async def start_cancel(ctx: Context, cancelling: CancelActivity) -> None:
    """The coordinator pressed Cancel on an activity's management card."""
    activity = await managed_activity(ctx, cancelling.activity_id)
    if not await edit_activity.upcoming_shifts(ctx.session, activity, ctx.clock.now()):
        raise Conflict("no_upcoming_shifts")
    await begin(ctx, CANCEL_ACTIVITY, CancelStep.CHOOSE, activity)


@CANCEL_ACTIVITY.asks(CancelStep.CHOOSE)
async def ask_what_to_cancel(ctx: Context) -> None:
    activity = await current_activity(ctx)
    shifts = await edit_activity.upcoming_shifts(ctx.session, activity, ctx.clock.now())
    named = {WHOLE: ctx.t("edit_activity.cancel_whole")}
    for shift in shifts:
        named[shift.id] = ctx.t("edit_activity.cancel_shift", when=when(ctx, ctx.lang, shift))
    choices = ctx.choices(named, ChooseWhatToCancel)
    ctx.say(ctx.t("edit_activity.cancel_choose", title=activity.title), keyboard(*choices))


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


class ChooseWhatToCancel(OnShift, action="cx.what"):
    """The coordinator picks the whole activity (WHOLE) or one shift to cancel."""


@router.button(ChooseWhatToCancel)
async def choose_what_to_cancel(ctx: Context, choice: ChooseWhatToCancel) -> None:
    """The coordinator chose the whole activity or one shift."""
    activity = await current_activity(ctx)
    upcoming = await edit_activity.upcoming_shifts(ctx.session, activity, ctx.clock.now())
    chosen = choice.shift_id
    if chosen == WHOLE:
        shift_ids = [shift.id for shift in upcoming]
    elif chosen in {shift.id for shift in upcoming}:
        shift_ids = [chosen]
    else:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.state.data = {**ctx.state.data, "shift_ids": shift_ids, "whole": chosen == WHOLE}
    await CANCEL_ACTIVITY.ask(ctx, CancelStep.REASON)


@CANCEL_ACTIVITY.asks(CancelStep.REASON)
async def ask_reason(ctx: Context) -> None:
    _, named = await what_is_cancelled(ctx, await current_activity(ctx))
    ctx.edit_pressed(ctx.t("edit_activity.ask_reason", what=named))


@router.step(CANCEL_ACTIVITY, CancelStep.REASON)
async def receive_reason(ctx: Context) -> None:
    """The coordinator typed why: the volunteers will read it."""
    reason = checked_text(
        ctx, "edit_activity.type_text", "reason", activity_input.DESCRIPTION_MAX_CHARS
    )
    ctx.state.data = {**ctx.state.data, "reason": reason}
    await CANCEL_ACTIVITY.ask(ctx, CancelStep.CONFIRM)


@CANCEL_ACTIVITY.asks(CancelStep.CONFIRM)
async def ask_confirmation(ctx: Context) -> None:
    shifts, named = await what_is_cancelled(ctx, await current_activity(ctx))
    people = await publication.affected_by(
        ctx.session, [shift.id for shift in shifts], places.ACTIVE
    )
    buttons = [
        ctx.button(ctx.t("edit_activity.cancel_yes"), ConfirmCancel()),
        ctx.button(ctx.t("edit_activity.cancel_no"), KeepActivity()),
    ]
    reason = ctx.state.data["reason"]
    text = ctx.t("edit_activity.cancel_confirm", what=named, reason=reason, count=len(people))
    ctx.say(text, keyboard(buttons))


class ConfirmCancel(Button, action="cx.yes"):
    """The coordinator confirms the cancellation."""


@router.button(ConfirmCancel)
async def cancel(ctx: Context, confirm: ConfirmCancel) -> None:
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


class KeepActivity(Button, action="cx.no"):
    """The coordinator changes their mind: nothing is cancelled."""


@router.button(KeepActivity)
async def keep(ctx: Context, keeping: KeepActivity) -> None:
    """The coordinator changed their mind: nothing is cancelled."""
    ctx.finish()
    ctx.edit_pressed(ctx.t("edit_activity.cancel_kept"))


# Typing where a button is wanted gets the same answer as in the edit flow.
router.step(CANCEL_ACTIVITY, CancelStep.CHOOSE, CancelStep.CONFIRM)(typed_at_a_button_step)
