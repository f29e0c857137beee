"""ORM models and domain rules, grouped by journey: what a person does with the bot.

Each journey package (`registration`, `activities`, `publishing`, `reminders`, `attendance`,
`broadcasts`, `teams`, `organisations`, `training`, `help_requests`, `reports`, `rotas`,
`stations`) holds the rules of that journey and, in its `tables` module, the tables it owns. Tables
live with the journey that writes them, so a newcomer finds a feature's schema next to its rules;
other journeys import them from there (a sign-up is the activities journey's, read by attendance
and reports). Shared plumbing stays here at the root: `base` (declarative base, column types),
`db`, `clock`, `errors`, `crypto`, `audit`, `conversation` (where each user is in a flow), `inbox`
(webhook updates) and `reference` (districts and themes).

Importing the package registers every table on `Base.metadata`.
"""

from models import audit, conversation, inbox, reference
from models.activities import groups
from models.activities import tables as activities_tables
from models.attendance import certificate
from models.base import Base
from models.broadcasts import tables as broadcasts_tables
from models.help_requests import tables as help_requests_tables
from models.organisations import tables as organisations_tables
from models.registration import tables as registration_tables
from models.reminders import tables as reminders_tables
from models.rotas import tables as rotas_tables
from models.stations import tables as stations_tables
from models.teams import tables as teams_tables
from models.training import tables as training_tables

TABLE_MODULES = (
    audit,
    conversation,
    inbox,
    reference,
    activities_tables,
    groups,
    certificate,
    broadcasts_tables,
    help_requests_tables,
    organisations_tables,
    registration_tables,
    reminders_tables,
    rotas_tables,
    stations_tables,
    teams_tables,
    training_tables,
)

__all__ = ["TABLE_MODULES", "Base"]
