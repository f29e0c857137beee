"""Recruitment calls as people see them: the notice each volunteer gets (built here for the
preview and for the sender alike, so the preview is exactly what goes out), the coordinator's
progress message (its buttons are `handlers.broadcasts.control`'s) and the final report."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import formatting
from handlers.activities import links
from handlers.events import InlineButton, InlineKeyboard, SendNotice
from handlers.services import Deployment, Texts
from models.activities.tables import Activity
from models.broadcasts.outbox import Figures
from models.broadcasts.tables import Broadcast, BroadcastStatus
from models.registration import volunteers


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
        url = links.activity_url(bot_username, activity)
        label = texts.get(language, "broadcasts.sign_up")
        markup = InlineKeyboard(rows=((InlineButton(label, url=url),),))
    return SendNotice(
        chat_id, broadcast.text, photo_id=broadcast.photo_id, markup=markup, paid_broadcast=paid
    )


async def language_of(session: AsyncSession, telegram_id: int, deployment: Deployment) -> str:
    return await volunteers.language_of(session, telegram_id) or deployment.default_language


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
    """The progress message: when it goes out (or that it is going out, once its time has come
    and until the sender has started it), or the figures so far and, while it runs, when it
    should end."""
    if broadcast.status == BroadcastStatus.SCHEDULED and broadcast.send_at is not None:
        at = formatting.moment(texts, language, broadcast.send_at, zone)
        goes_out = (
            texts.get(language, "broadcasts.goes_now")
            if broadcast.send_at <= now
            else texts.get(language, "broadcasts.goes_out", at=at)
        )
        return "\n".join([_head(texts, language, broadcast, now), goes_out])
    text = report_text(texts, language, broadcast, figures)
    if broadcast.status == BroadcastStatus.RUNNING and figures.left:
        finish = now + timedelta(seconds=figures.left / rate)
        at = formatting.moment(texts, language, finish, zone)
        text += "\n" + texts.get(language, "broadcasts.eta", at=at)
    return text


def report_text(texts: Texts, language: str, broadcast: Broadcast, figures: Figures) -> str:
    """A call's status and figures: the final report once nobody is left to send to (or the
    call was cancelled), and the body of the progress message."""
    return "\n".join([_head(texts, language, broadcast), _figures_text(texts, language, figures)])


def _head(texts: Texts, language: str, broadcast: Broadcast, now: datetime | None = None) -> str:
    """The call's status: a scheduled call whose time has come (`now`) is being sent, though
    the sender has not started it yet — never "scheduled" after "Send now"."""
    status = broadcast.status
    due = broadcast.send_at is not None and now is not None and broadcast.send_at <= now
    if status == BroadcastStatus.SCHEDULED and due:
        status = BroadcastStatus.RUNNING
    return texts.get(language, f"broadcasts.status_{status}", id=broadcast.id)
