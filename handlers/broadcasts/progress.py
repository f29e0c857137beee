"""Recruitment calls as people see them: the notice each volunteer gets (built here for the
preview and for the sender alike, so the preview is exactly what goes out), the coordinator's
progress message with its Pause / Resume / Cancel buttons, the final report, and /broadcasts, the
list of past calls with their figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import formatting
from handlers.activities import links
from handlers.callbacks import ButtonSigner, Press
from handlers.context import Context, Deployment, Texts, keyboard
from handlers.events import InlineButton, InlineKeyboard, SendNotice
from handlers.router import Router
from models.activities.tables import Activity
from models.broadcasts import audience, control, outbox
from models.broadcasts.control import Control
from models.broadcasts.outbox import Figures
from models.broadcasts.tables import Broadcast
from models.registration.tables import Volunteer

router = Router()
LISTED = 10  # calls shown by /broadcasts


def notice(
    texts: Texts,
    language: str,
    broadcast: Broadcast,
    chat_id: int,
    *,
    activity: Activity | None,
    bot_username: str,
    paid: bool = False,
) -> SendNotice:
    """The call as a volunteer gets it: the coordinator's words (under a photo if they sent
    one) and, for a call about an activity, a button that opens it to sign up."""
    markup = None
    if activity is not None:
        url = f"https://t.me/{bot_username}?start={links.activity_payload(activity)}"
        label = texts.get(language, "broadcasts.sign_up")
        markup = InlineKeyboard(rows=((InlineButton(label, url=url),),))
    return SendNotice(
        chat_id, broadcast.text, photo_id=broadcast.photo_id, markup=markup, paid_broadcast=paid
    )


async def language_of(session: AsyncSession, telegram_id: int, deployment: Deployment) -> str:
    language = await session.scalar(
        select(Volunteer.language).where(Volunteer.telegram_id == telegram_id)
    )
    return language or deployment.default_language


def _figures_text(texts: Texts, language: str, figures: Figures) -> str:
    text = texts.get(
        language,
        "broadcasts.figures",
        sent=figures.sent,
        failed=figures.failed,
        blocked=figures.blocked,
        left=figures.left,
        total=figures.total,
    )
    if figures.uncertain:
        text += "\n" + texts.get(
            language,
            "broadcasts.uncertain",
            count=figures.uncertain,
            skipped=figures.uncertain_skipped,
        )
    return text


def progress_text(
    texts: Texts,
    language: str,
    zone: ZoneInfo,
    broadcast: Broadcast,
    figures: Figures,
    *,
    now: datetime,
    rate: float,
) -> str:
    """The progress message: when it goes out, or the figures so far and, while it runs, when
    it should end."""
    if broadcast.status == "scheduled" and broadcast.send_at is not None:
        at = formatting.moment(texts, language, broadcast.send_at, zone)
        goes_out = texts.get(language, "broadcasts.goes_out", at=at)
        return "\n".join([_head(texts, language, broadcast), goes_out])
    text = report_text(texts, language, broadcast, figures)
    if broadcast.status == "running" and figures.left:
        finish = now + timedelta(seconds=figures.left / rate)
        at = formatting.moment(texts, language, finish, zone)
        text += "\n" + texts.get(language, "broadcasts.eta", at=at)
    return text


def report_text(texts: Texts, language: str, broadcast: Broadcast, figures: Figures) -> str:
    """A call's status and figures: the final report once nobody is left to send to (or the
    call was cancelled), and the body of the progress message."""
    return "\n".join([_head(texts, language, broadcast), _figures_text(texts, language, figures)])


def _head(texts: Texts, language: str, broadcast: Broadcast) -> str:
    return texts.get(language, f"broadcasts.status_{broadcast.status}", id=broadcast.id)


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
