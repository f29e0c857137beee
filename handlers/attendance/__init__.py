"""Attendance and hours: check in and out at the venue, a coordinator's review of a shift's
attendance and hours, a volunteer's hours and star level (/hours), and the service certificate
(/certificate, /verify).
"""

from handlers.attendance import certificate, checkin, hours, hours_review
from handlers.router import Router

router = Router()
for module in (
    checkin,
    hours_review,
    hours,
    certificate,
):
    router.include(module.router)

__all__ = ["router"]
