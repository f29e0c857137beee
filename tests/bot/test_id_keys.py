"""ID_ENCRYPTION_KEY on both databases: recorded on first start; a process with another key is
refused in one line; `volbot keys rotate` moves every number (volunteers' and unfinished
registrations') to a new key, with the old one accepted meanwhile and not needed afterwards."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from models.activities.signup import SignupPolicy
from models.conversation import ConversationState
from models.crypto import IdCipher, shown
from models.db import create_engine, session_factory
from models.errors import Conflict
from models.registration import erasure, id_keys, volunteers
from models.registration.tables import Volunteer
from models.registration.validation import parse_prc_id
from models.registration.volunteers import Draft, SealedId
from tests.ids import make_id
from tests.models.world import volunteer_row

OLD, NEW = IdCipher.generate_key(), IdCipher.generate_key()
NUMBERS = [make_id(serial=f"{n:03}") for n in range(1, 6)]
DRAFTED = make_id(serial="900")
TODAY = date(2026, 1, 5)
NOW = datetime(2026, 1, 5, 1, tzinfo=UTC)


def sealed(number: str, cipher: IdCipher) -> SealedId:
    return SealedId.seal(parse_prc_id(number, TODAY), cipher)


async def store_world(url: str, key: str, *, record: bool = True) -> None:
    """Five volunteers with ID numbers and a registration half-way (its number typed), all
    under `key`, which is recorded as the database's unless `record` is False (a database from
    before fingerprints)."""
    cipher = IdCipher(key)
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        for telegram_id, number in enumerate(NUMBERS, 5001):
            volunteer = volunteer_row(telegram_id)
            seal = sealed(number, cipher)
            volunteer.id_number_encrypted = seal.encrypted.encode()
            volunteer.id_number_index = seal.index
            session.add(volunteer)
        draft = Draft(
            name="Wang Xiaoming", phone="+8613800138000", sealed_id=sealed(DRAFTED, cipher)
        )
        session.add(
            ConversationState(
                telegram_id=6001,
                flow="registration",
                step="district",
                version=3,
                data={"draft": draft.to_json()},
                updated_at=NOW,
            )
        )
        if record:
            await id_keys.check_key(session, cipher)
    await engine.dispose()


async def check(url: str, cipher: IdCipher) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await id_keys.check_key(session, cipher)
    finally:
        await engine.dispose()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:" + "x" * 35)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9")  # nothing answers
    monkeypatch.setenv("REQUIRE_REAL_NAME", "true")
    monkeypatch.setenv("HTTP_PORT", "0")


async def cli(argv: list[str]) -> int:
    """`volbot …` as the command line runs it (its own event loop, in a thread)."""
    return await asyncio.to_thread(main, argv)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    [line] = capsys.readouterr().err.strip().splitlines()
    return line


@pytest.mark.usefixtures("environment")
async def test_a_process_with_another_key_refuses_to_start(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await store_world(database_url, OLD)
    monkeypatch.setenv("ID_ENCRYPTION_KEY", NEW)

    assert await cli(["run"]) == 1
    refusal = one_line(capsys)
    assert refusal.startswith("volbot: ID_ENCRYPTION_KEY (key ")
    assert "is not the key the database's ID numbers are encrypted under" in refusal
    assert "volbot keys rotate" in refusal

    assert await cli(["export", "--what", "volunteers", "--output", str(tmp_path / "v.csv")]) == 1
    assert one_line(capsys) == refusal
    assert not (tmp_path / "v.csv").exists()

    monkeypatch.delenv("ID_ENCRYPTION_KEY")
    monkeypatch.setenv("REQUIRE_REAL_NAME", "false")
    assert await cli(["run"]) == 1
    assert "ID_ENCRYPTION_KEY is not set; set it to that key" in one_line(capsys)


@pytest.mark.usefixtures("environment")
async def test_a_database_from_before_fingerprints_is_checked_against_its_numbers(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await store_world(database_url, OLD, record=False)
    monkeypatch.setenv("ID_ENCRYPTION_KEY", NEW)

    assert await cli(["run"]) == 1
    assert "is not the key the database's ID numbers are encrypted under" in one_line(capsys)
    await check(database_url, IdCipher(OLD))  # the right key is taken, and recorded
    with pytest.raises(id_keys.KeyMismatch):
        await check(database_url, IdCipher(NEW))


@pytest.mark.usefixtures("environment")
async def test_rotating_moves_every_number_to_the_new_key(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await store_world(database_url, OLD)
    both, new, old = IdCipher(NEW, [OLD]), IdCipher(NEW), IdCipher(OLD)
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    # A process restarted with the new key and the old one begins the rotation; from then on a
    # process with only the old key is refused, and a registration is checked under both.
    await check(database_url, both)
    with pytest.raises(id_keys.KeyMismatch, match="being moved from key"):
        await check(database_url, old)
    async with sessions() as session:
        with pytest.raises(Conflict):
            await volunteers.ensure_id_free(session, sealed(NUMBERS[2], both))

    monkeypatch.setenv("ID_ENCRYPTION_KEY", NEW)
    monkeypatch.setenv("ID_ENCRYPTION_OLD_KEYS", OLD)
    assert await cli(["keys", "rotate"]) == 0
    out = capsys.readouterr().out
    assert "5 volunteers' and 1 unfinished registrations' moved" in out

    # The new key alone reads everything, and finds a second registration.
    async with sessions() as session:
        rows = (
            await session.execute(select(Volunteer.id_number_encrypted, Volunteer.id_number_index))
        ).all()
        assert sorted(new.decrypt(token) for token, _ in rows) == sorted(NUMBERS)  # type: ignore[arg-type]
        assert {index for _, index in rows} == {new.blind_index(n) for n in NUMBERS}
        with pytest.raises(Conflict):
            await volunteers.ensure_id_free(session, sealed(NUMBERS[2], new))
        state = await session.get(ConversationState, 6001)
        assert state is not None
        draft = Draft.from_json(state.data["draft"])
        assert draft.sealed_id is not None and draft.name == "Wang Xiaoming"
        assert new.decrypt(draft.sealed_id.encrypted.encode()) == DRAFTED
        assert draft.sealed_id.index == new.blind_index(DRAFTED)
        assert await id_keys.recorded(session) == (new.fingerprint, None)
    await engine.dispose()

    assert await cli(["keys", "show"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"stored ID numbers: key {shown(new.fingerprint)}",
        f"ID_ENCRYPTION_KEY: key {shown(new.fingerprint)}",
        f"ID_ENCRYPTION_OLD_KEYS: key {shown(old.fingerprint)}",
    ]
    await check(database_url, new)  # ID_ENCRYPTION_OLD_KEYS is no longer needed
    with pytest.raises(id_keys.KeyMismatch, match="is not the key"):
        await check(database_url, old)
    assert await cli(["keys", "rotate"]) == 0  # nothing left to do
    assert "0 volunteers' and 0 unfinished" in capsys.readouterr().out


async def test_a_stopped_rotation_carries_on_where_it_stopped(database_url: str) -> None:
    await store_world(database_url, OLD)
    both, new = IdCipher(NEW, [OLD]), IdCipher(NEW)
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    def stop_after_two(done: id_keys.Rotated) -> None:
        if done.volunteers >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await id_keys.rotate(sessions, both, now=NOW, progress=stop_after_two, batch=2)
    async with sessions() as session:
        tokens = list(await session.scalars(select(Volunteer.id_number_encrypted)))
        assert sum(new.is_current(t) for t in tokens if t) == 2  # the first batch, committed
        assert await id_keys.recorded(session) == (IdCipher(OLD).fingerprint, new.fingerprint)

    done = await id_keys.rotate(sessions, both, now=NOW, batch=2)
    assert (done.volunteers, done.drafts) == (3, 1)
    async with sessions() as session:
        tokens = list(await session.scalars(select(Volunteer.id_number_encrypted)))
        assert all(new.is_current(t) for t in tokens if t)
        assert await id_keys.recorded(session) == (new.fingerprint, None)
    await engine.dispose()


async def test_numbers_stored_under_two_keys_are_made_whole(database_url: str) -> None:
    """Before fingerprints, a process started with another key stored numbers under it, one of
    them a second registration of a number already there: the rotation names the pair, and
    once one is erased moves the rest to the one key."""
    await store_world(database_url, OLD, record=False)
    wrong = IdCipher(NEW)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        for telegram_id, number in ((5101, NUMBERS[0]), (5102, make_id(serial="777"))):
            volunteer = volunteer_row(telegram_id)
            volunteer.id_number_encrypted = wrong.encrypt(number)
            volunteer.id_number_index = wrong.blind_index(number)
            session.add(volunteer)
    right = IdCipher(OLD, [NEW])

    with pytest.raises(id_keys.KeyMismatch, match="registered the same ID number"):
        await id_keys.rotate(sessions, right, now=NOW)
    async with sessions() as session, session.begin():
        await erasure.erase(session, 5101, now=NOW, policy=SignupPolicy())

    await id_keys.rotate(sessions, right, now=NOW)
    alone = IdCipher(OLD)
    async with sessions() as session:
        tokens = [t for t in await session.scalars(select(Volunteer.id_number_encrypted)) if t]
        assert len(tokens) == 6 and all(alone.is_current(t) for t in tokens)
        assert await id_keys.recorded(session) == (alone.fingerprint, None)
    await engine.dispose()
