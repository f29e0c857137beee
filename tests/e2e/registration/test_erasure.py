"""/delete_me end to end, on both frameworks and both databases: at any step (half-way through
registering too), a freed place offered on, a certificate that still verifies naming nobody,
abandoned drafts forgotten after 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import deployment_from
from bot.local.harness import RunningBot
from models.activities import signup
from models.attendance import certificate
from models.registration.tables import Volunteer
from tests.e2e import steps
from tests.e2e.attendance.test_hours import served


async def test_delete_me_half_way_through_registering_erases_the_draft(bot: RunningBot) -> None:
    hana = bot.person(6001)
    await steps.up_to_district(hana)  # name, phone and a sealed ID number in the draft
    reply = await hana.send("/delete_me")
    assert "answers of a registration you have not finished" in reply.last.text
    assert "Nothing was erased" in (await hana.press("No, keep it")).text
    state = await steps.state_of(bot, 6001)
    assert state[0] == "register" and state[3]["draft"]["name"] == "Wang Xiaoming"
    assert "continue your registration" in (await hana.send("/start")).text

    await hana.send("/delete_me")
    assert "has been erased" in (await hana.press("Yes, erase my data")).text
    assert await steps.snapshot(bot, 6001) == (None, [])  # no conversation, no volunteer
    reply = await hana.send("/start")  # a fresh start: her choice of English is forgotten too
    assert reply.last.button_labels() == ["我同意", "我不同意", "English"]


async def test_an_erased_volunteers_place_is_offered_to_the_person_waiting(
    bot: RunningBot,
) -> None:
    team = await steps.make_coordinator(bot, 9001)
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=2), timedelta(hours=3), 1),)
    )
    ines = await steps.registered(bot, 6002)
    jun = await steps.registered(bot, 6003, name="Jun Park")
    policy = deployment_from(bot.settings).signup
    async with steps.database(bot) as session:
        shift_id = await session.scalar(
            select(signup.Shift.id).where(signup.Shift.activity_id == activity.id)
        )
        assert shift_id is not None
        for person in (ines, jun):
            volunteer = await session.scalar(
                select(Volunteer).where(Volunteer.telegram_id == person.id)
            )
            assert volunteer is not None
            await signup.sign_up(session, volunteer, shift_id, now=bot.clock.now(), policy=policy)

    await ines.send("/delete_me")
    assert "has been erased" in (await ines.press("Yes, erase my data")).text
    assert "A place has opened on Beach clean-up" in jun.last().text
    assert set((await steps.statuses(bot)).items()) == {(None, "cancelled"), (6003, "offered")}


async def test_a_registration_abandoned_half_way_is_forgotten_after_30_days(
    bot: RunningBot,
) -> None:
    kim = bot.person(6004)
    await steps.up_to_district(kim)
    bot.clock.advance(timedelta(days=29))
    await bot.run_jobs()
    assert (await steps.state_of(bot, 6004))[0] == "register"

    bot.clock.advance(timedelta(days=1, hours=1))
    await bot.run_jobs()
    assert await steps.snapshot(bot, 6004) == (None, [])


async def test_an_erased_volunteers_certificate_verifies_as_issued_naming_nobody(
    bot: RunningBot,
) -> None:
    lena = await steps.registered(bot, 6005, name="Lena Quist")
    await served(bot, 6005, "Library help", datetime(2025, 12, 20, 1, tzinfo=UTC), 120)
    deployment = deployment_from(bot.settings)
    async with steps.database(bot) as session:
        volunteer = await session.scalar(select(Volunteer).where(Volunteer.telegram_id == 6005))
        assert volunteer is not None
        issued = await certificate.issue(
            session, volunteer, issuer="Xiamen", now=bot.clock.now(), zone=deployment.zone
        )
    code = certificate.shown_code(issued.code)

    await lena.send("/delete_me")
    await lena.press("Yes, erase my data")
    said = (await bot.person(6006).send(f"/verify {code}")).text
    assert f"✅ Genuine: certificate {code} was issued on" in said
    assert "erased their personal data, so it names nobody" in said
    assert "2 hours of confirmed service" in said
    assert "L*** Q****" not in said and "Lena" not in said
