"""Attendance and hours: check in and out at the venue, a coordinator's review of a shift's
attendance and hours (and changing a person's hours with a reason), a volunteer's hours and star
level (/hours), and the service certificate (/certificate, /verify).
"""

from handlers.attendance import certificate, change_hours, checkin, hours, hours_review
from handlers.router import Router

router = Router.including(checkin, hours_review, change_hours, hours, certificate)

__all__ = ["router"]
