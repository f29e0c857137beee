"""Teams: volunteers find them in the directory (/teams), join and leave them (join links,
requests), coordinators and admins run them
(/team: members, requests, invites, roles; withdrawn invites, replaced join links), admins read
the audit log (/audit).
"""

from handlers.router import Router
from handlers.teams import audit_log, directory, invites, membership, team_admin

router = Router()
for module in (
    directory,
    membership,
    team_admin,
    invites,
    audit_log,
):
    router.include(module.router)

__all__ = ["router"]
