"""Reminders before a shift, and the volunteer's answer to one: "I'll be there", or "I can't
come" (with a confirmation), which gives the place back at once — even past the usual cut-off,
since a late notice beats a no-show — and offers it to the first person waiting."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from handlers import formatting
from handlers.activities import offers
from handlers.activities.cards import venue_pin
from handlers.attendance.checkin import CheckOut
from handlers.callbacks import OnSignup
from handlers.context import Context, keyboard
from handlers.events import Outbox
from handlers.notify import Notifier
from handlers.router import Router
from models.activities import signup
from models.activities.tables import Activity, Shift, Signup, SignupStatus
from models.errors import NotAllowed
from models.reminders import before_shift
from models.reminders.before_shift import Due

router = Router()


def remind(notify: Notifier, due: Due) -> Outbox:
    """The reminder message: before the shift (under the venue's pin, where the activity has
    one), or after it to someone who forgot to check out."""
    if before_shift.is_checkout(due.reminder.kind):
        return _to_check_out(notify, due)
    volunteer, shift, activity = due.volunteer, due.shift, due.activity
    assert volunteer.telegram_id is not None
    language, telegram_id = volunteer.language, volunteer.telegram_id
    outbox = Outbox()
    text = notify.text(
        language,
        "reminders.before",
        title=activity.title,
        when=notify.when(language, shift),
        address=activity.address,
    )
    buttons = [
        notify.button(telegram_id, language, "reminders.coming", ConfirmComing(due.signup.id)),
        notify.button(
            telegram_id, language, "reminders.not_coming", ReportNotComing(due.signup.id)
        ),
    ]
    if (pin := venue_pin(telegram_id, activity)) is not None:
        outbox.add(pin)
    replace(notify, outbox=outbox).send(telegram_id, text, buttons)
    return outbox


def _to_check_out(notify: Notifier, due: Due) -> Outbox:
    volunteer, shift, activity = due.volunteer, due.shift, due.activity
    assert volunteer.telegram_id is not None
    language, telegram_id = volunteer.language, volunteer.telegram_id
    outbox = Outbox()
    text = notify.text(
        language, "reminders.check_out", title=activity.title, when=notify.when(language, shift)
    )
    button = notify.button(
        telegram_id, language, "reminders.check_out_now", CheckOut(due.signup.id)
    )
    replace(notify, outbox=outbox).send(telegram_id, text, [button])
    return outbox


async def _mine(ctx: Context, signup_id: int) -> tuple[Signup, Shift, Activity]:
    mine = await ctx.session.get(Signup, signup_id)
    if ctx.volunteer is None or mine is None or mine.volunteer_id != ctx.volunteer.id:
        raise NotAllowed("not_your_signup")
    shift = await ctx.session.get(Shift, mine.shift_id)
    assert shift is not None
    activity = await ctx.session.get(Activity, shift.activity_id)
    assert activity is not None
    return mine, shift, activity


class ConfirmComing(OnSignup, action="rem.yes", lasting=True):
    """The volunteer will be there."""


@router.button(ConfirmComing)
async def coming(ctx: Context, answer: ConfirmComing) -> None:
    """The volunteer confirmed they will be there."""
    mine, shift, activity = await _mine(ctx, answer.signup_id)
    if mine.status != SignupStatus.CONFIRMED:
        ctx.answer(ctx.t("errors.not_signed_up"), alert=True)
        return
    when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
    ctx.edit_pressed(ctx.t("reminders.see_you", title=activity.title, when=when))


class ReportNotComing(OnSignup, action="rem.no", lasting=True):
    """The volunteer can't come (asked once more before the place is given back)."""


@router.button(ReportNotComing)
async def not_coming(ctx: Context, answer: ReportNotComing) -> None:
    """The volunteer can't come: ask before giving the place away."""
    mine, shift, activity = await _mine(ctx, answer.signup_id)
    when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
    ctx.edit_pressed(
        ctx.t("reminders.confirm_not_coming", title=activity.title, when=when),
        keyboard(
            [
                ctx.button(ctx.t("reminders.not_coming_yes"), GiveBackPlace(mine.id)),
                ctx.button(ctx.t("reminders.coming"), ConfirmComing(mine.id)),
            ]
        ),
    )


class GiveBackPlace(OnSignup, action="rem.no_ok", lasting=True):
    """The volunteer confirms they can't come: the place goes to whoever waits first."""


@router.button(GiveBackPlace)
async def give_back(ctx: Context, answer: GiveBackPlace) -> None:
    """The volunteer confirmed they can't come: the place goes to whoever waits first."""
    mine, _, _ = await _mine(ctx, answer.signup_id)
    vacancy = await ctx.apply_signup_rule(partial(signup.cancel, after_cutoff=True), mine.id)
    await offers.announce(ctx, vacancy)
    ctx.edit_pressed(ctx.t("reminders.given_back"))
