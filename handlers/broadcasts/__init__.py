"""Recruitment calls: a coordinator composes one (/broadcast: notice, activity, audience, preview,
time), follows its progress and pauses, resumes or cancels it (/broadcasts); the notice each
volunteer gets.
"""

from handlers.broadcasts import compose, control
from handlers.router import Router

router = Router()
for module in (
    compose,
    control,
):
    router.include(module.router)

__all__ = ["router"]
