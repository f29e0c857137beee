"""Controlling recruitment calls: the Pause / Resume / Cancel buttons under a call's progress
message (Cancel asks first), and /broadcasts, a coordinator's latest calls with their figures and
the same buttons. Whether the presser may control the call is checked on the server
(`models.broadcasts.control`), whatever button brought them here.
"""

from __future__ import annotations

from typing import ClassVar

from handlers import formatting
from handlers.broadcasts.progress import _figures_text, _head
from handlers.callbacks import Button, ButtonSigner
from handlers.context import Context, keyboard
from handlers.events import InlineButton, InlineKeyboard
from handlers.router import Router
from handlers.services import Texts
from models.broadcasts import audience, control, outbox
from models.broadcasts.control import Control
from models.broadcasts.tables import Broadcast, BroadcastStatus
from models.teams.tables import Role


class OnCall(Button):
    """The family of the buttons that control one call; `control` is what each one does."""

    broadcast_id: int
    control: ClassVar[Control]


router = Router()
LISTED = 10  # calls shown by /broadcasts


def controls(
    texts: Texts, language: str, signer: ButtonSigner, broadcast: Broadcast, telegram_id: int
) -> InlineKeyboard | None:
    """Pause or Resume, and Cancel, for a call that is not over (lasting buttons)."""

    def button(label: Control, kind: type[PauseCall | ResumeCall | CancelCall]) -> InlineButton:
        data = kind(broadcast.id).pack(signer, telegram_id, 0)
        return InlineButton(texts.get(language, f"broadcasts.{label}"), callback_data=data)

    if broadcast.status not in control.OPEN:
        return None
    if broadcast.status == BroadcastStatus.PAUSED:
        first = button("resume", ResumeCall)
    else:
        first = button("pause", PauseCall)
    return keyboard([first, button("cancel", CancelCall)])


async def _shown(ctx: Context, broadcast: Broadcast) -> tuple[str, InlineKeyboard | None]:
    figures = await outbox.figures(ctx.session, broadcast.id)
    text = "\n".join(
        [
            _head(ctx.texts, ctx.lang, broadcast),
            ctx.t(
                "broadcasts.about",
                sent_at=formatting.moment(
                    ctx.texts,
                    ctx.lang,
                    broadcast.send_at or broadcast.created_at,
                    ctx.deployment.zone,
                ),
                text=_excerpt(broadcast.text),
            ),
            _figures_text(ctx.texts, ctx.lang, figures),
        ]
    )
    return text, controls(ctx.texts, ctx.lang, ctx.signer, broadcast, ctx.user_id)


def _excerpt(text: str, length: int = 60) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= length else line[: length - 1] + "…"


@router.command("broadcasts", role=Role.COORDINATOR, refusal="broadcast_not_coordinator")
async def list_calls(ctx: Context) -> None:
    """A coordinator asked for the latest calls they may see, with figures and controls."""
    scope = await audience.scope_of(ctx.session, ctx.user_id, tuple(ctx.deployment.admin_ids))
    calls = await control.recent(ctx.session, scope, ctx.user_id, limit=LISTED)
    if not calls:
        ctx.say(ctx.t("broadcasts.none"))
        return
    for broadcast in reversed(calls):
        ctx.say(*await _shown(ctx, broadcast))


class PauseCall(OnCall, action="bc.pause", lasting=True):
    """The coordinator pauses a call that is being sent."""

    control: ClassVar[Control] = "pause"


class ResumeCall(OnCall, action="bc.resume", lasting=True):
    """The coordinator resumes a paused call."""

    control: ClassVar[Control] = "resume"


class CancelCall(OnCall, action="bc.cancel", lasting=True):
    """The coordinator wants to cancel a call (asked to confirm)."""


@router.button(CancelCall)
async def ask_cancel(ctx: Context, call: CancelCall) -> None:
    """Cancelling cannot be undone: ask first."""
    ctx.say(
        ctx.t("broadcasts.cancel_confirm", id=call.broadcast_id),
        keyboard(
            [
                ctx.button(ctx.t("broadcasts.cancel_yes"), ConfirmCancelCall(call.broadcast_id)),
                ctx.button(ctx.t("broadcasts.cancel_no"), KeepCall(call.broadcast_id)),
            ]
        ),
    )


class ConfirmCancelCall(OnCall, action="bc.cancel_ok", lasting=True):
    """The coordinator confirms cancelling the call."""

    control: ClassVar[Control] = "cancel"


@router.button(PauseCall, ResumeCall, ConfirmCancelCall)
async def control_call(ctx: Context, call: OnCall) -> None:
    """The coordinator pauses, resumes or (having confirmed) cancels the call."""
    await _control(ctx, call.broadcast_id, call.control)


class KeepCall(OnCall, action="bc.keep", lasting=True):
    """The coordinator changes their mind: the call goes on."""


@router.button(KeepCall)
async def keep(ctx: Context, call: KeepCall) -> None:
    ctx.edit_pressed(ctx.t("broadcasts.kept", id=call.broadcast_id))


async def _control(ctx: Context, broadcast_id: int, action: Control) -> None:
    broadcast = await control.control(
        ctx.session,
        broadcast_id,
        action,
        actor=ctx.user_id,
        admin_ids=tuple(ctx.deployment.admin_ids),
        now=ctx.clock.now(),
    )
    ctx.answer(ctx.t(f"broadcasts.done_{action}", id=broadcast.id))
    ctx.edit_pressed(*await _shown(ctx, broadcast))
