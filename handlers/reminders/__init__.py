"""Reminders: the message before a shift and the volunteer's answer to it, what a volunteer chooses
to be sent (/notifications), and what coordinators are told unasked (short shifts, the evening
digest).
"""

from handlers.reminders import before_shift, notifications
from handlers.router import Router

router = Router()
for module in (
    before_shift,
    notifications,
):
    router.include(module.router)

__all__ = ["router"]
