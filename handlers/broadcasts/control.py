"""Controlling recruitment calls: the Pause / Resume / Cancel buttons under a call's progress
message (Cancel asks first), /broadcasts, a coordinator's latest calls with their figures and
the same buttons, and the message that asks a team's coordinators (else the admins) to release
or cancel a call held because its author lost their role. Whether the presser may control the
call is checked on the server, against their role now (`models.broadcasts.control`), whatever
button brought them here.
"""

from __future__ import annotations

from typing import ClassVar

from handlers import formatting
from handlers.broadcasts import progress
from handlers.broadcasts.progress import _figures_text, _head
from handlers.callbacks import Button, ButtonSigner
from handlers.context import Context, keyboard
from handlers.events import InlineButton, InlineKeyboard, SendMessage
from handlers.notify import Notifier
from handlers.router import Router
from handlers.services import Texts
from models.broadcasts import audience, control, outbox
from models.broadcasts import progress as broadcast_progress
from models.broadcasts.control import Control
from models.broadcasts.tables import Broadcast, BroadcastStatus
from models.teams import roles
from models.teams.tables import OVERSEERS


class OnCall(Button):
    """The family of the buttons that control one call; `control` is what each one does."""

    broadcast_id: int
    control: ClassVar[Control]


router = Router()
LISTED = 10  # calls shown by /broadcasts
HELD_EXCERPT = 600  # how much of a held call's text its releasers are shown


def controls(
    texts: Texts, language: str, signer: ButtonSigner, broadcast: Broadcast, telegram_id: int
) -> InlineKeyboard | None:
    """Pause, Resume or Release, and Cancel, for a call that is not over (lasting buttons)."""

    def button(label: Control, kind: type[OnCall]) -> InlineButton:
        data = kind(broadcast.id).pack(signer, telegram_id, 0)
        return InlineButton(texts.get(language, f"broadcasts.{label}"), callback_data=data)

    if broadcast.status not in control.OPEN:
        return None
    if broadcast.status == BroadcastStatus.PAUSED:
        first = button("resume", ResumeCall)
    elif broadcast.status == BroadcastStatus.HELD:
        first = button("release", ReleaseCall)
    else:
        first = button("pause", PauseCall)
    return keyboard([first, button("cancel", CancelCall)])


async def _shown(ctx: Context, broadcast: Broadcast) -> tuple[str, InlineKeyboard | None]:
    """A call as /broadcasts lists it: its status, when it goes (or went) out and its first
    words, and its figures once it has started (before, there are none to show)."""
    at = broadcast.send_at or broadcast.created_at
    lines = [
        _head(ctx.texts, ctx.lang, broadcast, ctx.clock.now()),
        ctx.t(
            "broadcasts.about",
            sent_at=formatting.moment(ctx.texts, ctx.lang, at, ctx.deployment.zone),
            text=_excerpt(broadcast.text),
        ),
    ]
    if broadcast.started_at is not None:
        figures = await outbox.figures(ctx.session, broadcast.id)
        lines.append(_figures_text(ctx.texts, ctx.lang, figures))
    text = "\n".join(lines)
    return text, controls(ctx.texts, ctx.lang, ctx.signer, broadcast, ctx.user_id)


async def show_progress(ctx: Context, broadcast: Broadcast) -> None:
    """A call was just saved: the pressed message becomes its progress message (the sender
    edits it as the call goes out), with its controls."""
    now = ctx.clock.now()
    press = ctx.event.press
    if press is not None and press.message_id is not None:
        await broadcast_progress.set_progress_message(
            ctx.session, broadcast.id, ctx.event.chat_id, press.message_id, now=now
        )
    figures = await outbox.figures(ctx.session, broadcast.id)
    ctx.edit_pressed(
        progress.progress_text(
            ctx.texts,
            ctx.lang,
            ctx.deployment.zone,
            broadcast,
            figures,
            now=now,
            rate=ctx.deployment.broadcasts.send_rate,
        ),
        controls(ctx.texts, ctx.lang, ctx.signer, broadcast, ctx.user_id),
    )


async def tell_held(notify: Notifier, broadcast: Broadcast) -> None:
    """A call fell due after its author lost the role it needs, and is held: the other
    coordinators of its teams (else the admins) are asked to release or cancel it."""
    session = notify.session
    coordinators = [
        telegram_id
        for team_id in control.teams_of(broadcast)
        for telegram_id in await roles.coordinator_ids(session, team_id)
        if telegram_id != broadcast.created_by
    ]
    told = list(dict.fromkeys(coordinators)) or await roles.admin_ids(
        session, notify.deployment.admin_ids
    )
    for telegram_id in told:
        language = await notify.language_of(telegram_id)
        text = notify.text(
            language,
            "broadcasts.held",
            id=broadcast.id,
            at=notify.moment(language, broadcast.send_at or broadcast.created_at),
            text=_excerpt(broadcast.text, HELD_EXCERPT),
        )
        markup = controls(notify.texts, language, notify.signer, broadcast, telegram_id)
        notify.outbox.add(SendMessage(telegram_id, text, markup))


def _excerpt(text: str, length: int = 60) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= length else line[: length - 1] + "…"


@router.command("broadcasts", menu=60, role=OVERSEERS, refusal="broadcast_not_coordinator")
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


class ReleaseCall(OnCall, action="bc.release", lasting=True):
    """A coordinator of the team (or an admin) sends a call that was held because its author
    lost their role."""

    control: ClassVar[Control] = "release"


@router.button(PauseCall, ResumeCall, ConfirmCancelCall, ReleaseCall)
async def control_call(ctx: Context, call: OnCall) -> None:
    """The coordinator pauses, resumes, releases or (having confirmed) cancels the call."""
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
