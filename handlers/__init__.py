"""The conversations, written once and independent of any Telegram framework.

Each journey package (`registration`, `activities`, `publishing`, `reminders`, `attendance`,
`broadcasts`, `teams`, `organisations`, `training`, `help_requests`, `reports`, `rotas`,
`stations`, `dashboard`) builds its own router; `root_router` includes them, and `general`
(/help, /cancel, what the bot does not understand) last. Shared plumbing sits at this root:
`router`, `context`, `events`, `callbacks`, `formatting` and `notify`.
"""

from handlers import (
    activities,
    attendance,
    broadcasts,
    dashboard,
    general,
    help_requests,
    organisations,
    publishing,
    registration,
    reminders,
    reports,
    rotas,
    stations,
    teams,
    training,
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
    organisations,
    training,
    help_requests,
    reports,
    rotas,
    stations,
    dashboard,
    general,
):
    root_router.include(journey.router)

__all__ = ["root_router"]
