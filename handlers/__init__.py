"""The conversations, written once and independent of any Telegram framework.

`root_router` includes every feature's router; the dispatcher in `bot/` routes each event to it.
"""

from handlers import (
    activities,
    erase,
    fields,
    general,
    groups,
    manage,
    my_shifts,
    offers,
    profile,
    registration,
    signup,
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
    manage,
    groups,
    general,
):
    root_router.include(feature.router)

__all__ = ["root_router"]
