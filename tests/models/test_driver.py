"""The statements every update runs, sent straight to the driver (`models.driver`): what they
read and write is what the ORM would have read and written, on both databases. The rows they
return become instances the session treats as loaded; a driver error is SQLAlchemy's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import bindparam, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import inbox
from models.conversation import ConversationState, lock_state
from models.driver import OnDriver
from models.inbox import InboundUpdate
from models.reference import District
from models.registration.tables import Volunteer, VolunteerStatus
from models.registration.volunteers import find_volunteer
from tests.models.world import NOW, counting, make_volunteer, theme, volunteer_row


async def test_a_volunteer_comes_with_their_district_and_both_lists_of_themes(
    db: AsyncSession,
) -> None:
    chosen = [await theme(db, code) for code in ("events", "elderly")]
    muted = await theme(db, "environment")
    district = await db.scalar(select(District).order_by(District.id.desc()).limit(1))
    assert district is not None
    volunteer = volunteer_row(5001, themes=chosen)
    volunteer.district, volunteer.muted_themes = district, [muted]
    db.add(volunteer)
    await db.commit()
    db.expunge_all()

    found = await find_volunteer(db, 5001)

    assert found is not None and found.id == volunteer.id
    assert found.status is VolunteerStatus.ACTIVE  # read back as the enum member
    assert found.registered_at == NOW - timedelta(days=100)  # aware, in UTC
    assert found.district is not None and found.district.code == district.code
    # In the mapping's order (the themes' own), each list with its own themes.
    by_order = sorted(chosen, key=lambda t: t.sort_order)
    assert [t.code for t in found.themes] == [t.code for t in by_order]
    assert [t.code for t in found.muted_themes] == ["environment"]
    assert await find_volunteer(db, 5002) is None


async def test_what_is_found_is_loaded_unchanged_and_a_change_is_written(
    db: AsyncSession,
) -> None:
    await make_volunteer(db, 5001)
    await db.commit()
    db.expunge_all()

    found = await find_volunteer(db, 5001)
    assert found is not None
    assert found in db and not db.dirty and not db.new
    assert found.district is None and found.themes == [] and found.muted_themes == []
    with counting(db) as statements:
        await db.flush()
    assert statements == []  # nothing to write: it is as loaded

    found.reachable = False
    found.themes.append(await theme(db, "events"))
    await db.commit()
    db.expunge_all()
    again = await db.scalar(select(Volunteer).where(Volunteer.telegram_id == 5001))
    assert again is not None and again.reachable is False
    assert [t.code for t in again.themes] == ["events"]


async def test_a_volunteer_the_session_holds_is_the_one_returned(db: AsyncSession) -> None:
    held = await make_volunteer(db, 5001)
    held.full_name = "Wang Fang"  # not yet written: the query writes it first, as autoflush does

    assert await find_volunteer(db, 5001) is held
    assert held.full_name == "Wang Fang"
    written = await db.scalar(select(Volunteer.full_name).where(Volunteer.telegram_id == 5001))
    assert written == "Wang Fang"


async def test_the_state_is_created_then_locked_and_a_held_state_is_set_to_the_row(
    db: AsyncSession,
) -> None:
    state = await lock_state(db, 7001, NOW, first_name="  Xiao\u200b Ming ")
    assert (state.telegram_id, state.first_name, state.data, state.version) == (
        7001,
        "Xiao Ming",
        {},
        0,
    )
    assert state.updated_at == NOW
    state.flow, state.data = "register", {"step": 1}
    await db.commit()

    # Written behind the session's back: the held state is set to what the row says.
    await db.execute(
        update(ConversationState).where(ConversationState.telegram_id == 7001).values(version=3)
    )
    later = NOW + timedelta(minutes=5)
    again = await lock_state(db, 7001, later)
    assert again is state
    assert (again.flow, again.data, again.version, again.updated_at) == (
        "register",
        {"step": 1},
        3,
        later,
    )
    assert again.first_name == "Xiao Ming"  # kept when the update gives none
    assert not db.dirty


async def test_the_handled_mark_is_made_once(db: AsyncSession) -> None:
    await inbox.record(db, [{"update_id": 41}], now=NOW, claim_for=inbox.LEASE)
    assert await inbox.settle(db, 41) is True
    assert await inbox.settle(db, 41) is False  # handled already
    assert await inbox.settle(db, 42) is True  # never recorded: nothing to mark
    row = await db.get(InboundUpdate, 41)
    assert row is not None and row.status == "done" and row.lease_until is None


async def test_a_driver_error_is_raised_as_sqlalchemys(db: AsyncSession) -> None:
    missing = OnDriver(lambda _database: select(Volunteer.id).where(Volunteer.id == 1 / 0))
    with pytest.raises(ZeroDivisionError):
        await missing.rows(db)
    again = OnDriver(
        lambda _database: (
            insert(InboundUpdate)
            .values(update_id=41, payload=bindparam("typed"), status="pending", received_at=NOW)
            .returning(InboundUpdate.update_id)
        )
    )
    await inbox.record(db, [{"update_id": 41}], now=NOW)
    with pytest.raises(IntegrityError) as raised:  # the same update id twice
        await again.rows(db, typed={"text": "my ID number"})
    assert not raised.value.connection_invalidated
    assert "my ID number" not in str(raised.value)  # what was typed is not shown


async def test_whole_rows_come_as_the_instances_the_session_holds(db: AsyncSession) -> None:
    volunteer = await make_volunteer(db, 5001)
    both = OnDriver(
        lambda _database: select(Volunteer, District).join(
            District, District.code.in_([literal("siming"), literal("haicang")])
        ),
        entities=(Volunteer, District),
    )
    rows = await both.loaded(db)
    assert {district.code for _, district in rows} == {"siming", "haicang"}
    assert all(found is volunteer for found, _ in rows)
    assert len({id(district) for _, district in rows}) == 2


async def test_what_the_driver_cannot_run_is_refused_when_first_run(db: AsyncSession) -> None:
    whole_list = OnDriver(lambda _database: select(District.id).where(District.code.in_(["x"])))
    with pytest.raises(AssertionError, match="a list bound whole"):
        await whole_list.rows(db)
    part_of_a_row = OnDriver(lambda _database: select(District.id), entities=(District,))
    with pytest.raises(AssertionError, match="not whole rows"):
        await part_of_a_row.loaded(db)
