"""When sign-up for a shift closes (its deadline, or its start), the people still waiting are
told they did not get a place, and where to look for another shift."""

from __future__ import annotations

from handlers.notify import Notifier
from models.activities.closing import Closed
from models.registration.tables import Volunteer


async def tell_turned_away(notify: Notifier, closed: Closed) -> None:
    for waiting in closed.turned_away:
        volunteer = await notify.session.get(Volunteer, waiting.volunteer_id)
        if volunteer is None or volunteer.telegram_id is None or not volunteer.reachable:
            continue
        language = volunteer.language
        text = notify.text(
            language,
            "closing.turned_away",
            title=closed.activity.title,
            when=notify.when(language, closed.shift),
        )
        notify.send(volunteer.telegram_id, text)
