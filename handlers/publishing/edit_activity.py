"""Changing a published activity, from the Edit button on its management card: the title, the
description, the address, or one shift's time or number of places; people on the shifts are told
when the time or the place changes, and places added are offered to the people waiting. Every
step checks afresh that the user manages the activity's team, whatever button brought them here.

Cancelling one is `cancel_activity`'s; the two share finding the activity and telling its
volunteers (`managed_activity`, `current_activity`, `tell`) from here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum

from handlers import formatting
from handlers.activities import offers
from handlers.callbacks import Button, OnActivity
from handlers.context import Context, keyboard
from handlers.events import InlineButton, SendMessage
from handlers.flows import Flow
from handlers.publishing import managed
from handlers.publishing.activity_plan import shift_day, typed_shift_times, typed_text
from handlers.router import Router
from models.activities.tables import Activity, ActivityStatus, Shift
from models.errors import Conflict
from models.publishing import activity_input, edit_activity, publication
from models.publishing.publication import Affected

router = Router()


class Step(StrEnum):
    CHOOSE = "choose"
    TITLE = "title"
    DESCRIPTION = "description"
    ADDRESS = "address"
    SHIFT_DATE = "shift_date"
    SHIFT_TIME = "shift_time"
    PLACES = "places"


class Field(StrEnum):
    """What of the activity itself can be changed (each is also the step that asks for it)."""

    TITLE = "title"
    DESCRIPTION = "description"
    ADDRESS = "address"


class ShiftChange(StrEnum):
    """What of one shift can be changed."""

    TIME = "time"
    PLACES = "places"


EDIT_ACTIVITY = Flow(
    "edit_activity",
    Step,
    starts=(Step.CHOOSE,),
    moves={
        Step.CHOOSE: (Step.TITLE, Step.DESCRIPTION, Step.ADDRESS, Step.SHIFT_DATE, Step.PLACES),
        Step.SHIFT_DATE: (Step.SHIFT_TIME,),
    },
)


async def managed_activity(ctx: Context, activity_id: int) -> Activity:
    """The activity, if this user manages its team and it is not cancelled (else refused)."""
    activity = await managed.activity(ctx, activity_id)
    if activity.status == ActivityStatus.CANCELLED:
        raise Conflict("activity_cancelled")
    return activity


async def begin(ctx: Context, flow: Flow, step: str, activity: Activity) -> None:
    """Start changing or cancelling the activity (`flow`) afresh, at its first question."""
    await flow.begin(ctx, step, activity_id=activity.id)


async def current_activity(ctx: Context) -> Activity:
    return await managed_activity(ctx, int(ctx.state.data["activity_id"]))


async def current_shift(ctx: Context) -> Shift:
    """The shift being changed, of the activity being changed."""
    activity = await current_activity(ctx)
    return await edit_activity.shift_of(ctx.session, activity, int(ctx.state.data["shift_id"]))


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


class EditActivity(OnActivity, action="act.edit", lasting=True):
    """Edit, on an activity's management card."""


@router.button(EditActivity)
async def start_edit(ctx: Context, edit: EditActivity) -> None:
    """The coordinator pressed Edit on an activity's management card."""
    await begin(ctx, EDIT_ACTIVITY, Step.CHOOSE, await managed_activity(ctx, edit.activity_id))


@EDIT_ACTIVITY.asks(Step.CHOOSE)
async def ask_what_to_change(ctx: Context) -> None:
    activity = await current_activity(ctx)
    buttons = [
        ctx.button(ctx.t(f"edit_activity.change_{field}"), ChooseField(field)) for field in Field
    ]
    rows: list[list[InlineButton]] = [buttons]
    for shift in await edit_activity.upcoming_shifts(ctx.session, activity, ctx.clock.now()):
        shift_when = when(ctx, ctx.lang, shift)
        rows.append(
            [
                ctx.button(
                    ctx.t("edit_activity.change_time", when=shift_when),
                    ChangeShift(ShiftChange.TIME, shift.id),
                ),
                ctx.button(
                    ctx.t("edit_activity.change_places", capacity=shift.capacity),
                    ChangeShift(ShiftChange.PLACES, shift.id),
                ),
            ]
        )
    ctx.say(ctx.t("edit_activity.choose", title=activity.title), keyboard(*rows))


class ChooseField(Button, action="ed.what"):
    """The coordinator picks the title, the description or the address to change."""

    field: Field


@router.button(ChooseField)
async def choose_field(ctx: Context, choice: ChooseField) -> None:
    """The coordinator chose to change the title, the description or the address."""
    await EDIT_ACTIVITY.ask(ctx, Step(choice.field))


@EDIT_ACTIVITY.asks(Step.TITLE, Step.DESCRIPTION, Step.ADDRESS)
async def ask_field(ctx: Context) -> None:
    step = ctx.step_in(Step)
    activity = await current_activity(ctx)
    current = {
        Step.TITLE: activity.title,
        Step.DESCRIPTION: activity.description or ctx.t("new_activity.none"),
        Step.ADDRESS: activity.address,
    }[step]
    ctx.edit_pressed(ctx.t(f"edit_activity.ask_{step}", current=current))


class ChangeShift(Button, action="ed.shift"):
    """The coordinator picks a shift whose time or number of places to change."""

    change: ShiftChange
    shift_id: int


@router.button(ChangeShift)
async def choose_shift(ctx: Context, choice: ChangeShift) -> None:
    """The coordinator chose a shift whose time or number of places to change."""
    shift = await edit_activity.shift_of(ctx.session, await current_activity(ctx), choice.shift_id)
    ctx.state.data = {**ctx.state.data, "shift_id": shift.id}
    if choice.change == ShiftChange.TIME:
        await EDIT_ACTIVITY.ask(ctx, Step.SHIFT_DATE)
    else:
        await EDIT_ACTIVITY.ask(ctx, Step.PLACES)


@EDIT_ACTIVITY.asks(Step.SHIFT_DATE)
async def ask_shift_date(ctx: Context) -> None:
    shift = await current_shift(ctx)
    ctx.edit_pressed(ctx.t("edit_activity.ask_shift_date", when=when(ctx, ctx.lang, shift)))


@EDIT_ACTIVITY.asks(Step.SHIFT_TIME)
async def ask_shift_time(ctx: Context) -> None:
    """The times, under the day understood (`1月10日（周六）`): a wrong day is typed again here."""
    day = date.fromisoformat(ctx.state.data["shift_date"])
    ctx.say(
        ctx.t("edit_activity.ask_shift_time", day=formatting.calendar_day(ctx.texts, ctx.lang, day))
    )


@EDIT_ACTIVITY.asks(Step.PLACES)
async def ask_places(ctx: Context) -> None:
    shift = await current_shift(ctx)
    shift_when = when(ctx, ctx.lang, shift)
    ctx.edit_pressed(ctx.t("edit_activity.ask_places", when=shift_when, capacity=shift.capacity))


def done(ctx: Context, key: str, **params: object) -> None:
    ctx.finish()
    ctx.say(ctx.t(key, **params))


@router.step(EDIT_ACTIVITY, Step.TITLE, Step.DESCRIPTION)
async def receive_text(ctx: Context) -> None:
    """The coordinator typed the new title or description."""
    activity = await current_activity(ctx)
    text = typed_text(ctx, "edit_activity.type_text")
    titled = ctx.in_step(EDIT_ACTIVITY, Step.TITLE)
    change = edit_activity.change_title if titled else edit_activity.change_description
    await change(ctx.session, activity, text, actor=ctx.user_id, now=ctx.clock.now())
    done(ctx, "edit_activity.saved", title=activity.title)


@router.step(EDIT_ACTIVITY, Step.ADDRESS)
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


@router.step(EDIT_ACTIVITY, Step.SHIFT_DATE)
async def receive_shift_date(ctx: Context) -> None:
    """The coordinator typed the shift's new day (1月10日, 下周六, tomorrow…)."""
    shift_day(ctx, typed_text(ctx, "errors.date_format"))
    await EDIT_ACTIVITY.ask(ctx, Step.SHIFT_TIME)


@router.step(EDIT_ACTIVITY, Step.SHIFT_TIME)
async def receive_shift_time(ctx: Context) -> None:
    """The coordinator typed the shift's new start and end (or corrected its day): its
    volunteers are told."""
    activity = await current_activity(ctx)
    typed = await typed_shift_times(ctx, EDIT_ACTIVITY)
    if typed is None:
        return
    start, end = typed
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


@router.step(EDIT_ACTIVITY, Step.PLACES)
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


@router.step(EDIT_ACTIVITY, Step.CHOOSE)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The coordinator typed where the question wants a button."""
    ctx.say(ctx.t("fields.use_buttons"))
