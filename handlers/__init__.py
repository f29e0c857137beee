"""The conversations, written once and independent of any Telegram framework.

`root_router` includes every feature's router; the dispatcher in `bot/` routes each event to it.
"""

from handlers import (
    activities,
    ask_help,
    audit_log,
    broadcast,
    broadcasts,
    certificate,
    checkin,
    confirm_hours,
    edit_activity,
    erase,
    export_records,
    fields,
    general,
    groups,
    help_requests,
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
    stats,
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
    broadcast,
    broadcasts,
    shift_roster,
    confirm_hours,
    export_records,
    teams,
    team_admin,
    audit_log,
    stats,
    help_requests,
    ask_help,
    groups,
    import_activities,
    new_activity,
    edit_activity,
    notifications,
    general,
):
    root_router.include(feature.router)

__all__ = ["root_router"]
