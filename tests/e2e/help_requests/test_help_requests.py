"""Help requests end to end: a resident who never registered asks for help; the coordinator of
the district's team is told (another district's is not), takes it on, turns it into an activity
and asks a volunteer, who signs up; the coordinator marks it done, the resident rates it and the
coordinator reads the rating; the resident is told at each step. Also: a decline with a reason,
bad answers and /cancel, and coordinator buttons pressed by people who may not use them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from bot.local.harness import Person, Reply, RunningBot
from handlers.callbacks import ButtonSigner
from models.audit import AuditEntry
from models.conversation import button_key
from models.help_requests import convert, triage
from models.help_requests.tables import HelpRequest
from models.publishing import publication
from models.publishing.publication import ShiftPlan
from models.reference import District, Theme
from models.registration.tables import Volunteer
from models.teams.tables import Team
from tests.e2e import steps

RESIDENT = 3001
COORDINATOR = 9001
SIMING_COORDINATOR = 9002
VOLUNTEER = 1001
SHIFT = "Sat 10 Jan 09:00–11:00"  # the clock starts on Monday 01-05, 09:00 in Shanghai
ELDERLY = "Caring for the elderly"
COORDINATOR_BUTTONS = ("hq.show", "hq.accept", "hq.decline", "hq.convert", "hq.assign", "hq.done")


async def in_district(bot: RunningBot, code: str, *, team: str = "", telegram_id: int = 0) -> None:
    """Put a team (by name) or a volunteer (by Telegram id) in a district."""
    async with steps.database(bot) as session:
        district_id = await session.scalar(select(District.id).where(District.code == code))
        if team:
            await session.execute(
                update(Team).where(Team.name == team).values(district_id=district_id)
            )
        else:
            await session.execute(
                update(Volunteer)
                .where(Volunteer.telegram_id == telegram_id)
                .values(district_id=district_id)
            )


async def world(bot: RunningBot) -> tuple[Person, Person]:
    """A Haicang team's coordinator, a Siming team's coordinator, and a volunteer in Haicang who
    likes caring for the elderly; the resident is nobody yet."""
    await steps.make_coordinator(bot, COORDINATOR, "Haicang Team")
    await steps.make_coordinator(bot, SIMING_COORDINATOR, "Siming Team")
    await in_district(bot, "haicang", team="Haicang Team")
    await in_district(bot, "siming", team="Siming Team")
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator Chen")
    await steps.registered(bot, VOLUNTEER, themes=("elderly",), name="Li Hua")
    await in_district(bot, "haicang", telegram_id=VOLUNTEER)
    return bot.person(RESIDENT, "Resident"), coordinator


async def up_to_summary(resident: Person) -> Reply:
    """/ask_help answered up to the summary, before Send."""
    await resident.send("/ask_help")
    await resident.press(ELDERLY)
    await resident.send("My mother needs her shopping carried upstairs.")
    await resident.press("Haicang")
    await resident.send("Saturday mornings")
    return await resident.send("138 0000 1111, Aunt Chen")


async def ask_for_help(resident: Person) -> Reply:
    await up_to_summary(resident)
    return await resident.press("📨 Send")


async def a_help_request(bot: RunningBot, requester: int = RESIDENT) -> int:
    """A resident's request for help in Haicang, straight in the database; its id. (A resident
    may have 3 open: more need other `requester`s.)"""
    async with steps.database(bot) as session:
        haicang = await session.scalar(select(District.id).where(District.code == "haicang"))
        elderly = await session.scalar(select(Theme.id).where(Theme.code == "elderly"))
        assert haicang is not None and elderly is not None
        asked = triage.Asked(elderly, "Shopping upstairs", haicang, "Saturday", "138 0000 1111")
        request, _ = await triage.create(session, requester, asked, now=bot.clock.now())
        return request.id


async def the_request(bot: RunningBot) -> HelpRequest:
    async with steps.database(bot) as session:
        request = await session.scalar(select(HelpRequest))
    assert request is not None
    return request


async def help_audit(bot: RunningBot) -> list[tuple[int | None, str]]:
    async with steps.database(bot) as session:
        rows = await session.execute(
            select(AuditEntry.actor_telegram_id, AuditEntry.action)
            .where(AuditEntry.action.like("help.%"))
            .order_by(AuditEntry.id)
        )
        return [(actor, action) for actor, action in rows]


async def test_from_a_resident_through_a_coordinator_to_an_activity_and_a_rating(
    bot: RunningBot,
) -> None:
    resident, coordinator = await world(bot)

    # The resident asks; the Haicang coordinator is told, with what a coordinator needs.
    sent = await ask_for_help(resident)
    assert "Your request #1 has been sent." in sent.text
    told = coordinator.last().text or ""
    assert told.startswith("🆘 A resident asks for help.\n\nHelp request #1: open")
    assert "Kind of help: Caring for the elderly\nDistrict: Haicang" in told
    assert "Contact: 138 0000 1111, Aunt Chen" in told
    assert bot.person(SIMING_COORDINATOR).messages() == []

    # Taken on.
    card = await coordinator.press("✅ Take it on")
    assert "Help request #1: in hand" in card.text
    assert "Taken on by: Coordinator Chen" in card.text
    assert resident.last().text == (
        "Good news: a coordinator has taken on your request #1 (Caring for the elderly). "
        "They may contact you at 138 0000 1111, Aunt Chen."
    )

    # Turned into an activity, prefilled from the request.
    reply = await coordinator.press("📅 Turn into an activity")
    assert "becomes an activity, “Help: Caring for the elderly”" in reply.text
    asked_when = await coordinator.send("Xinyang Road 12, Haicang")
    assert "The resident prefers: Saturday mornings." in asked_when.text
    assert "please" in (await coordinator.send("saturday")).text.lower()  # the step stays
    asked_places = await coordinator.send("Sat 9am-11am")  # the coming Saturday, 01-10
    assert asked_places.text == "Sat 10 Jan 09:00–11:00: how many volunteers are needed?"
    preview = await coordinator.send("1")
    assert "Help: Caring for the elderly" in preview.text
    assert "My mother needs her shopping carried upstairs." in preview.text
    published = await coordinator.press("✅ Publish")
    assert "Request #1 is linked to it and the resident has been told." in published.text
    assert resident.last().text == (
        "Your request #1 (Caring for the elderly) has become a volunteer activity on "
        f"{SHIFT}. I'll tell you when a volunteer signs up."
    )

    # A volunteer is asked directly and says yes: a place on the activity's shift.
    picking = await coordinator.press("👥 Ask volunteers")
    assert picking.last.button_labels() == ["Li Hua"]
    assert (await coordinator.press("Li Hua")).alert == "Li Hua has been asked."
    volunteer = bot.person(VOLUNTEER)
    assert "A coordinator asks whether you could help a resident" in (volunteer.last().text or "")
    yes = await volunteer.press("✅ Yes, I'll help")
    assert yes.text == (
        f"Thank you! You are signed up for Help: Caring for the elderly, {SHIFT}. "
        "The resident's contact: 138 0000 1111, Aunt Chen."
    )
    assert await steps.statuses(bot) == {VOLUNTEER: "confirmed"}
    assert resident.last().text == (
        f"A volunteer has signed up to help with your request #1 on {SHIFT} (1 so far)."
    )
    assert coordinator.last().text == "Li Hua will help with request #1."

    # Done after the visit; the resident rates it and the coordinator reads the rating.
    bot.clock.advance(timedelta(days=6))
    await coordinator.send("/help_requests")
    await coordinator.press("🤝 In hand (1)")
    await coordinator.press("#1 Caring for the elderly · Haicang")
    done = await coordinator.press("🏁 Mark as done")
    assert "Help request #1: done" in done.text
    assert "Volunteers asked: Li Hua (yes)" in done.text
    asked_to_rate = resident.last()
    assert asked_to_rate.button_labels() == ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]
    assert "is marked as done. How was the help?" in (asked_to_rate.text or "")
    await resident.press("5 ⭐")
    assert (await resident.send("Very kind, thank you")).text == (
        "Thank you for your feedback. The coordinators will see it."
    )
    assert coordinator.last().text == (
        "Request #1 (Caring for the elderly) was rated ★★★★★ 5/5 by the resident: "
        "“Very kind, thank you”"
    )
    await coordinator.send("/help_requests")
    await coordinator.press("✅ Done (1)")
    card = await coordinator.press("#1 Caring for the elderly · Haicang")
    assert "Rating: ★★★★★ 5/5\nComment: Very kind, thank you" in card.text

    request = await the_request(bot)
    assert (request.status, request.rating, request.handled_by) == ("done", 5, COORDINATOR)
    assert request.activity_id is not None
    # Each coordinator action left its audit row (and the resident's and volunteer's theirs).
    assert await help_audit(bot) == [
        (RESIDENT, "help.ask"),
        (COORDINATOR, "help.accept"),
        (COORDINATOR, "help.convert"),
        (COORDINATOR, "help.assign"),
        (VOLUNTEER, "help.answer"),
        (COORDINATOR, "help.done"),
        (RESIDENT, "help.rate"),
        (RESIDENT, "help.comment"),
    ]


async def test_a_decline_tells_the_resident_why(bot: RunningBot) -> None:
    resident, coordinator = await world(bot)
    await ask_for_help(resident)
    card_id = coordinator.last().message_id

    ask = await coordinator.press("✖️ Decline")
    assert "Why is request #1 declined?" in ask.text
    assert (await coordinator.send_sticker()).text == "Please type your answer as a text message."
    reply = await coordinator.send("We don't do repairs; please call the 12345 hotline.")
    assert reply.text == "Request #1 was declined, and the resident has been told why."
    assert resident.last().text == (
        "Sorry, your request #1 (Caring for the elderly) was declined: "
        "We don't do repairs; please call the 12345 hotline."
    )
    again = await coordinator.press("✅ Take it on", message_id=card_id)
    assert again.alert == "This request has been declined."
    request = await the_request(bot)
    assert (request.status, request.handled_by) == ("declined", COORDINATOR)
    assert await help_audit(bot) == [(RESIDENT, "help.ask"), (COORDINATOR, "help.decline")]


async def test_the_resident_is_guided_through_bad_answers_and_can_cancel(bot: RunningBot) -> None:
    resident, coordinator = await world(bot)

    await resident.send("/ask_help")
    typed = await resident.send("elderly")
    assert typed.messages[0].text == "Please answer with the buttons below."
    await resident.press(ELDERLY)
    assert (await resident.send_sticker()).text == "Please describe it in a text message."
    await resident.send("Shopping")
    await resident.press("Haicang")
    assert (await resident.send("x" * 200)).text == (
        "That is too long (at most 128 characters). Please shorten it."
    )
    await resident.press("Any time")
    shared = await resident.share_contact("+8613800001111")
    assert "Contact: +8613800001111" in shared.text
    assert "When: Any time" in shared.text
    assert (await resident.send("/cancel")).text.startswith("Cancelled.")
    async with steps.database(bot) as session:
        assert await session.scalar(select(func.count()).select_from(HelpRequest)) == 0
    assert coordinator.messages() == []


async def test_coordinator_buttons_are_refused_to_a_volunteer_and_to_another_district(
    bot: RunningBot,
) -> None:
    resident, coordinator = await world(bot)
    await ask_for_help(resident)
    volunteer = bot.person(VOLUNTEER)
    await volunteer.send("/help_requests")
    assert volunteer.last().text == (
        "Only coordinators and admins see help requests. To ask for help yourself, send /ask_help."
    )
    siming = await steps.registered(bot, SIMING_COORDINATOR, name="Siming Coordinator")
    await siming.send("/help")
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
    before = (await the_request(bot), await help_audit(bot), len(coordinator.messages()))
    resident_before = len(resident.messages())

    for person in (volunteer, siming):
        for action in COORDINATOR_BUTTONS:
            data = signer.pack(person.id, 0, action, 1)  # validly signed for them
            reply = await person.press_data(data, message_id=person.last().message_id)
            assert reply.alert == "Only the activity's coordinators and admins can do that."

    after = (await the_request(bot), await help_audit(bot), len(coordinator.messages()))
    assert (after[0].status, after[0].handled_by) == ("open", None)
    assert after[1:] == before[1:]
    assert len(resident.messages()) == resident_before


async def test_a_volunteer_signing_up_through_the_activity_link_is_told_to_the_resident(
    bot: RunningBot,
) -> None:
    resident, _ = await world(bot)
    request_id, now = await a_help_request(bot), bot.clock.now()
    async with steps.database(bot) as session:
        team_id = await session.scalar(select(Team.id).where(Team.name == "Haicang Team"))
        request = await triage.handle(session, request_id, by=COORDINATOR, admin_ids=())
        plan = await convert.prefilled_plan(session, request, title="Help", team_id=team_id)
        plan.address = "Xinyang Road 12"
        start = now + timedelta(days=5)
        plan.shifts = [ShiftPlan(start, start + timedelta(hours=2), 2)]
        activity = await convert.convert(session, request, plan, actor=COORDINATOR, now=now)
        token = (await publication.get_activity(session, activity.id)).link_token

    volunteer = bot.person(VOLUNTEER)
    await volunteer.send(f"/start act_{token}")
    await volunteer.press(volunteer.last().button_labels()[0])
    assert await steps.statuses(bot) == {VOLUNTEER: "confirmed"}
    assert resident.last().text == (
        f"A volunteer has signed up to help with your request #1 on {SHIFT} (1 so far)."
    )
