"""Who a call for volunteers goes to when a shift needs people: those who like the activity's
theme, qualify for the shift (real name, age, required skill, not blocked for no-shows), are free
at that time, have muted neither calls nor calls about the theme, can be reached, and are not on
the shift already.

One query, so that a city of hundreds of thousands costs a scan, not a loop over people. Signing
up from the call still checks every rule (`signup.check_may_sign_up`); the daily-hours limit is
left to that check, so the audience may hold a few who will be told they have done enough that day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, select

from models.activities.places import ACTIVE
from models.activities.signup import SignupPolicy
from models.activities.tables import Activity, Shift, ShiftStatus, Signup, SignupStatus
from models.registration.tables import Volunteer, VolunteerStatus, volunteer_muted_themes


def born_by(day: date, age: int) -> date:
    """The latest birth date of someone at least `age` years old on `day` (see `signup.age_on`;
    one born on 29 February comes of age on 1 March in other years)."""
    try:
        return day.replace(year=day.year - age)
    except ValueError:
        return day.replace(year=day.year - age, day=28)


def conditions(
    shift: Shift, activity: Activity, *, now: datetime, policy: SignupPolicy
) -> list[ColumnElement[bool]]:
    """The conditions on `Volunteer` of those who could fill the shift (see the module's doc)."""
    on_shift = select(Signup.volunteer_id).where(Signup.shift_id == shift.id)
    busy = (
        select(Signup.volunteer_id)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            Signup.status.in_(ACTIVE),
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
    )
    muted_theme = select(volunteer_muted_themes.c.volunteer_id).where(
        volunteer_muted_themes.c.theme_id == activity.theme_id
    )
    conditions = [
        Volunteer.status == VolunteerStatus.ACTIVE,
        Volunteer.reachable.is_(True),
        Volunteer.mute_recruitment.is_(False),
        Volunteer.telegram_id.is_not(None),
        Volunteer.themes.any(id=activity.theme_id),
        Volunteer.id.not_in(muted_theme),
        Volunteer.id.not_in(on_shift),
        Volunteer.id.not_in(busy),
    ]
    if activity.require_real_name:
        conditions.append(Volunteer.id_number_index.is_not(None))
    if activity.min_age is not None:
        day = shift.starts_at.astimezone(policy.zone).date()
        conditions.append(Volunteer.birth_date <= born_by(day, activity.min_age))
    if activity.required_theme_id is not None:
        conditions.append(Volunteer.themes.any(id=activity.required_theme_id))
    if policy.no_show_limit > 0:
        blocked = (
            select(Signup.volunteer_id)
            .join(Shift, Shift.id == Signup.shift_id)
            .where(
                Signup.status == SignupStatus.NO_SHOW, Shift.starts_at > now - policy.no_show_block
            )
            .group_by(Signup.volunteer_id)
            .having(func.count() >= policy.no_show_limit)
        )
        conditions.append(Volunteer.id.not_in(blocked))
    return conditions


def audience(
    shift: Shift, activity: Activity, *, now: datetime, policy: SignupPolicy
) -> Select[Volunteer]:
    """The volunteers a call for this shift goes to, in registration order."""
    return (
        select(Volunteer)
        .where(*conditions(shift, activity, now=now, policy=policy))
        .order_by(Volunteer.id)
    )
