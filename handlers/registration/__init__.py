"""Registration: a volunteer registers (/start → language → privacy → the profile questions →
confirm), sees and changes their profile (/profile), and erases their data (/delete_me).
"""

from handlers.registration import erase, fields, profile, register
from handlers.router import Router

router = Router()
for module in (
    register,
    fields,
    profile,
    erase,
):
    router.include(module.router)

__all__ = ["router"]
