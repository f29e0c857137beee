"""Teams: volunteers join and leave them (/teams, join links), coordinators and admins run them
(/team: members, requests, invites, roles; withdrawn invites, replaced join links), admins read
the audit log (/audit).
"""

from handlers.router import Router
from handlers.teams import audit_log, invites, membership, team_admin

router = Router()
for module in (
    membership,
    team_admin,
    invites,
    audit_log,
):
    router.include(module.router)

__all__ = ["router"]
