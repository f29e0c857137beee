"""/broadcast's last steps: when the call goes out — now, or at a time the coordinator picks (in
an hour, this evening, tomorrow morning) or types — and the confirmation that saves it for the
sender. The message whose button confirmed it becomes its progress message, with its controls.
The steps before (the notice, the activity, the audience and the preview) are
`handlers.broadcasts.compose`'s.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers import formatting
from handlers.broadcasts import control, progress
from handlers.broadcasts.compose import FLOW, Step, _audience, _keep, _nobody, _reach, _scope
from handlers.callbacks import Press
from handlers.context import Context, in_rows, keyboard
from handlers.publishing.activity_plan import typed_text
from handlers.router import Router
from models.broadcasts import outbox
from models.broadcasts.outbox import Draft
from models.errors import InvalidInput
from models.publishing import activity_input

router = Router()
RATE = 30.0  # messages a second, for the progress message's estimate of when it ends
EVENING, MORNING = 18, 9  # the hours of the "this evening" and "tomorrow morning" presets

# ---- when -------------------------------------------------------------------------------------

PRESETS = ("hour", "evening", "morning")


def _preset(ctx: Context, name: str) -> datetime:
    """In an hour, this evening at 18:00, or tomorrow at 09:00, in the deployment's zone."""
    now = ctx.clock.now()
    local = now.astimezone(ctx.deployment.zone)
    if name == "hour":
        return (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    if name == "evening":
        at = local.replace(hour=EVENING, minute=0, second=0, microsecond=0)
    else:
        at = (local + timedelta(days=1)).replace(hour=MORNING, minute=0, second=0, microsecond=0)
    return at.astimezone(UTC)


@router.button("bcn.later")
async def send_later(ctx: Context, press: Press) -> None:
    """The coordinator wants the call to go out at a time they choose."""
    ctx.go(FLOW, Step.WHEN)
    ctx.edit_pressed(ctx.t("broadcast_compose.reach", count=ctx.state.data["count"]))
    now = ctx.clock.now()
    buttons = [
        ctx.button(ctx.t(f"broadcast_compose.preset_{name}"), "bcn.at", name)
        for name in PRESETS
        if _preset(ctx, name) > now
    ]
    ctx.say(ctx.t("broadcast_compose.ask_time"), keyboard(*in_rows(buttons, 1)))


@router.button("bcn.at")
async def pick_time(ctx: Context, press: Press) -> None:
    """The coordinator chose one of the offered times."""
    if not press.args or press.args[0] not in PRESETS:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    await _scheduled(ctx, _preset(ctx, press.args[0]), edit=True)


@router.step(FLOW, Step.WHEN, Step.CONFIRM)
async def receive_time(ctx: Context) -> None:
    """The coordinator typed when the call should go out (their local time)."""
    typed = typed_text(ctx, "broadcast_compose.ask_time")
    today = formatting.today(ctx.clock.now(), ctx.deployment.zone)
    try:
        at = activity_input.parse_deadline(typed, today=today, zone=ctx.deployment.zone)
    except InvalidInput:
        raise InvalidInput("broadcast_time_format") from None
    await _scheduled(ctx, at.astimezone(UTC), edit=False)


async def _scheduled(ctx: Context, at: datetime, *, edit: bool) -> None:
    if at <= ctx.clock.now():
        raise InvalidInput("broadcast_time_past")
    _keep(ctx, send_at=at.isoformat())
    ctx.go(FLOW, Step.CONFIRM)
    text = ctx.t(
        "broadcast_compose.confirm_time",
        at=formatting.moment(ctx.texts, ctx.lang, at, ctx.deployment.zone),
    )
    confirm = ctx.button(ctx.t("broadcast_compose.confirm"), "bcn.ok")
    buttons = keyboard([confirm, ctx.button(ctx.t("broadcast_compose.drop"), "bcn.drop")])
    if edit:
        ctx.edit_pressed(text, buttons)
    else:
        ctx.say(text, buttons)


# ---- confirmed --------------------------------------------------------------------------------


@router.button("bcn.now")
async def send_now(ctx: Context, press: Press) -> None:
    """The coordinator sends the call at once."""
    await _create(ctx, None)


@router.button("bcn.ok")
async def confirm(ctx: Context, press: Press) -> None:
    """The coordinator confirmed the call at the time they chose."""
    await _create(ctx, datetime.fromisoformat(ctx.state.data["send_at"]))


async def _create(ctx: Context, send_at: datetime | None) -> None:
    """Save the call for the sender; the pressed message becomes its progress message."""
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
    press = ctx.event.press
    if press is not None and press.message_id is not None:
        await outbox.set_progress_message(
            ctx.session, broadcast.id, ctx.event.chat_id, press.message_id, now=now
        )
    figures = await outbox.figures(ctx.session, broadcast.id)
    ctx.finish()
    at = formatting.moment(ctx.texts, ctx.lang, send_at or now, ctx.deployment.zone)
    ctx.answer(ctx.t("broadcast_compose.created", id=broadcast.id, at=at))
    ctx.edit_pressed(
        progress.progress_text(
            ctx.texts, ctx.lang, ctx.deployment.zone, broadcast, figures, now=now, rate=RATE
        ),
        control.controls(ctx.texts, ctx.lang, ctx.signer, broadcast, ctx.user_id),
    )
