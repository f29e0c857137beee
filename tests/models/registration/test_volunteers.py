from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.signup import SignupPolicy
from models.audit import AuditEntry
from models.crypto import IdCipher
from models.errors import Conflict
from models.registration import erasure, volunteers
from models.registration.tables import Availability, Volunteer
from models.registration.validation import parse_prc_id
from models.registration.volunteers import Draft, SealedId
from tests.ids import make_id

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
cipher = IdCipher(IdCipher.generate_key())


async def complete_draft(session: AsyncSession, number: str | None = None) -> Draft:
    themes = await volunteers.themes(session)
    districts = await volunteers.districts(session)
    return Draft(
        name="王小明",
        phone="+8613800138000",
        sealed_id=SealedId.seal(parse_prc_id(number, date(2026, 11, 23)), cipher)
        if number
        else None,
        district_id=districts[0].id,
        theme_ids=[themes[0].id, themes[2].id],
        availability=Availability.WEEKENDS | Availability.EVENINGS,
    )


async def test_register_writes_the_volunteer_and_an_audit_row(session: AsyncSession) -> None:
    draft = await complete_draft(session, make_id())
    volunteer = await volunteers.register(
        session, telegram_id=1001, language="zh-CN", draft=draft, now=NOW
    )
    await session.commit()
    stored = await volunteers.find_volunteer(session, 1001)
    assert stored is volunteer
    assert (
        stored.is_real_name and stored.id_number_masked == make_id()[:4] + "*" * 10 + make_id()[-4:]
    )
    assert cipher.decrypt(stored.id_number_encrypted or b"") == make_id()
    assert [t.id for t in stored.themes] == sorted(draft.theme_ids)
    audit = (await session.scalars(select(AuditEntry))).all()
    assert [(a.action, a.actor_telegram_id, a.target_id) for a in audit] == [
        ("volunteer.registered", 1001, volunteer.id)
    ]


async def test_the_same_id_number_cannot_register_twice(session: AsyncSession) -> None:
    await volunteers.register(
        session,
        telegram_id=1001,
        language="en",
        draft=await complete_draft(session, make_id()),
        now=NOW,
    )
    with pytest.raises(Conflict) as refused:
        await volunteers.register(
            session,
            telegram_id=1002,
            language="en",
            draft=await complete_draft(session, make_id()),
            now=NOW,
        )
    assert refused.value.code == "id_taken"


async def test_a_telegram_account_registers_once(session: AsyncSession) -> None:
    draft = await complete_draft(session)
    await volunteers.register(session, telegram_id=1001, language="en", draft=draft, now=NOW)
    with pytest.raises(Conflict) as refused:
        await volunteers.register(session, telegram_id=1001, language="en", draft=draft, now=NOW)
    assert refused.value.code == "already_registered"


async def test_erase_removes_personal_data_and_keeps_the_anonymous_row(
    session: AsyncSession,
) -> None:
    volunteer = await volunteers.register(
        session,
        telegram_id=1001,
        language="en",
        draft=await complete_draft(session, make_id()),
        now=NOW,
    )
    await erasure.erase(session, 1001, now=NOW, policy=SignupPolicy())
    await session.commit()
    row = await session.get(Volunteer, volunteer.id)
    assert row is not None and row.status == "erased"
    assert (
        row.telegram_id,
        row.full_name,
        row.phone,
        row.id_number_encrypted,
        row.id_number_index,
    ) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert row.themes == []
    assert await volunteers.find_volunteer(session, 1001) is None
    # The same person (and ID number) may register again afterwards.
    await volunteers.register(
        session,
        telegram_id=1001,
        language="en",
        draft=await complete_draft(session, make_id()),
        now=NOW,
    )
    assert await session.scalar(select(func.count()).select_from(Volunteer)) == 2


async def test_profile_update_changes_only_the_named_field(session: AsyncSession) -> None:
    volunteer = await volunteers.register(
        session, telegram_id=1001, language="en", draft=await complete_draft(session), now=NOW
    )
    draft = volunteers.draft_of(volunteer)
    draft.name, draft.phone = "李华", "+8613900139000"
    await volunteers.update_profile(session, volunteer, draft, ["name"], NOW)
    assert (volunteer.full_name, volunteer.phone) == ("李华", "+8613800138000")
