"""Making an activity recurring (🔁 on its rota): the coordinator taps the days of the week,
how often, and an end date (typed, or none), sees the rule in full and saves it; its first weeks
of shifts are made at once, with the hours and places of the activity's latest shift.
Changing the rule runs the same conversation; dates already made stay as they are.
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum

from handlers import formatting
from handlers.callbacks import Button, OnActivity
from handlers.context import Context, in_rows, keyboard
from handlers.flows import Flow
from handlers.publishing import activity_plan
from handlers.publishing import edit_activity as editing
from handlers.rotas import rota_view, wording
from handlers.router import Router
from models import dates
from models.errors import InvalidInput
from models.rotas import generation, rules
from models.rotas.rules import RulePlan

router = Router()
EVERY_CHOICES = (1, 2, 3, 4)  # weeks; a longer cycle is rare enough to leave out


class RuleStep(StrEnum):
    DAYS = "days"
    EVERY = "every"
    END = "end"
    CONFIRM = "confirm"


ROTA_RULE = Flow(
    "rota_rule",
    RuleStep,
    starts=(RuleStep.DAYS,),
    moves={
        RuleStep.DAYS: (RuleStep.EVERY,),
        RuleStep.EVERY: (RuleStep.END,),
        RuleStep.END: (RuleStep.CONFIRM,),
    },
)


class MakeRecurring(OnActivity, action="rota.rule", lasting=True):
    """A coordinator makes an activity recurring, or changes its rule."""


@router.button(MakeRecurring)
async def start(ctx: Context, making: MakeRecurring) -> None:
    """The coordinator tapped "make it recurring" (or "change the rule")."""
    activity = await editing.managed_activity(ctx, making.activity_id)
    shift = await rules.last_shift(ctx.session, activity)
    zone = ctx.deployment.zone
    starts, ends = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
    if ends.date() != starts.date():
        raise InvalidInput("rota_overnight")
    rule = await rules.rule_of(ctx.session, activity.id)
    days = rules.days_of(rule.weekdays) if rule else [starts.weekday()]
    await ROTA_RULE.begin(
        ctx,
        RuleStep.DAYS,
        activity_id=activity.id,
        days=days,
        every=rule.every_weeks if rule else 1,
        start=starts.time().isoformat("minutes"),
        end=ends.time().isoformat("minutes"),
        capacity=shift.capacity,
    )


def _plan(ctx: Context) -> RulePlan:
    """The rule as chosen so far, running from today."""
    data = ctx.state.data
    ends_on = data.get("ends_on")
    return RulePlan(
        weekdays=frozenset(data["days"]),
        every_weeks=int(data["every"]),
        starts_on=formatting.today(ctx.clock.now(), ctx.deployment.zone),
        ends_on=date.fromisoformat(ends_on) if ends_on else None,
        start_time=time.fromisoformat(data["start"]),
        end_time=time.fromisoformat(data["end"]),
        capacity=int(data["capacity"]),
    )


# ---- the days of the week ----------------------------------------------------------------


@ROTA_RULE.asks(RuleStep.DAYS)
async def ask_days(ctx: Context) -> None:
    await _days_question(ctx, edit=False)


async def _days_question(ctx: Context, *, edit: bool) -> None:
    """The days of the week, each a button showing whether it is chosen."""
    activity = await editing.current_activity(ctx)
    plan = _plan(ctx)
    buttons = []
    for day in rules.WEEKDAYS:
        name = formatting.weekdays(ctx.texts, ctx.lang, [day])
        key = "rotas.day_on" if day in plan.weekdays else "rotas.day_off"
        buttons.append(ctx.button(ctx.t(key, day=name), ToggleDay(day)))
    start, end = wording.hours(ctx.texts, ctx.lang, plan)
    text = ctx.t(
        "rotas.ask_days", title=activity.title, start=start, end=end, capacity=plan.capacity
    )
    markup = keyboard(*in_rows(buttons, 4), [ctx.button(ctx.t("rotas.days_done"), DaysChosen())])
    ctx.reply(text, markup, edit=edit)


class ToggleDay(Button, action="rota.day"):
    """The coordinator taps a day of the week on or off."""

    day: int


@router.button(ToggleDay)
async def toggle_day(ctx: Context, toggled: ToggleDay) -> None:
    """The coordinator tapped a day: on if it was off, off if it was on."""
    if toggled.day not in rules.WEEKDAYS:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    days = set(ctx.state.data["days"]) ^ {toggled.day}
    ctx.state.data = {**ctx.state.data, "days": sorted(days)}
    await _days_question(ctx, edit=True)


class DaysChosen(Button, action="rota.days_ok"):
    """The coordinator has chosen the days."""


@router.button(DaysChosen)
async def days_chosen(ctx: Context, chosen: DaysChosen) -> None:
    """The coordinator is done choosing days."""
    if not ctx.state.data["days"]:
        ctx.answer(ctx.t("errors.rota_no_weekdays"), alert=True)
        return
    await ROTA_RULE.ask(ctx, RuleStep.EVERY)


# ---- how often, until when ---------------------------------------------------------------


@ROTA_RULE.asks(RuleStep.EVERY)
async def ask_every(ctx: Context) -> None:
    labels = {
        weeks: ctx.t("rotas.every_choice_one" if weeks == 1 else "rotas.every_choice", weeks=weeks)
        for weeks in EVERY_CHOICES
    }
    ctx.edit_pressed(ctx.t("rotas.ask_every"), keyboard(*ctx.choices(labels, ChooseEvery, 2)))


class ChooseEvery(Button, action="rota.every"):
    """The coordinator chooses every how many weeks."""

    weeks: int


@router.button(ChooseEvery)
async def choose_every(ctx: Context, chosen: ChooseEvery) -> None:
    """The coordinator chose how often."""
    if chosen.weeks not in EVERY_CHOICES:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.state.data = {**ctx.state.data, "every": chosen.weeks}
    await ROTA_RULE.ask(ctx, RuleStep.END)


@ROTA_RULE.asks(RuleStep.END)
async def ask_end(ctx: Context) -> None:
    ctx.edit_pressed(
        ctx.t("rotas.ask_end"), keyboard([ctx.button(ctx.t("rotas.no_end"), NoEndDate())])
    )


@router.step(ROTA_RULE, RuleStep.END)
async def receive_end(ctx: Context) -> None:
    """The coordinator typed the last date."""
    typed = activity_plan.typed_text(ctx, "rotas.ask_end")
    today = formatting.today(ctx.clock.now(), ctx.deployment.zone)
    day = dates.parse_day(typed, today=today)
    if day < today:
        raise InvalidInput(
            "rota_end_before_start", starts=formatting.calendar_day(ctx.texts, ctx.lang, today)
        )
    ctx.state.data = {**ctx.state.data, "ends_on": day.isoformat()}
    await ROTA_RULE.ask(ctx, RuleStep.CONFIRM)


class NoEndDate(Button, action="rota.no_end"):
    """The rota runs until it is changed."""


@router.button(NoEndDate)
async def no_end(ctx: Context, chosen: NoEndDate) -> None:
    """The coordinator wants no end date."""
    ctx.state.data = {**ctx.state.data, "ends_on": None}
    await ROTA_RULE.ask(ctx, RuleStep.CONFIRM)


# ---- confirmation ------------------------------------------------------------------------


@ROTA_RULE.asks(RuleStep.CONFIRM)
async def ask_confirmation(ctx: Context) -> None:
    activity = await editing.current_activity(ctx)
    plan = _plan(ctx)
    rules.check_plan(plan)
    text = ctx.t(
        "rotas.confirm",
        title=activity.title,
        rule=wording.rule_text(ctx.texts, ctx.lang, plan),
        capacity=plan.capacity,
        weeks=ctx.deployment.rota_weeks_ahead,
    )
    buttons = [
        ctx.button(ctx.t("rotas.save"), SaveRule()),
        ctx.button(ctx.t("rotas.drop"), DropRule()),
    ]
    ctx.reply(text, keyboard(buttons), edit=ctx.event.press is not None)


class SaveRule(Button, action="rota.save"):
    """The coordinator saves the rule."""


@router.button(SaveRule)
async def save(ctx: Context, saving: SaveRule) -> None:
    """The coordinator saved the rule: its first weeks of shifts are made now."""
    activity = await editing.current_activity(ctx)
    now = ctx.clock.now()
    rule = await rules.save_rule(ctx.session, activity, _plan(ctx), actor=ctx.user_id, now=now)
    made = await generation.generate(
        ctx.session,
        now=now,
        zone=ctx.deployment.zone,
        weeks_ahead=ctx.deployment.rota_weeks_ahead,
        policy=ctx.deployment.signup,
        activity_id=activity.id,
    )
    ctx.finish()
    ctx.edit_pressed(ctx.t("rotas.saved", count=len(made)))
    await rota_view.say_rota(ctx, activity, rule)


class DropRule(Button, action="rota.drop"):
    """The coordinator changes their mind: nothing is saved."""


@router.button(DropRule)
async def drop(ctx: Context, dropping: DropRule) -> None:
    """The coordinator changed their mind."""
    ctx.finish()
    ctx.edit_pressed(ctx.t("rotas.dropped"))


@router.step(ROTA_RULE, RuleStep.DAYS, RuleStep.EVERY, RuleStep.CONFIRM)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The coordinator typed where the question wants a button (as in the edit flow)."""
    await editing.typed_at_a_button_step(ctx)
