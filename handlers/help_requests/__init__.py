"""Help requests: a resident asks for help (/ask_help) and rates it afterwards; coordinators triage
a request, dispatch volunteers to it or turn it into an activity; volunteers say yes or no.
"""

from handlers.help_requests import ask, assignments, convert, listing, triage
from handlers.router import Router

router = Router()
for module in (
    ask,
    triage,
    listing,
    convert,
    assignments,
):
    router.include(module.router)

__all__ = ["router"]
