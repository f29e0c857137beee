"""Publishing, for coordinators: plan a new activity step by step (/new_activity: details, shifts,
preview), import many from a file (/import), edit or cancel one, and manage them (/manage) with a
shift's roster, link, QR code and a one-tap call for a short shift.
"""

from handlers.publishing import (
    cancel_activity,
    edit_activity,
    import_activities,
    manage,
    new_activity,
    plan_preview,
    plan_shifts,
    shift_roster,
)
from handlers.router import Router

router = Router.including(
    new_activity,
    plan_shifts,
    plan_preview,
    edit_activity,
    cancel_activity,
    import_activities,
    manage,
    shift_roster,
)

__all__ = ["router"]
