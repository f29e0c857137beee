"""Recruitment calls: a coordinator composes one (/broadcast: notice, activity, audience, preview,
time), follows its progress and pauses, resumes or cancels it (/broadcasts); the notice each
volunteer gets.
"""

from handlers.broadcasts import compose, control, send_time
from handlers.router import Router

router = Router()
for module in (
    compose,
    send_time,
    control,
):
    router.include(module.router)

__all__ = ["router"]
