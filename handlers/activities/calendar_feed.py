"""The calendar subscription: the feed a phone's calendar fetches from the bot's HTTP server
(`feed`, served by `bot/webserver.py`), and the subscribe button /my shows.

The feed lists the shifts the volunteer holds a place on, each event under the shift's stable
UID, so a moved shift moves in the phone's calendar and a cancelled sign-up leaves it. Replacing
the address is /my's (`handlers/activities/my_shifts.py`).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from handlers.activities import calendar_file, links
from handlers.context import Context
from handlers.events import InlineButton
from handlers.services import Services
from models.activities import calendar_feed

# How often a subscribed calendar should fetch the feed again (clients may choose otherwise).
REFRESH = timedelta(hours=1)


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url}/calendar/{token}.ics"


async def subscribe_button(ctx: Context) -> InlineButton | None:
    """The button that opens the volunteer's feed address (made on first use); None when the
    deployment has no public address. An https link: Telegram's URL buttons take no webcal://."""
    if not ctx.deployment.public_url:
        return None
    token = await calendar_feed.token_of(ctx.session, ctx.registered_volunteer, now=ctx.clock.now())
    return InlineButton(ctx.t("my.subscribe"), url=feed_url(ctx.deployment.public_url, token))


async def feed(services: Services, token: str) -> bytes | None:
    """The calendar `token` opens, or None when it opens none (unknown, replaced, erased)."""
    async with services.sessions() as session:
        found = await calendar_feed.subscriber(session, token)
        if found is None:
            return None
        items = await calendar_feed.items(session, found.volunteer_id, now=services.clock.now())
    return calendar_file.ics(
        items,
        link=partial(links.activity_url, services.bot_username),
        host=services.bot_username,
        zone=services.deployment.zone,
        calendar_name=services.texts.get(found.language, "my.calendar_name"),
        refresh=REFRESH,
    )
