"""A coordinator changes a person's credited hours, or adds honour hours, with a reason, from the
Change and Honour hours buttons on the person's card in a shift's attendance (`hours_review`):
how many hours, then why; the change is made, recorded and the card shown again. Every step
checks the role again on the server.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

# The module, not its names: a person's card makes this module's buttons and this module shows the
# card again, so each imports the other's module and either may be imported first.
from handlers import formatting
from handlers.attendance import hours_review
from handlers.attendance.hours_notices import HoursNotice, Told, stars_before, tell_after_commit
from handlers.callbacks import OnSignup
from handlers.context import Context
from handlers.flows import Flow
from handlers.router import Router
from models.attendance.hours_review import add_honour, adjust, parse_hours

router = Router()


class Step(StrEnum):
    MINUTES = "minutes"  # how many hours (to set, or to add as honour hours)
    REASON = "reason"


# A coordinator changes a person's credited hours, or adds honour hours, with a reason.
CHANGE_HOURS = Flow(
    "hours",
    Step,
    starts=(Step.MINUTES,),
    moves={Step.MINUTES: (Step.REASON,)},
)


class HoursChange(OnSignup):
    """The family of the buttons that change a person's hours: `change` says which."""

    change: ClassVar[str]


class ChangeHours(HoursChange, action="hr.set", lasting=True):
    """A coordinator changes the person's credited hours."""

    change: ClassVar[str] = "set"


class AddHonourHours(HoursChange, action="hr.honour", lasting=True):
    """A coordinator adds honour hours for the person."""

    change: ClassVar[str] = "honour"


@router.button(ChangeHours, AddHonourHours)
async def ask_change(ctx: Context, pressed: HoursChange) -> None:
    """The coordinator wants to change the credited hours, or add honour hours: how many?"""
    await _start(ctx, pressed.signup_id, pressed.change)


async def _start(ctx: Context, signup_id: int, kind: str) -> None:
    signup, _, _ = await hours_review._signup(ctx, signup_id)
    await CHANGE_HOURS.begin(ctx, Step.MINUTES, signup_id=signup.id, kind=kind)


@CHANGE_HOURS.asks(Step.MINUTES)
async def _ask_minutes(ctx: Context) -> None:
    ctx.say(ctx.t(f"hours_review.ask_{ctx.state.data['kind']}"))


@router.step(CHANGE_HOURS, Step.MINUTES)
async def got_hours(ctx: Context) -> None:
    """The coordinator typed the hours."""
    minutes = parse_hours(ctx.event.text or "")
    ctx.state.data = {**ctx.state.data, "minutes": minutes}
    await CHANGE_HOURS.ask(ctx, Step.REASON)


@CHANGE_HOURS.asks(Step.REASON)
async def _ask_reason(ctx: Context) -> None:
    minutes = int(ctx.state.data["minutes"])
    ctx.say(
        ctx.t("hours_review.ask_reason", hours=formatting.duration(ctx.texts, ctx.lang, minutes))
    )


@router.step(CHANGE_HOURS, Step.REASON)
async def got_reason(ctx: Context) -> None:
    """The coordinator gave the reason: the change is made and recorded."""
    data = ctx.state.data
    signup, shift, activity = await hours_review._signup(ctx, int(data["signup_id"]))
    setting = data["kind"] == "set"
    change = adjust if setting else add_honour
    before = await stars_before(ctx, [signup])
    minutes = int(data["minutes"])
    record = await change(
        ctx.session,
        actor=ctx.user_id,
        signup_id=signup.id,
        minutes=minutes,
        reason=ctx.event.text or "",
        now=ctx.clock.now(),
    )
    told, honour = (Told.CHANGED, 0) if setting else (Told.HONOUR, minutes)
    tell_after_commit(ctx, [HoursNotice(signup.id, before[signup.id], told, record.note, honour)])
    ctx.finish()
    await hours_review._person(ctx, signup, shift, activity)
