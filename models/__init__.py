"""ORM models and domain rules. Importing the package registers every table on `Base.metadata`."""

from models import (
    activity,
    audit,
    certificates,
    conversation,
    group,
    help_request,
    inbox,
    outreach,
    reference,
    team,
    volunteer,
)
from models.base import Base

__all__ = [
    "Base",
    "activity",
    "audit",
    "certificates",
    "conversation",
    "group",
    "help_request",
    "inbox",
    "outreach",
    "reference",
    "team",
    "volunteer",
]
