"""Statistics split by organisation, and the scope's real-name volunteers by gender and age
band — what a federation's bulletin reports beside the figures of `stats` (women volunteers
apart, the young and the old).

Gender and age are read from what registration stores, never decrypted: the PRC ID number's
17th digit gives the gender (odd: male, even: female) and is one of the four digits the masked
number keeps (`3502**********1234`); the birth date is stored as it is. Decrypting the number for
each of a city's 650,000 volunteers (Fernet, about 26 µs each in Python) would take about 17 s
of CPU per `/stats`; a SQL GROUP BY over stored columns takes one scan. Volunteers who
registered without a real name (no ID number) count as "not stated".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity
from models.organisations.tables import Organisation, OrganisationTeam
from models.publishing.recruiting import born_by
from models.registration.tables import Volunteer
from models.reports.stats import (
    Period,
    Scope,
    Service,
    _confirmed,
    _service,
    _service_columns,
    people,
)

Gender = StrEnum("Gender", "FEMALE MALE UNSTATED")
# Age bands, by the lowest age of each (in years, on the last day of the period).
AGE_BANDS: tuple[int, ...] = (0, 18, 35, 60)
UNSTATED_AGE = -1  # the band of those without a stated birth date
ID_GENDER_DIGIT = 17  # 1-based, in the ID number and in its masked form


@dataclass(frozen=True)
class OrganisationLine:
    organisation_id: int
    name: str
    teams: int
    service: Service  # of its teams within the scope (a team in two organisations: in both)


@dataclass(frozen=True)
class People:
    """The scope's volunteers (as `stats.volunteers` counts them) by gender and by age band."""

    genders: dict[Gender, int]
    ages: dict[int, int]  # the band's lowest age (or UNSTATED_AGE) → volunteers

    @property
    def stated(self) -> int:
        """Those whose ID number states their gender (without real-name volunteers, a split
        would say nothing)."""
        return self.genders[Gender.FEMALE] + self.genders[Gender.MALE]


async def by_organisation(
    session: AsyncSession, scope: Scope, period: Period
) -> list[OrganisationLine]:
    """Each organisation with a team in the scope: its teams there and their service in the
    period, most hours first."""
    links = select(OrganisationTeam.organisation_id, OrganisationTeam.team_id)
    if scope.team_ids is not None:
        links = links.where(OrganisationTeam.team_id.in_(scope.team_ids))
    linked = links.subquery()
    served = (
        _confirmed(scope, period, linked.c.organisation_id, *_service_columns())
        .join(linked, linked.c.team_id == Activity.team_id)
        .group_by(linked.c.organisation_id)
        .subquery()
    )
    counted = (
        select(linked.c.organisation_id, func.count().label("teams"))
        .group_by(linked.c.organisation_id)
        .subquery()
    )
    query = (
        select(Organisation.id, Organisation.name, counted.c.teams, *served.c)
        .join(counted, counted.c.organisation_id == Organisation.id)
        .outerjoin(served, served.c.organisation_id == Organisation.id)
        .order_by(func.coalesce(served.c.credited + served.c.honour, 0).desc(), Organisation.name)
    )
    return [
        OrganisationLine(row.id, row.name, int(row.teams), _service(row))
        for row in await session.execute(query)
    ]


def _gender() -> Any:
    digit = func.substr(Volunteer.id_number_masked, ID_GENDER_DIGIT, 1)
    return case(
        (digit.in_(("1", "3", "5", "7", "9")), Gender.MALE.value),
        (digit.in_(("0", "2", "4", "6", "8")), Gender.FEMALE.value),
        else_=Gender.UNSTATED.value,
    )


def _age_band(on: date) -> Any:
    """The band of the age on `on`: a CASE over the latest birth dates of each band's age."""
    oldest_first = sorted(AGE_BANDS, reverse=True)
    return case(
        (Volunteer.birth_date.is_(None), UNSTATED_AGE),
        *((Volunteer.birth_date <= born_by(on, age), age) for age in oldest_first[:-1]),
        else_=oldest_first[-1],
    )


async def by_person(session: AsyncSession, scope: Scope, period: Period) -> People:
    """The scope's volunteers at the end of the period by gender and age band (one query)."""
    on = period.end - timedelta(days=1)
    counted = people(scope, period.ends_at).subquery()
    rows = await session.execute(
        select(_gender().label("gender"), _age_band(on).label("band"), func.count())
        .select_from(counted)
        .join(Volunteer, Volunteer.id == counted.c.person)
        .group_by("gender", "band")
    )
    genders = dict.fromkeys(Gender, 0)
    ages = dict.fromkeys((*AGE_BANDS, UNSTATED_AGE), 0)
    for gender, band, count in rows:
        genders[Gender(gender)] += int(count)
        ages[int(band)] += int(count)
    return People(genders, ages)


@dataclass(frozen=True)
class Split:
    """The splits shown beside an `Overview` of the same scope and months."""

    organisations: tuple[OrganisationLine, ...]
    people: People  # at the end of the last month, as `Overview.volunteers`


async def split(
    session: AsyncSession, scope: Scope, *, last: date, months: int, zone: ZoneInfo
) -> Split:
    """The scope's split by organisation over the `months` months ending with `last`'s, and its
    volunteers at the end of `last`'s month by gender and age band."""
    return Split(
        organisations=tuple(
            await by_organisation(session, scope, Period.months(last, months, zone))
        ),
        people=await by_person(session, scope, Period.months(last, 1, zone)),
    )
