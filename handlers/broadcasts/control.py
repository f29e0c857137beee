"""Controlling recruitment calls: the Pause / Resume / Cancel buttons under a call's progress
message (Cancel asks first), and /broadcasts, a coordinator's latest calls with their figures and
the same buttons. Whether the presser may control the call is checked on the server
(`models.broadcasts.control`), whatever button brought them here.
"""

from __future__ import annotations

from handlers import formatting
from handlers.broadcasts.progress import _figures_text, _head
from handlers.callbacks import ButtonSigner, Press
from handlers.context import Context, keyboard
from handlers.events import InlineButton, InlineKeyboard
from handlers.router import Router
from handlers.services import Texts
from models.broadcasts import audience, control, outbox
from models.broadcasts.control import Control
from models.broadcasts.tables import Broadcast

router = Router()
LISTED = 10  # calls shown by /broadcasts


def controls(
    texts: Texts, language: str, signer: ButtonSigner, broadcast: Broadcast, telegram_id: int
) -> InlineKeyboard | None:
    """Pause or Resume, and Cancel, for a call that is not over (lasting buttons)."""

    def button(control: Control) -> InlineButton:
        data = signer.pack(telegram_id, 0, f"bc.{control}", broadcast.id)
        return InlineButton(texts.get(language, f"broadcasts.{control}"), callback_data=data)

    if broadcast.status not in control.OPEN:
        return None
    first = button("resume") if broadcast.status == "paused" else button("pause")
    return keyboard([first, button("cancel")])


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


@router.command("broadcasts")
async def list_calls(ctx: Context) -> None:
    """A coordinator asked for the latest calls they may see, with figures and controls."""
    scope = await audience.scope_of(ctx.session, ctx.user_id, tuple(ctx.deployment.admin_ids))
    if not scope.admin and not scope.team_ids:
        ctx.say(ctx.t("errors.broadcast_not_coordinator"))
        return
    calls = await control.recent(ctx.session, scope, ctx.user_id, limit=LISTED)
    if not calls:
        ctx.say(ctx.t("broadcasts.none"))
        return
    for broadcast in reversed(calls):
        ctx.say(*await _shown(ctx, broadcast))


@router.button("bc.pause", lasting=True)
async def pause(ctx: Context, press: Press) -> None:
    await _control(ctx, int(press.args[0]), "pause")


@router.button("bc.resume", lasting=True)
async def resume(ctx: Context, press: Press) -> None:
    await _control(ctx, int(press.args[0]), "resume")


@router.button("bc.cancel", lasting=True)
async def ask_cancel(ctx: Context, press: Press) -> None:
    """Cancelling cannot be undone: ask first."""
    broadcast_id = int(press.args[0])
    ctx.say(
        ctx.t("broadcasts.cancel_confirm", id=broadcast_id),
        keyboard(
            [
                ctx.lasting_button(ctx.t("broadcasts.cancel_yes"), "bc.cancel_ok", broadcast_id),
                ctx.lasting_button(ctx.t("broadcasts.cancel_no"), "bc.keep", broadcast_id),
            ]
        ),
    )


@router.button("bc.cancel_ok", lasting=True)
async def cancel(ctx: Context, press: Press) -> None:
    await _control(ctx, int(press.args[0]), "cancel")


@router.button("bc.keep", lasting=True)
async def keep(ctx: Context, press: Press) -> None:
    ctx.edit_pressed(ctx.t("broadcasts.kept", id=int(press.args[0])))


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
