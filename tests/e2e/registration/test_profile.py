"""/profile and /delete_me for a registered volunteer."""

from __future__ import annotations

from sqlalchemy import select

from bot.local.harness import RunningBot
from models.audit import AuditEntry
from models.db import create_engine, session_factory
from models.registration.tables import Volunteer
from tests.e2e import steps


async def test_a_volunteer_changes_their_phone_from_profile(bot: RunningBot) -> None:
    frank = bot.person(3001)
    await steps.register(frank)
    reply = await frank.send("/profile")
    assert "Phone: +8613800138000" in reply.last.text
    await frank.press("Phone")
    assert "Phone: +8613900139000" in (await frank.send("139 0013 9000")).text
    stored = await steps.volunteer(bot, 3001)
    assert stored is not None and stored.phone == "+8613900139000"


async def test_the_profile_shows_no_id_line_where_real_names_are_not_required(
    bot_without_real_name: RunningBot,
) -> None:
    helen = bot_without_real_name.person(3003)
    summary = (await steps.register_without_id(helen)).text
    profile = (await helen.send("/profile")).last.text
    assert "District: Haicang" in profile and "ID number" not in profile + summary


async def test_registered_help_lists_verify(bot: RunningBot) -> None:
    ivan = bot.person(3004)
    await steps.register(ivan)
    assert "/verify – check a service certificate's code" in (await ivan.send("/help")).text


async def test_delete_me_erases_after_confirmation(bot: RunningBot) -> None:
    grace = bot.person(3002)
    await steps.register(grace)
    reply = await grace.send("/delete_me")
    assert "cannot be undone" in reply.last.text
    assert "Nothing was erased" in (await grace.press("No, keep it")).text
    assert await steps.volunteer(bot, 3002) is not None

    await grace.send("/delete_me")
    assert "has been erased" in (await grace.press("Yes, erase my data")).text
    assert await steps.volunteer(bot, 3002) is None
    engine = create_engine(bot.settings.database_url)
    async with session_factory(engine)() as session:
        rows = (await session.scalars(select(Volunteer))).all()
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    await engine.dispose()
    assert [(v.status, v.full_name, v.phone, v.id_number_encrypted) for v in rows] == [
        ("erased", None, None, None)
    ]
    assert actions == ["volunteer.registered", "volunteer.erased"]
    assert "not registered" in (await grace.send("/profile")).text
