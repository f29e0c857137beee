"""Organisations above teams: admins run them with /orgs (teams, admins, invites); an
organisation's admins see their teams' figures, exports and calls through /stats, /export and
/broadcast, whose rules (`models/organisations`) admit them."""

from handlers.organisations import admin
from handlers.router import Router

router = Router()
router.include(admin.router)

__all__ = ["router"]
