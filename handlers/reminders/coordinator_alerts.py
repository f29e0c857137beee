"""What coordinators are told unasked (see `models.reminders.coordinator_alerts`): a shift still
short of people, with a one-tap call to the volunteers who could fill it, and the evening digest of
tomorrow's shifts. The scheduler builds these; the button is handled by the recruitment call in
`manage`."""

from __future__ import annotations

from handlers import formatting
from handlers.notify import Notifier
from handlers.publishing import manage
from models.broadcasts import audience as audiences
from models.broadcasts import shift_call
from models.reminders.coordinator_alerts import Digest, Short
from models.teams import roles


async def short_of_people(notify: Notifier, short: Short) -> None:
    """Tell the shift's coordinators how short it is and how many a call from each would reach
    (the volunteers of their teams who could fill it)."""
    shift, activity, session = short.shift, short.activity, notify.session
    admins = tuple(notify.deployment.admin_ids)
    for telegram_id in await roles.coordinator_ids(session, activity.team_id):
        scope = await audiences.scope_of(session, telegram_id, admins)
        audience = await shift_call.reach(
            session, shift, activity, scope, now=notify.clock.now(), policy=notify.deployment.signup
        )
        language = await notify.language_of(telegram_id)
        key = "alerts.short" if audience else "alerts.short_nobody"
        text = notify.text(
            language,
            key,
            title=activity.title,
            when=notify.when(language, shift),
            held=short.held,
            capacity=shift.capacity,
            audience=audience,
        )
        call = notify.button(
            telegram_id,
            language,
            "alerts.recruit",
            manage.SendRecruitCall(shift.id),
            count=audience,
        )
        notify.send(telegram_id, text, [call] if audience else None)


async def digest(notify: Notifier, digest: Digest) -> None:
    """One coordinator's list of tomorrow's shifts and their fill."""
    language = await notify.language_of(digest.telegram_id)
    zone = notify.deployment.zone
    day = formatting.day(notify.texts, language, digest.lines[0].shift.starts_at, zone)
    lines = [notify.text(language, "alerts.digest_header", day=day)]
    for line in digest.lines:
        shift, load = line.shift, line.load
        key = "alerts.digest_full" if load.held >= shift.capacity else "alerts.digest_short"
        lines.append(
            notify.text(
                language,
                key,
                time=formatting.clock(notify.texts, language, shift.starts_at, zone),
                title=line.activity.title,
                held=load.held,
                capacity=shift.capacity,
                waiting=load.waiting,
            )
        )
    notify.send(digest.telegram_id, "\n".join(lines))
