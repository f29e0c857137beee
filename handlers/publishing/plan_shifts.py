"""/new_activity, continued: the shifts (date, start–end, places; as many as needed), the
sign-up deadline and the requirements (minimum age, real name, a theme among the volunteer's
interests)."""

from __future__ import annotations

from datetime import date, datetime

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.publishing.activity_plan import (
    NEW_ACTIVITY,
    Step,
    advance,
    ask_or_skip,
    keep,
    keep_pressed,
    load_plan,
    shift_day,
    store_plan,
    theme_names,
    today,
    typed_shift_times,
    typed_text,
)
from handlers.router import Router
from models.errors import InvalidInput
from models.publishing import activity_input, publication
from models.publishing.publication import ShiftPlan

router = Router()
NONE = 0  # "no required theme" in button arguments


# ---- shifts -----------------------------------------------------------------------------------


@NEW_ACTIVITY.asks(Step.SHIFT_DATE)
async def ask_shift_date(ctx: Context) -> None:
    number = len(load_plan(ctx).shifts) + 1
    ctx.say(ctx.t("new_activity.ask_shift_date", number=number))


@router.step(NEW_ACTIVITY, Step.SHIFT_DATE)
async def receive_shift_date(ctx: Context) -> None:
    """The coordinator typed the day of a shift (1月10日, 下周六, tomorrow…)."""
    shift_day(ctx, typed_text(ctx, "errors.date_format"))
    await NEW_ACTIVITY.ask(ctx, Step.SHIFT_TIME)


@NEW_ACTIVITY.asks(Step.SHIFT_TIME)
async def ask_shift_time(ctx: Context) -> None:
    """The times, under the day understood (`1月10日（周六）`): a wrong day is typed again here."""
    day = formatting.calendar_day(
        ctx.texts, ctx.lang, date.fromisoformat(ctx.state.data["shift_date"])
    )
    ctx.say(ctx.t("new_activity.ask_shift_time", day=day))


@router.step(NEW_ACTIVITY, Step.SHIFT_TIME)
async def receive_shift_time(ctx: Context) -> None:
    """The coordinator typed when the shift starts and ends (or corrected its day)."""
    typed = await typed_shift_times(ctx, NEW_ACTIVITY)
    if typed is None:
        return
    start, end = typed
    day = date.fromisoformat(ctx.state.data["shift_date"])
    starts_at, ends_at = activity_input.shift_times(day, start, end, ctx.deployment.zone)
    if starts_at <= ctx.clock.now():
        raise InvalidInput("shift_in_past")
    times = {"shift_starts": starts_at.isoformat(), "shift_ends": ends_at.isoformat()}
    ctx.state.data = {**ctx.state.data, **times}
    await NEW_ACTIVITY.ask(ctx, Step.SHIFT_PLACES)


def _shift_times(ctx: Context) -> tuple[datetime, datetime]:
    data = ctx.state.data
    return datetime.fromisoformat(data["shift_starts"]), datetime.fromisoformat(data["shift_ends"])


@NEW_ACTIVITY.asks(Step.SHIFT_PLACES)
async def ask_shift_places(ctx: Context) -> None:
    starts_at, ends_at = _shift_times(ctx)
    when = formatting.span(ctx.texts, ctx.lang, ctx.deployment.zone, starts_at, ends_at)
    ctx.say(ctx.t("new_activity.ask_shift_places", when=when))


@router.step(NEW_ACTIVITY, Step.SHIFT_PLACES)
async def receive_shift_places(ctx: Context) -> None:
    """The coordinator typed how many volunteers the shift needs."""
    capacity = activity_input.parse_capacity(typed_text(ctx, "new_activity.places_as_text"))
    shift = ShiftPlan(*_shift_times(ctx), capacity=capacity)
    publication.check_shift(shift, now=ctx.clock.now())
    plan = load_plan(ctx)
    plan.shifts.append(shift)
    plan.shifts.sort(key=lambda s: s.starts_at)
    store_plan(ctx, plan)
    await NEW_ACTIVITY.ask(ctx, Step.MORE_SHIFTS)


@NEW_ACTIVITY.asks(Step.MORE_SHIFTS)
async def ask_more_shifts(ctx: Context) -> None:
    plan = load_plan(ctx)
    lines = [
        ctx.t(
            "new_activity.shift_line",
            when=formatting.span(
                ctx.texts, ctx.lang, ctx.deployment.zone, shift.starts_at, shift.ends_at
            ),
            capacity=shift.capacity,
        )
        for shift in plan.shifts
    ]
    buttons = [
        [ctx.button(ctx.t("new_activity.add_shift"), AddShift())],
        [ctx.button(ctx.t("new_activity.shifts_done"), FinishShifts())],
    ]
    ctx.say(ctx.t("new_activity.shifts_so_far", shifts="\n".join(lines)), keyboard(*buttons))


class AddShift(Button, action="na.add_shift"):
    """The coordinator wants another shift."""


@router.button(AddShift)
async def add_shift(ctx: Context, add: AddShift) -> None:
    """The coordinator wants another shift."""
    if len(load_plan(ctx).shifts) >= activity_input.SHIFTS_MAX:
        raise InvalidInput("shifts_too_many", max=activity_input.SHIFTS_MAX)
    ctx.edit_pressed(ctx.t("new_activity.adding_shift"))
    await NEW_ACTIVITY.ask(ctx, Step.SHIFT_DATE)


class FinishShifts(Button, action="na.shifts_done"):
    """The coordinator has entered every shift."""


@router.button(FinishShifts)
async def shifts_done(ctx: Context, done: FinishShifts) -> None:
    """The coordinator has entered every shift."""
    plan = load_plan(ctx)
    ctx.edit_pressed(ctx.t("new_activity.shifts_entered", count=len(plan.shifts)))
    await advance(ctx, plan, Step.MORE_SHIFTS)


# ---- conditions -------------------------------------------------------------------------------


@NEW_ACTIVITY.asks(Step.DEADLINE)
async def ask_deadline(ctx: Context) -> None:
    ask_or_skip(ctx, "new_activity.ask_deadline", "new_activity.no_deadline", SkipDeadline())


@router.step(NEW_ACTIVITY, Step.DEADLINE)
async def receive_deadline(ctx: Context) -> None:
    """The coordinator typed when sign-up closes."""
    deadline = activity_input.parse_deadline(
        typed_text(ctx, "errors.deadline_format"), today=today(ctx), zone=ctx.deployment.zone
    )
    if deadline <= ctx.clock.now():
        raise InvalidInput("deadline_past")
    if deadline > max(shift.starts_at for shift in load_plan(ctx).shifts):
        raise InvalidInput("deadline_after_shifts")
    said = formatting.moment(ctx.texts, ctx.lang, deadline, ctx.deployment.zone)
    ctx.say(ctx.t("new_activity.deadline_chosen", deadline=said))  # as a pressed button shows
    await keep(ctx, Step.DEADLINE, signup_deadline=deadline)


class SkipDeadline(Button, action="na.no_deadline"):
    """Sign-up stays open until each shift starts."""


@router.button(SkipDeadline)
async def no_deadline(ctx: Context, skip: SkipDeadline) -> None:
    """Sign-up stays open until each shift starts."""
    shown = ctx.t("new_activity.no_deadline_chosen")
    await keep_pressed(ctx, Step.DEADLINE, shown, signup_deadline=None)


@NEW_ACTIVITY.asks(Step.MIN_AGE)
async def ask_min_age(ctx: Context) -> None:
    ask_or_skip(ctx, "new_activity.ask_min_age", "new_activity.no_min_age", SkipMinAge())


@router.step(NEW_ACTIVITY, Step.MIN_AGE)
async def receive_min_age(ctx: Context) -> None:
    """The coordinator typed the minimum age."""
    min_age = activity_input.parse_min_age(typed_text(ctx, "new_activity.ask_min_age"))
    await keep(ctx, Step.MIN_AGE, min_age=min_age)


class SkipMinAge(Button, action="na.no_min_age"):
    """Volunteers of any age may come."""


@router.button(SkipMinAge)
async def no_min_age(ctx: Context, skip: SkipMinAge) -> None:
    """Volunteers of any age may come."""
    shown = ctx.t("new_activity.no_min_age_chosen")
    await keep_pressed(ctx, Step.MIN_AGE, shown, min_age=None)


@NEW_ACTIVITY.asks(Step.REAL_NAME)
async def ask_real_name(ctx: Context) -> None:
    buttons = [
        ctx.button(ctx.t("new_activity.real_name_yes"), ChooseRealName(required=True)),
        ctx.button(ctx.t("new_activity.real_name_no"), ChooseRealName(required=False)),
    ]
    ctx.say(ctx.t("new_activity.ask_real_name"), keyboard(buttons))


class ChooseRealName(Button, action="na.real_name"):
    """The coordinator says whether volunteers must be registered under their real name."""

    required: bool


@router.button(ChooseRealName)
async def pick_real_name(ctx: Context, choice: ChooseRealName) -> None:
    """The coordinator said whether volunteers must be registered under their real name."""
    required = choice.required
    key = "new_activity.real_name_required" if required else "new_activity.real_name_optional"
    await keep_pressed(ctx, Step.REAL_NAME, ctx.t(key), require_real_name=required)


@NEW_ACTIVITY.asks(Step.REQUIRED_THEME)
async def ask_required_theme(ctx: Context) -> None:
    themes = ctx.choices(await theme_names(ctx), ChooseRequiredTheme, 2)
    none = ctx.button(ctx.t("new_activity.no_required_theme"), ChooseRequiredTheme(NONE))
    ctx.say(ctx.t("new_activity.ask_required_theme"), keyboard(*themes, [none]))


class ChooseRequiredTheme(Button, action="na.req_theme"):
    """The coordinator picks the theme volunteers must have among their interests (or NONE)."""

    theme_id: int


@router.button(ChooseRequiredTheme)
async def pick_required_theme(ctx: Context, choice: ChooseRequiredTheme) -> None:
    """The coordinator chose the theme volunteers must have among their interests, or none."""
    themes = {**await theme_names(ctx), NONE: ctx.t("new_activity.none")}
    theme = themes.get(choice.theme_id)
    shown = None if theme is None else ctx.t("new_activity.required_theme_chosen", theme=theme)
    await keep_pressed(ctx, Step.REQUIRED_THEME, shown, required_theme_id=choice.theme_id or None)
