"""The conversations, written once and independent of any Telegram framework.

Each journey package (`registration`, `activities`, `publishing`, `reminders`, `attendance`,
`broadcasts`, `teams`, `help_requests`, `reports`, `stations`, `dashboard`) builds its own router;
`root_router` includes them, and `general` (/help, /cancel, what the bot does not understand)
last. Shared plumbing sits
at this root: `router`, `context`, `events`, `callbacks`, `formatting` and `notify`.
"""

from handlers import (
    activities,
    attendance,
    broadcasts,
    dashboard,
    general,
    help_requests,
    publishing,
    registration,
    reminders,
    reports,
    stations,
    teams,
)
from handlers.router import Router

root_router = Router()
for journey in (
    registration,
    activities,
    publishing,
    reminders,
    attendance,
    broadcasts,
    teams,
    help_requests,
    reports,
    stations,
    dashboard,
    general,
):
    root_router.include(journey.router)

__all__ = ["root_router"]
