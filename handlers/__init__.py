"""The conversations, written once and independent of any Telegram framework.

`root_router` includes every feature's router; the dispatcher in `bot/` routes each event to it.
"""

from handlers import (
    activities,
    audit_log,
    certificate,
    checkin,
    confirm_hours,
    edit_activity,
    erase,
    fields,
    general,
    groups,
    hours,
    import_activities,
    manage,
    my_shifts,
    new_activity,
    notifications,
    offers,
    profile,
    registration,
    reminders,
    shift_roster,
    signup,
    team_admin,
    teams,
)
from handlers.router import Router

root_router = Router()
for feature in (
    registration,
    fields,
    profile,
    erase,
    activities,
    signup,
    offers,
    my_shifts,
    reminders,
    checkin,
    hours,
    certificate,
    manage,
    shift_roster,
    confirm_hours,
    teams,
    team_admin,
    audit_log,
    groups,
    import_activities,
    new_activity,
    edit_activity,
    notifications,
    general,
):
    root_router.include(feature.router)

__all__ = ["root_router"]
