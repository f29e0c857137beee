"""Who is asking the dashboard's API, and the refusals it answers with (HTTP status + a short
error word the page understands). Every rule about who may see or change what is the chat's own
(`models/teams/roles.py`, `models/broadcasts/control.py`), asked here on every request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import languages
from handlers.dashboard.init_data import WebAppUser
from handlers.services import Services
from models.activities.tables import Activity, Shift
from models.errors import Conflict, NotAllowed
from models.publishing import publication
from models.registration import volunteers
from models.registration.tables import Volunteer
from models.teams import roles
from models.teams.tables import Role


class ApiError(Exception):
    """A refusal: `status` and the JSON body `{"error": error, "field": field}`."""

    def __init__(self, status: int, error: str, field: str | None = None) -> None:
        super().__init__(status, error, field)
        self.status, self.error, self.field = status, error, field

    def body(self) -> dict[str, str]:
        return {"error": self.error, **({"field": self.field} if self.field else {})}


FORBIDDEN = ApiError(403, "forbidden")


@dataclass(frozen=True)
class Caller:
    """The person behind a request, as Telegram vouched for them, and their language."""

    telegram_id: int
    first_name: str
    language: str
    volunteer: Volunteer | None


def language_for(services: Services, app_language: str | None) -> str:
    """The language of someone not (yet) known: their Telegram app's, mapped as the chat does."""
    default = services.deployment.default_language
    return languages.preferred(app_language, services.texts.languages, default)


async def caller(session: AsyncSession, services: Services, user: WebAppUser) -> Caller:
    """The volunteer's chosen language, else their Telegram app's, mapped as the chat does."""
    volunteer = await volunteers.find_volunteer(session, user.id)
    language = (
        volunteer.language if volunteer is not None else language_for(services, user.language_code)
    )
    return Caller(user.id, user.first_name, language, volunteer)


def registered(who: Caller) -> Volunteer:
    if who.volunteer is None:
        raise FORBIDDEN
    return who.volunteer


async def require_coordinator(session: AsyncSession, services: Services, who: Caller) -> None:
    """An admin or a coordinator of any team (`roles.require`, as the chat's guards)."""
    try:
        await roles.require(
            session, who.telegram_id, Role.COORDINATOR, services.deployment.admin_ids
        )
    except NotAllowed as error:
        raise FORBIDDEN from error


async def managed_shift(
    session: AsyncSession, services: Services, who: Caller, shift_id: int
) -> tuple[Shift, Activity]:
    """The shift, if it exists (404) and the caller manages its team (403): the rule of the
    chat's coordinator buttons (`publication.managed_shift`)."""
    admins = services.deployment.admin_ids
    try:
        return await publication.managed_shift(session, who.telegram_id, shift_id, admins)
    except NotAllowed as error:
        raise FORBIDDEN from error
    except Conflict as error:  # the shift or its activity is gone
        raise ApiError(404, "not_found") from error
