"""The /new_activity conversation's shared parts: its steps, their declaration (`NEW_ACTIVITY`),
the order of the questions the first time through, the plan kept in the conversation state, and
moving from one question to the next.

Each step's question lives with its answer handlers (`new_activity`, `plan_shifts`,
`plan_preview`) and registers itself with `@NEW_ACTIVITY.asks(step)`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from enum import StrEnum
from typing import Any, TypeVar

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.flows import Flow
from models import dates
from models.errors import InvalidInput
from models.publishing import activity_input
from models.publishing.publication import ActivityPlan
from models.registration import volunteers

T = TypeVar("T")


class Step(StrEnum):
    TITLE = "title"
    DESCRIPTION = "description"
    THEME = "theme"
    TEAM = "team"
    DISTRICT = "district"
    ADDRESS = "address"
    LOCATION = "location"
    SHIFT_DATE = "shift_date"
    SHIFT_TIME = "shift_time"
    SHIFT_PLACES = "shift_places"
    MORE_SHIFTS = "more_shifts"
    DEADLINE = "deadline"
    MIN_AGE = "min_age"
    REAL_NAME = "real_name"
    REQUIRED_THEME = "required_theme"
    PREVIEW = "preview"
    CHOOSE_EDIT = "choose_edit"
    DISCARD = "discard"


class Part(StrEnum):
    """The parts of the preview that can be edited."""

    TITLE = "title"
    DESCRIPTION = "description"
    THEME = "theme"
    DISTRICT = "district"
    ADDRESS = "address"
    SHIFTS = "shifts"
    DEADLINE = "deadline"
    REQUIREMENTS = "requirements"


# Each part's first question; when editing, the last question of a part leads back to the preview.
PARTS = {
    Part.TITLE: Step.TITLE,
    Part.DESCRIPTION: Step.DESCRIPTION,
    Part.THEME: Step.THEME,
    Part.DISTRICT: Step.DISTRICT,
    Part.ADDRESS: Step.ADDRESS,
    Part.SHIFTS: Step.SHIFT_DATE,
    Part.DEADLINE: Step.DEADLINE,
    Part.REQUIREMENTS: Step.MIN_AGE,
}
PART_ENDS = {
    Step.TITLE,
    Step.DESCRIPTION,
    Step.THEME,
    Step.DISTRICT,
    Step.LOCATION,
    Step.MORE_SHIFTS,
    Step.DEADLINE,
    Step.REQUIRED_THEME,
}
# The question after each answer, the first time through (the shift steps chain by themselves).
NEXT = {
    Step.TITLE: Step.DESCRIPTION,
    Step.DESCRIPTION: Step.THEME,
    Step.THEME: Step.TEAM,
    Step.TEAM: Step.DISTRICT,
    Step.DISTRICT: Step.ADDRESS,
    Step.ADDRESS: Step.LOCATION,
    Step.LOCATION: Step.SHIFT_DATE,
    Step.MORE_SHIFTS: Step.DEADLINE,
    Step.DEADLINE: Step.MIN_AGE,
    Step.MIN_AGE: Step.REAL_NAME,
    Step.REAL_NAME: Step.REQUIRED_THEME,
    Step.REQUIRED_THEME: Step.PREVIEW,
}

NEW_ACTIVITY = Flow(
    "new_activity",
    Step,
    starts=(Step.TITLE,),
    moves={
        # The next question (NEXT), or the preview again at the end of an edited part.
        Step.TITLE: (Step.DESCRIPTION, Step.PREVIEW),
        Step.DESCRIPTION: (Step.THEME, Step.PREVIEW),
        Step.THEME: (Step.TEAM, Step.DISTRICT, Step.PREVIEW),  # no team question for one team
        Step.TEAM: (Step.DISTRICT,),
        Step.DISTRICT: (Step.ADDRESS, Step.PREVIEW),
        Step.ADDRESS: (Step.LOCATION, Step.SHIFT_DATE, Step.PREVIEW),  # a station gives a pin
        Step.LOCATION: (Step.SHIFT_DATE, Step.PREVIEW),
        Step.SHIFT_DATE: (Step.SHIFT_TIME,),
        Step.SHIFT_TIME: (Step.SHIFT_PLACES,),
        Step.SHIFT_PLACES: (Step.MORE_SHIFTS,),
        Step.MORE_SHIFTS: (Step.SHIFT_DATE, Step.DEADLINE, Step.PREVIEW),
        Step.DEADLINE: (Step.MIN_AGE, Step.PREVIEW),
        Step.MIN_AGE: (Step.REAL_NAME,),
        Step.REAL_NAME: (Step.REQUIRED_THEME,),
        Step.REQUIRED_THEME: (Step.PREVIEW,),
        Step.PREVIEW: (Step.CHOOSE_EDIT, Step.DISCARD),
        Step.CHOOSE_EDIT: tuple(PARTS.values()),
        Step.DISCARD: (Step.PREVIEW,),
    },
)


def load_plan(ctx: Context) -> ActivityPlan:
    return ActivityPlan.from_json(ctx.state.data.get("plan", {}))


def store_plan(ctx: Context, plan: ActivityPlan) -> None:
    # A new dict, so that SQLAlchemy sees the JSON column change.
    ctx.state.data = {**ctx.state.data, "plan": plan.to_json()}


async def theme_names(ctx: Context) -> dict[int, str]:
    """The themes an activity may have, by id, named in the coordinator's language."""
    return {theme.id: theme.name(ctx.lang) for theme in await volunteers.themes(ctx.session)}


async def district_names(ctx: Context) -> dict[int, str]:
    """The districts an activity may be in, by id, named in the coordinator's language."""
    return {d.id: d.name(ctx.lang) for d in await volunteers.districts(ctx.session)}


def today(ctx: Context) -> date:
    return formatting.today(ctx.clock.now(), ctx.deployment.zone)


async def ask_again(ctx: Context) -> None:
    """Put the question of the step the coordinator is at again (its buttons stay valid)."""
    await NEW_ACTIVITY.ask_again(ctx)


def ask_or_skip(ctx: Context, question_key: str, skip_key: str, skip: Button) -> None:
    """Put a question a button skips (no description, no deadline, no minimum age)."""
    ctx.say(ctx.t(question_key), keyboard([ctx.button(ctx.t(skip_key), skip)]))


async def advance(ctx: Context, plan: ActivityPlan, answered: Step) -> None:
    """Keep the answer and ask the next question (or show the preview again after an edit)."""
    store_plan(ctx, plan)
    if ctx.state.data.get("editing") and answered in PART_ENDS:
        await NEW_ACTIVITY.ask(ctx, Step.PREVIEW)
        return
    step = NEXT[answered]
    if step == Step.TEAM and plan.team_id is not None:
        step = NEXT[Step.TEAM]  # they manage one team: nothing to ask
    await NEW_ACTIVITY.ask(ctx, step)


async def keep(ctx: Context, answered: Step, **answer: Any) -> None:
    """Put the answer (the plan's fields it sets, by name) into the plan and ask the next
    question."""
    await advance(ctx, replace(load_plan(ctx), **answer), answered)


async def keep_pressed(ctx: Context, answered: Step, shown: str | None, **answer: Any) -> None:
    """An answer given by a button: shown in place of the question (`shown`) and kept. `shown`
    is None where the button names what the question no longer offers: the press is refused."""
    if shown is None:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.edit_pressed(shown)
    await keep(ctx, answered, **answer)


def sent(ctx: Context, what: T | None, hint_key: str) -> T:
    """What the step asked the coordinator to send (a file, a map pin), from the message; a
    message without it is refused with a hint of what to send."""
    if what is None:
        raise InvalidInput("not_sent", hint=ctx.t(hint_key))
    return what


def typed_text(ctx: Context, hint_key: str) -> str:
    """The message's text; anything else (a photo, a sticker, a file) is refused with a hint."""
    if ctx.event.text is None:
        raise InvalidInput("not_text", hint=ctx.t(hint_key))
    return ctx.event.text


def checked_text(ctx: Context, hint_key: str, code: str, max_chars: int) -> str:
    """The message's text, trimmed, not empty and not too long (refused as `code`'s: title_empty,
    address_too_long…); anything else than text is refused with a hint."""
    return activity_input.text(typed_text(ctx, hint_key), max_chars=max_chars, code=code)


def shift_day(ctx: Context, typed: str) -> None:
    """Keep the day of a shift the coordinator typed, in any form `models.dates` reads (1月10日,
    下周六, tomorrow…); the next question repeats it with its weekday to check."""
    day = dates.parse_day(typed, today=today(ctx))
    if day < today(ctx):
        raise InvalidInput("shift_in_past")
    ctx.state.data = {**ctx.state.data, "shift_date": day.isoformat()}


async def typed_shift_times(ctx: Context, flow: Flow) -> tuple[time, time] | None:
    """The start and end the coordinator typed for the shift's day. A day typed instead
    corrects the day just understood (the question repeated it): it is kept, the times are asked
    again for it, and None is returned."""
    typed = typed_text(ctx, "errors.time_range_format")
    try:
        return activity_input.parse_time_range(typed)
    except InvalidInput as unread:
        try:
            shift_day(ctx, typed)
        except InvalidInput as error:
            raise (error if error.code == "shift_in_past" else unread) from None
        await flow.ask_again(ctx)
        return None


def typed_address(ctx: Context) -> str:
    """Where volunteers should go, as the coordinator typed it (checked for length)."""
    return checked_text(
        ctx, "new_activity.ask_address", "address", activity_input.ADDRESS_MAX_CHARS
    )
