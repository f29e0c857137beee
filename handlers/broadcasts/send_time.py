"""/broadcast's last steps: the preview (the notice exactly as volunteers will get it, and how
many it reaches), when the call goes out — now, or at a time the coordinator picks (in an hour,
this evening, tomorrow morning) or types — and the confirmation that saves it for the sender. The
message whose button confirmed it becomes its progress message, with its controls. The steps
before (the notice, the activity and the audience) are `handlers.broadcasts.compose`'s.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from handlers import formatting
from handlers.broadcasts import control, progress
from handlers.broadcasts.compose import (
    BROADCAST,
    REFUSAL,
    DropCall,
    StartCallAgain,
    Step,
    _audience,
    _keep,
    _scope,
)
from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.events import InlineButton, InlineKeyboard
from handlers.publishing.activity_plan import typed_text
from handlers.router import Router
from models import dates
from models.activities.tables import Activity
from models.broadcasts import audience as audiences
from models.broadcasts import outbox
from models.broadcasts.audience import Scope
from models.broadcasts.outbox import Draft
from models.broadcasts.tables import Broadcast
from models.errors import InvalidInput
from models.teams.tables import OVERSEERS

router = Router()
EVENING, MORNING = 18, 9  # the hours of the "this evening" and "tomorrow morning" presets

# ---- the preview ------------------------------------------------------------------------------


async def _linked(ctx: Context) -> Activity | None:
    activity_id = ctx.state.data.get("activity_id")
    return await ctx.session.get(Activity, activity_id) if activity_id else None


async def _reach(ctx: Context, scope: Scope) -> int:
    activity = await _linked(ctx)
    theme_id = activity.theme_id if activity else None
    return await audiences.count(ctx.session, _audience(ctx), scope, theme_id)


@BROADCAST.asks(Step.PREVIEW)
async def show_preview(ctx: Context) -> None:
    """The notice exactly as volunteers will get it, then how many it reaches."""
    scope, data = await _scope(ctx), ctx.state.data
    shown = Broadcast(text=data["text"], photo_id=data.get("photo_id"))  # never saved
    activity, chat_id = await _linked(ctx), ctx.event.chat_id
    notice = progress.notice(
        ctx.texts, ctx.lang, shown, chat_id, activity=activity, bot_username=ctx.bot_username
    )
    ctx.outbox.add(notice)
    count = await _reach(ctx, scope)
    _keep(ctx, count=count)
    if count == 0:
        ctx.say(*_nobody(ctx))
        return
    now = ctx.button(ctx.t("broadcast_compose.send_now"), SendCallNow())
    later = ctx.button(ctx.t("broadcast_compose.send_later"), SendCallLater())
    ctx.say(
        ctx.t("broadcast_compose.reach", count=count), keyboard([now, later], _again_or_drop(ctx))
    )


def _again_or_drop(ctx: Context) -> list[InlineButton]:
    return [
        ctx.button(ctx.t("broadcast_compose.start_again"), StartCallAgain()),
        ctx.button(ctx.t("broadcast_compose.drop"), DropCall()),
    ]


def _nobody(ctx: Context) -> tuple[str, InlineKeyboard | None]:
    """Nobody can get the call: it cannot be sent, only composed again or dropped."""
    return ctx.t("broadcast_compose.reach_nobody"), keyboard(_again_or_drop(ctx))


# ---- when -------------------------------------------------------------------------------------


class Preset(StrEnum):
    """The times offered: in an hour, this evening, tomorrow morning."""

    HOUR = "hour"
    EVENING = "evening"
    MORNING = "morning"


def _preset(ctx: Context, preset: Preset) -> datetime:
    """In an hour, this evening at 18:00, or tomorrow at 09:00, in the deployment's zone."""
    now = ctx.clock.now()
    local = now.astimezone(ctx.deployment.zone)
    if preset is Preset.HOUR:
        return (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    if preset is Preset.EVENING:
        at = local.replace(hour=EVENING, minute=0, second=0, microsecond=0)
    else:
        at = (local + timedelta(days=1)).replace(hour=MORNING, minute=0, second=0, microsecond=0)
    return at.astimezone(UTC)


class SendCallLater(Button, action="bcn.later"):
    """The coordinator wants the call to go out at a time they choose."""


@router.button(SendCallLater)
async def send_later(ctx: Context, later: SendCallLater) -> None:
    """The coordinator wants the call to go out at a time they choose."""
    ctx.edit_pressed(ctx.t("broadcast_compose.reach", count=ctx.state.data["count"]))
    await BROADCAST.ask(ctx, Step.WHEN)


@BROADCAST.asks(Step.WHEN)
async def ask_time(ctx: Context) -> None:
    """The presets still ahead; a time can be typed, too."""
    now = ctx.clock.now()
    buttons = [
        ctx.button(ctx.t(f"broadcast_compose.preset_{preset}"), ChooseSendTime(preset))
        for preset in Preset
        if _preset(ctx, preset) > now
    ]
    ctx.say(ctx.t("broadcast_compose.ask_time"), keyboard(*in_rows(buttons, 1)))


class ChooseSendTime(Button, action="bcn.at"):
    """The coordinator chooses one of the offered times."""

    preset: Preset


@router.button(ChooseSendTime)
async def pick_time(ctx: Context, choice: ChooseSendTime) -> None:
    """The coordinator chose one of the offered times."""
    await _scheduled(ctx, _preset(ctx, choice.preset))


@router.step(BROADCAST, Step.WHEN, Step.CONFIRM)
async def receive_time(ctx: Context) -> None:
    """The coordinator typed when the call should go out, in their local time: `明天 9:00`,
    `下周六 上午9点`, `14:30` (the next one). The confirmation repeats it with its weekday."""
    typed = typed_text(ctx, "broadcast_compose.ask_time")
    local_now = ctx.clock.now().astimezone(ctx.deployment.zone)
    try:
        at = dates.parse_moment(typed, now=local_now)
    except InvalidInput as error:
        if error.code == "date_impossible":
            raise
        raise InvalidInput("broadcast_time_format") from None
    await _scheduled(ctx, at.astimezone(UTC))


async def _scheduled(ctx: Context, at: datetime) -> None:
    if at <= ctx.clock.now():
        raise InvalidInput("broadcast_time_past")
    _keep(ctx, send_at=at.isoformat())
    await BROADCAST.ask(ctx, Step.CONFIRM)


@BROADCAST.asks(Step.CONFIRM)
async def ask_confirm(ctx: Context) -> None:
    """The time chosen, to confirm (`1月10日（周六）09:00`): in place of the presets when one was
    pressed."""
    at = datetime.fromisoformat(ctx.state.data["send_at"])
    text = ctx.t(
        "broadcast_compose.confirm_time",
        at=formatting.moment(ctx.texts, ctx.lang, at, ctx.deployment.zone),
    )
    confirm = ctx.button(ctx.t("broadcast_compose.confirm"), ConfirmSendTime())
    buttons = keyboard([confirm, ctx.button(ctx.t("broadcast_compose.drop"), DropCall())])
    ctx.edit_pressed(text, buttons)  # a typed time: a new message


# ---- confirmed --------------------------------------------------------------------------------


class SendCallNow(Button, action="bcn.now"):
    """The coordinator sends the call at once."""


@router.button(SendCallNow, role=OVERSEERS, refusal=REFUSAL)
async def send_now(ctx: Context, now: SendCallNow) -> None:
    """The coordinator sends the call at once."""
    await _create(ctx, None)


class ConfirmSendTime(Button, action="bcn.ok"):
    """The coordinator confirms the call at the time they chose."""


@router.button(ConfirmSendTime, role=OVERSEERS, refusal=REFUSAL)
async def confirm(ctx: Context, confirmed: ConfirmSendTime) -> None:
    """The coordinator confirmed the call at the time they chose."""
    await _create(ctx, datetime.fromisoformat(ctx.state.data["send_at"]))


async def _create(ctx: Context, send_at: datetime | None) -> None:
    """Save the call for the sender; the pressed message becomes its progress message. A call
    sent now is left to the sender to start (within seconds: a city-wide outbox takes seconds
    to build, too long for a button's answer), and its progress message says it is going out."""
    scope, data, now = await _scope(ctx), ctx.state.data, ctx.clock.now()
    if await _reach(ctx, scope) == 0:  # everyone left or muted since the preview
        ctx.edit_pressed(*_nobody(ctx))
        return
    draft = Draft(
        text=data["text"],
        audience=_audience(ctx),
        photo_id=data.get("photo_id"),
        activity_id=data.get("activity_id"),
        send_at=send_at,
    )
    broadcast = await outbox.create(ctx.session, draft, actor=ctx.user_id, scope=scope, now=now)
    ctx.finish()
    if send_at is None:
        ctx.answer(ctx.t("broadcast_compose.created_now", id=broadcast.id))
    else:
        at = formatting.moment(ctx.texts, ctx.lang, send_at, ctx.deployment.zone)
        ctx.answer(ctx.t("broadcast_compose.created", id=broadcast.id, at=at))
    await control.show_progress(ctx, broadcast)
