"""The /new_activity conversation's shared parts: its steps and their order, the plan kept in the
conversation state, and moving from one question to the next.

Each step's question lives with its answer handlers (`new_activity`, `plan_shifts`,
`plan_preview`) and registers itself here with `@asks(step)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from enum import StrEnum

from handlers import formatting
from handlers.callbacks import Press
from handlers.context import Context
from models.errors import InvalidInput
from models.publishing import activity_input
from models.publishing.publication import ActivityPlan

FLOW = "new_activity"


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
# The parts of the preview that can be edited, each with its first question; when editing, the
# last question of a part leads back to the preview.
PARTS = {
    "title": Step.TITLE,
    "description": Step.DESCRIPTION,
    "theme": Step.THEME,
    "district": Step.DISTRICT,
    "address": Step.ADDRESS,
    "shifts": Step.SHIFT_DATE,
    "deadline": Step.DEADLINE,
    "requirements": Step.MIN_AGE,
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

Ask = Callable[[Context], Awaitable[None]]
ASK: dict[Step, Ask] = {}


def asks(step: Step) -> Callable[[Ask], Ask]:
    """Register the function that asks `step`'s question."""

    def register(ask: Ask) -> Ask:
        ASK[step] = ask
        return ask

    return register


def load_plan(ctx: Context) -> ActivityPlan:
    return ActivityPlan.from_json(ctx.state.data.get("plan", {}))


def store_plan(ctx: Context, plan: ActivityPlan) -> None:
    # A new dict, so that SQLAlchemy sees the JSON column change.
    ctx.state.data = {**ctx.state.data, "plan": plan.to_json()}


def today(ctx: Context) -> date:
    return formatting.today(ctx.clock.now(), ctx.deployment.zone)


async def goto(ctx: Context, step: Step) -> None:
    ctx.go(FLOW, step)
    await ASK[step](ctx)


async def advance(ctx: Context, plan: ActivityPlan, answered: Step) -> None:
    """Keep the answer and ask the next question (or show the preview again after an edit)."""
    store_plan(ctx, plan)
    if ctx.state.data.get("editing") and answered in PART_ENDS:
        await goto(ctx, Step.PREVIEW)
        return
    step = NEXT[answered]
    if step == Step.TEAM and plan.team_id is not None:
        step = NEXT[Step.TEAM]  # they manage one team: nothing to ask
    await goto(ctx, step)


def typed_text(ctx: Context, hint_key: str) -> str:
    """The message's text; anything else (a photo, a sticker, a file) is refused with a hint."""
    if ctx.event.text is None:
        raise InvalidInput("not_text", hint=ctx.t(hint_key))
    return ctx.event.text


def typed_address(ctx: Context) -> str:
    """Where volunteers should go, as the coordinator typed it (checked for length)."""
    return activity_input.text(
        typed_text(ctx, "new_activity.ask_address"),
        max_chars=activity_input.ADDRESS_MAX_CHARS,
        code="address",
    )


def chosen_id(press: Press, allowed: set[int]) -> int | None:
    """The id a choice button carries, if it is one of `allowed`."""
    if len(press.args) != 1 or not press.args[0].isdigit() or int(press.args[0]) not in allowed:
        return None
    return int(press.args[0])
