"""Links into the bot: an activity's deep link and its printable QR code."""

from __future__ import annotations

import io

import segno

from handlers.context import Context
from models.activities.tables import Activity

ACTIVITY_LINK_PREFIX = "act"
QR_SCALE = 10  # pixels per module: sharp when printed on A5 and larger


def activity_payload(activity: Activity) -> str:
    return f"{ACTIVITY_LINK_PREFIX}_{activity.link_token}"


def activity_link(ctx: Context, activity: Activity) -> str:
    return activity_url(ctx.bot_username, activity)


def activity_url(bot_username: str, activity: Activity) -> str:
    """The activity's deep link, also for what is made outside a conversation (timed messages,
    the calendar feed)."""
    return f"https://t.me/{bot_username}?start={activity_payload(activity)}"


def qr_png(url: str) -> bytes:
    """A PNG of `url` as a QR code, with high error correction so a creased poster still scans."""
    buffer = io.BytesIO()
    segno.make_qr(url, error="h").save(buffer, kind="png", scale=QR_SCALE, border=4)
    return buffer.getvalue()
