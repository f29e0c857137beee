"""Standing slots, for volunteers: take an activity's every date (🔁 on its card), see the
coming dates and their place on each (/slots), skip one date (the place goes to whoever waits
first, by the usual offer) or leave the slot (after a confirmation). A single date is signed up
for as any shift, on the card."""

from __future__ import annotations

from handlers import formatting
from handlers.activities import offers
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.events import InlineButton
from handlers.rotas import wording
from handlers.router import Router
from models.activities.tables import SignupStatus
from models.errors import Conflict
from models.publishing import publication
from models.rotas import rules, slots
from models.rotas.slots import SlotDate

router = Router()


@router.command("slots", menu=45, registered=True)
async def list_slots(ctx: Context) -> None:
    """The volunteer asked for their standing slots."""
    held = await slots.slots_of(ctx.session, ctx.registered_volunteer.id)
    if not held:
        ctx.say(ctx.t("rotas.slots_none"))
        return
    for slot, _, _ in held:
        await show_slot(ctx, slot.id, edit=False)


async def show_slot(ctx: Context, slot_id: int, *, edit: bool) -> None:
    """One standing slot: its rule, and the volunteer's place on each coming date, with a
    button to skip each date they hold or wait for, and one to leave."""
    slot, rule, activity = await slots.own_slot(ctx.session, ctx.registered_volunteer, slot_id)
    rule_text = wording.rule_text(ctx.texts, ctx.lang, rules.plan_of(rule))
    lines = [ctx.t("rotas.slot_header", title=activity.title, rule=rule_text)]
    rows: list[list[InlineButton]] = []
    for date_ in await slots.coming_dates(ctx.session, slot, ctx.clock.now()):
        lines.append(_date_line(ctx, date_))
        if date_.mine is not None:
            day = formatting.day(ctx.texts, ctx.lang, date_.shift.starts_at, ctx.deployment.zone)
            skip = SkipDate(slot.id, date_.shift.id)
            rows.append([ctx.button(ctx.t("rotas.skip_button", day=day), skip)])
    rows.append([ctx.button(ctx.t("rotas.leave_button"), LeaveSlot(slot.id))])
    ctx.reply("\n".join(lines), keyboard(*rows), edit=edit)


def _date_line(ctx: Context, date_: SlotDate) -> str:
    when = formatting.when(ctx.texts, ctx.lang, date_.shift, ctx.deployment.zone)
    if date_.mine is None:
        return ctx.t("rotas.slot_skipped" if date_.skipped else "rotas.slot_none", when=when)
    key = {
        SignupStatus.CONFIRMED: "rotas.slot_confirmed",
        SignupStatus.OFFERED: "rotas.slot_offered",
    }.get(date_.mine.status, "rotas.slot_waiting")
    return ctx.t(key, when=when)


class TakeSlot(Button, action="rota.take", lasting=True):
    """A volunteer takes an activity's standing slot (on its card)."""

    activity_id: int


@router.button(TakeSlot, registered=True, refusal="signup_not_registered")
async def take(ctx: Context, taking: TakeSlot) -> None:
    """The volunteer tapped 🔁 on a recurring activity's card."""
    activity = await publication.get_activity(ctx.session, taking.activity_id)
    rule = await rules.rule_of(ctx.session, activity.id)
    if rule is None:
        raise Conflict("not_recurring")
    slot = await slots.take_slot(
        ctx.session,
        ctx.registered_volunteer,
        rule,
        now=ctx.clock.now(),
        policy=ctx.deployment.signup,
    )
    ctx.say(ctx.t("rotas.taken", title=activity.title))
    await show_slot(ctx, slot.id, edit=False)


class SkipDate(Button, action="rota.skip", lasting=True):
    """The holder of a standing slot will not come on one date."""

    slot_id: int
    shift_id: int


@router.button(SkipDate, registered=True)
async def skip(ctx: Context, skipping: SkipDate) -> None:
    """The volunteer skips one date: their place is offered on to whoever waits first."""
    vacancy = await slots.skip_date(
        ctx.session,
        ctx.registered_volunteer,
        skipping.slot_id,
        skipping.shift_id,
        now=ctx.clock.now(),
        policy=ctx.deployment.signup,
    )
    if vacancy is not None:
        await offers.announce(ctx, vacancy)
    ctx.answer(ctx.t("rotas.skipped"))
    await show_slot(ctx, skipping.slot_id, edit=True)


class LeaveSlot(Button, action="rota.leave", lasting=True):
    """The holder of a standing slot wants to leave it (asks to confirm)."""

    slot_id: int


@router.button(LeaveSlot, registered=True)
async def ask_leave(ctx: Context, leaving: LeaveSlot) -> None:
    """The volunteer tapped "leave the standing slot"."""
    slot, _, activity = await slots.own_slot(ctx.session, ctx.registered_volunteer, leaving.slot_id)
    coming = await slots.coming_dates(ctx.session, slot, ctx.clock.now())
    count = sum(1 for date_ in coming if date_.mine is not None)
    ctx.say(
        ctx.t("rotas.leave_confirm", title=activity.title, count=count),
        keyboard(
            [
                ctx.button(ctx.t("rotas.leave_yes"), ConfirmLeave(slot.id)),
                ctx.button(ctx.t("rotas.leave_no"), StayInSlot()),
            ]
        ),
    )


class ConfirmLeave(Button, action="rota.leave_ok", lasting=True):
    """The volunteer confirms they leave the standing slot."""

    slot_id: int


@router.button(ConfirmLeave, registered=True)
async def leave(ctx: Context, leaving: ConfirmLeave) -> None:
    """The volunteer confirmed: their coming places are given back and offered on."""
    _, _, activity = await slots.own_slot(ctx.session, ctx.registered_volunteer, leaving.slot_id)
    left = await slots.leave_slot(
        ctx.session,
        ctx.registered_volunteer,
        leaving.slot_id,
        now=ctx.clock.now(),
        policy=ctx.deployment.signup,
    )
    for vacancy in left.vacancies:
        await offers.announce(ctx, vacancy)
    lines = [ctx.t("rotas.left", title=activity.title)]
    if left.kept:
        zone = ctx.deployment.zone
        kept = [formatting.when(ctx.texts, ctx.lang, shift, zone) for shift in left.kept]
        lines.append(ctx.t("rotas.left_kept", dates=formatting.joined(ctx.texts, ctx.lang, kept)))
    ctx.edit_pressed("\n".join(lines))


class StayInSlot(Button, action="rota.stay", lasting=True):
    """The volunteer changed their mind about leaving."""


@router.button(StayInSlot, registered=True)
async def stay(ctx: Context, staying: StayInSlot) -> None:
    """The volunteer keeps the standing slot."""
    ctx.edit_pressed(ctx.t("rotas.stayed"))
