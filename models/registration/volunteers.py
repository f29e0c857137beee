"""Registering volunteers and editing their profile (erasing them is `erasure`).

A registration is collected step by step into a draft (kept in the conversation state, with the
ID number already encrypted) and written in one go on confirmation, so nothing half-written ever
reaches the volunteers table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.base import table_of
from models.crypto import IdCipher
from models.driver import OnDriver, fill, held_or_loaded
from models.errors import Conflict
from models.reference import District, Theme
from models.registration.tables import (
    Volunteer,
    VolunteerStatus,
    volunteer_muted_themes,
    volunteer_themes,
)
from models.registration.validation import PrcId


@dataclass
class SealedId:
    """An ID number as it may be stored: encrypted, indexed and masked, never plain."""

    encrypted: str
    index: str
    masked: str
    birth_date: str
    # The number's index under the old keys while a key rotation is under way: a volunteer
    # the rotation has not reached yet is found by one of these.
    former_indexes: list[str] = field(default_factory=list)

    @classmethod
    def seal(cls, prc_id: PrcId, cipher: IdCipher) -> SealedId:
        return cls(
            encrypted=cipher.encrypt(prc_id.number).decode(),
            index=cipher.blind_index(prc_id.number),
            masked=prc_id.masked,
            birth_date=prc_id.birth_date.isoformat(),
            former_indexes=cipher.former_indexes(prc_id.number),
        )

    def resealed(self, cipher: IdCipher) -> SealedId:
        """The same number under the cipher's current key."""
        number = cipher.decrypt(self.encrypted.encode())
        return replace(
            self,
            encrypted=cipher.encrypt(number).decode(),
            index=cipher.blind_index(number),
            former_indexes=cipher.former_indexes(number),
        )


@dataclass
class Draft:
    """What a volunteer has entered so far; JSON-friendly so it lives in the conversation state."""

    name: str | None = None
    phone: str | None = None
    sealed_id: SealedId | None = None
    district_id: int | None = None
    theme_ids: list[int] = field(default_factory=list)
    availability: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        values = dict(data)
        sealed = values.pop("sealed_id", None)
        # A copy of the list: mutating the stored JSON in place would hide the change from
        # SQLAlchemy, and the new selection would never be written.
        values["theme_ids"] = list(values.get("theme_ids", []))
        return cls(sealed_id=SealedId(**sealed) if sealed else None, **values)


async def districts(session: AsyncSession) -> Sequence[District]:
    return (
        await session.scalars(select(District).order_by(District.sort_order, District.id))
    ).all()


async def themes(session: AsyncSession) -> Sequence[Theme]:
    query = select(Theme).where(Theme.active).order_by(Theme.sort_order, Theme.id)
    return (await session.scalars(query)).all()


def _volunteer_by_telegram_id(_database: str) -> Select[Any]:
    """`find_volunteer`'s statement: the volunteer's columns, their district's and, one row
    for each of their themes and muted themes (none: one row), which list (0: themes, 1: muted)
    and the theme's columns."""
    volunteer, district, theme = (table_of(cls) for cls in (Volunteer, District, Theme))
    chosen = union_all(
        *(
            select(
                picked.c.volunteer_id, literal_column(str(kind)).label("kind"), picked.c.theme_id
            )
            for kind, picked in enumerate((volunteer_themes, volunteer_muted_themes))
        )
    ).subquery()
    return (
        select(*volunteer.c, *district.c, chosen.c.kind, *theme.c)
        .select_from(
            volunteer.outerjoin(district, district.c.id == volunteer.c.district_id)
            .outerjoin(chosen, chosen.c.volunteer_id == volunteer.c.id)
            .outerjoin(theme, theme.c.id == chosen.c.theme_id)
        )
        .where(volunteer.c.telegram_id == bindparam("telegram_id"))
        .order_by(theme.c.sort_order, theme.c.id)
    )


# The dispatcher runs it for every update: on the driver (`models.driver`). The few rows of a
# person's themes joined in cost less than the two more round trips of the mapping's own
# (`selectin`) loads, which suit lists of volunteers.
_VOLUNTEER = OnDriver(_volunteer_by_telegram_id)
_THEME_LISTS = ("themes", "muted_themes")


async def find_volunteer(session: AsyncSession, telegram_id: int) -> Volunteer | None:
    """The volunteer, with their district and themes, in one statement."""
    rows = [_parts(row) for row in await _VOLUNTEER.rows(session, telegram_id=telegram_id)]
    if not rows:
        return None
    volunteer, district, _, _ = rows[0]
    found = held_or_loaded(session, Volunteer, volunteer)
    held = None if district["id"] is None else held_or_loaded(session, District, district)
    fill(found, "district", held)
    lists: tuple[list[Theme], list[Theme]] = ([], [])
    for _, _, kind, theme in rows:
        if kind is not None:
            lists[int(kind)].append(held_or_loaded(session, Theme, theme))
    for name, themes in zip(_THEME_LISTS, lists, strict=True):
        fill(found, name, themes)
    return found


@cache
def _names() -> tuple[list[str], list[str], list[str]]:
    volunteer, district, theme = (table_of(cls).c.keys() for cls in (Volunteer, District, Theme))
    return volunteer, district, theme


def _parts(row: Sequence[Any]) -> tuple[dict[str, Any], dict[str, Any], int | None, dict[str, Any]]:
    """A row of `_volunteer_by_telegram_id`: the volunteer's columns, the district's, which
    list the theme is on and the theme's (by name)."""
    names = _names()
    cut = len(names[0]), len(names[0]) + len(names[1])
    return (
        dict(zip(names[0], row[: cut[0]], strict=True)),
        dict(zip(names[1], row[cut[0] : cut[1]], strict=True)),
        row[cut[1]],
        dict(zip(names[2], row[cut[1] + 1 :], strict=True)),
    )


async def language_of(session: AsyncSession, telegram_id: int) -> str | None:
    """The language a volunteer chose; None for someone not registered (a coordinator may not
    be)."""
    return await session.scalar(
        select(Volunteer.language).where(Volunteer.telegram_id == telegram_id)
    )


async def ensure_id_free(
    session: AsyncSession, sealed: SealedId, owner: Volunteer | None = None
) -> None:
    """Refuse an ID number that another volunteer already registered with (under the current
    key, or an old one while a rotation is under way)."""
    holders = select(Volunteer.id).where(
        Volunteer.id_number_index.in_([sealed.index, *sealed.former_indexes])
    )
    if owner is not None:
        holders = holders.where(Volunteer.id != owner.id)
    if await session.scalar(holders.limit(1)) is not None:
        raise Conflict("id_taken")


async def register(
    session: AsyncSession, *, telegram_id: int, language: str, draft: Draft, now: datetime
) -> Volunteer:
    """Create the volunteer from a complete draft, in the caller's transaction."""
    if await find_volunteer(session, telegram_id) is not None:
        raise Conflict("already_registered")
    if draft.name is None or draft.phone is None:
        raise Conflict("draft_incomplete")
    volunteer = Volunteer(
        telegram_id=telegram_id,
        status=VolunteerStatus.ACTIVE,
        language=language,
        full_name=draft.name,
        phone=draft.phone,
        district_id=draft.district_id,
        availability=draft.availability,
        registered_at=now,
        themes=list(await _themes_by_id(session, draft.theme_ids)),
    )
    if draft.sealed_id is not None:
        await ensure_id_free(session, draft.sealed_id)
        _apply_sealed_id(volunteer, draft.sealed_id)
    session.add(volunteer)
    await session.flush()
    audit.record(
        session,
        telegram_id,
        "volunteer.registered",
        volunteer,
        now,
        after={"real_name": volunteer.is_real_name},
    )
    return volunteer


async def update_profile(
    session: AsyncSession, volunteer: Volunteer, draft: Draft, fields: Sequence[str], now: datetime
) -> None:
    """Copy the named fields of `draft` onto the volunteer (the /profile edit)."""
    for name in fields:
        if name == "name":
            volunteer.full_name = draft.name
        elif name == "phone":
            volunteer.phone = draft.phone
        elif name == "id_number" and draft.sealed_id is not None:
            await ensure_id_free(session, draft.sealed_id, owner=volunteer)
            _apply_sealed_id(volunteer, draft.sealed_id)
        elif name == "district":
            volunteer.district_id = draft.district_id
        elif name == "themes":
            volunteer.themes = list(await _themes_by_id(session, draft.theme_ids))
        elif name == "availability":
            volunteer.availability = draft.availability
        else:
            raise ValueError(f"unknown profile field {name!r}")
    await session.flush()
    audit.record(
        session,
        volunteer.telegram_id,
        "volunteer.profile_updated",
        volunteer,
        now,
        after={"fields": list(fields)},
    )


def draft_of(volunteer: Volunteer) -> Draft:
    """The volunteer's current profile as a draft, the starting point of an edit."""
    return Draft(
        name=volunteer.full_name,
        phone=volunteer.phone,
        district_id=volunteer.district_id,
        theme_ids=[theme.id for theme in volunteer.themes],
        availability=volunteer.availability,
    )


def _apply_sealed_id(volunteer: Volunteer, sealed: SealedId) -> None:
    volunteer.id_number_encrypted = sealed.encrypted.encode()
    volunteer.id_number_index = sealed.index
    volunteer.id_number_masked = sealed.masked
    volunteer.birth_date = date.fromisoformat(sealed.birth_date)


async def _themes_by_id(session: AsyncSession, ids: Sequence[int]) -> Sequence[Theme]:
    if not ids:
        return []
    return (await session.scalars(select(Theme).where(Theme.id.in_(ids)))).all()
