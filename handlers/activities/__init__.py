"""Activities, as volunteers meet them: browse and filter (/activities), an activity's card, sign up
for a shift or join its waiting list, take or pass on an offered place, see and cancel their shifts
(/my) with a calendar file or a calendar subscription (the feed: `calendar_feed.py`); and the
cards posted in groups.
"""

from handlers.activities import browse, groups, my_shifts, offers, signup
from handlers.router import Router

router = Router.including(browse, signup, offers, my_shifts, groups)

__all__ = ["router"]
