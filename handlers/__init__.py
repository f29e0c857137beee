"""The conversations, written once and independent of any Telegram framework.

`root_router` includes every feature's router; the dispatcher in `bot/` routes each event to it.
"""

from handlers import erase, fields, general, profile, registration
from handlers.router import Router

root_router = Router()
for feature in (registration, fields, profile, erase, general):
    root_router.include(feature.router)

__all__ = ["root_router"]
