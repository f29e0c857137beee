"""A help request that no team fits: with nobody to receive it the resident is told so honestly
and the request waits in the list of whoever becomes an admin or a coordinator; with an admin
but no coordinator it goes to the admin; once some team has a coordinator, a request no team
fits goes to them; the resident is told which each time. Whoever
takes a request on is shown by name, never by their Telegram id, registered or not."""

from __future__ import annotations

from sqlalchemy import select

from bot.local.harness import RunningBot
from models.help_requests.tables import HelpDispatch
from models.teams import roles
from tests.e2e import steps
from tests.e2e.help_requests.test_help_requests import ask_for_help, in_district

RESIDENT, NEIGHBOUR, THIRD = 3001, 3002, 3003
SIMING_COORDINATOR = 9002
ADMIN = 9100
KEPT = (
    "Your request #1 is saved, but no coordinator or admin can receive it yet. "
    "They will find it in their list as soon as there is one. If it is urgent, please contact "
    "your neighbourhood committee directly."
)
SENT_ADMINS = (
    "Your request #2 has been sent. No volunteer team can take it yet, so it went to the "
    "programme's admins. I'll tell you as soon as one answers."
)
SENT_ELSEWHERE = (
    "Your request #3 has been sent. No team of your district does this kind of help, so it "
    "went to the coordinators of other teams, who may find someone. I'll tell you as soon as "
    "one answers."
)


async def dispatched(bot: RunningBot) -> list[tuple[int, int]]:
    async with steps.database(bot) as session:
        rows = await session.execute(select(HelpDispatch.help_request_id, HelpDispatch.team_id))
        return sorted((request, team) for request, team in rows)


async def test_a_request_nobody_fits_is_kept_then_goes_to_any_coordinator(
    bot: RunningBot,
) -> None:
    # Nobody coordinates anything and no admin is configured: nobody is told, and the resident
    # knows it.
    resident = bot.person(RESIDENT, "Resident", language_code="en")
    assert (await ask_for_help(resident)).messages[-1].text == KEPT
    assert await dispatched(bot) == []

    # An admin is appointed: the next request goes to them, saying that no team can take it;
    # the first waits in their list.
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())
    admin = bot.person(ADMIN, "Wu", language_code="en")
    neighbour = bot.person(NEIGHBOUR, "Neighbour", language_code="en")
    assert (await ask_for_help(neighbour)).messages[-1].text == SENT_ADMINS
    told = admin.last().text or ""
    assert told.startswith("🆘 A resident asks for help that no team of their district does")
    assert "Help request #2: open" in told
    await admin.send("/help_requests")
    assert (await admin.press("🆕 Open (2)")).last.button_labels()[-1] == (
        "#1 Caring for the elderly · Haicang"
    )

    # A coordinator of another district's team, not a registered volunteer, finds the waiting
    # requests in their list and takes one on.
    team = await steps.make_coordinator(bot, SIMING_COORDINATOR, "Siming Team")
    await in_district(bot, "siming", team="Siming Team")
    zhou = bot.person(SIMING_COORDINATOR, "Zhou", language_code="en")
    await zhou.send("/help_requests")
    await zhou.press("🆕 Open (2)")
    await zhou.press("#1 Caring for the elderly · Haicang")
    await zhou.press("✅ Take it on")
    assert resident.last().text is not None
    assert resident.last().text.startswith("Good news: a coordinator has taken on your request #1")

    # The next request no team fits goes to the only coordinator there is, saying so.
    third = bot.person(THIRD, "Third", language_code="en")
    assert (await ask_for_help(third)).messages[-1].text == SENT_ELSEWHERE
    told = zhou.last().text or ""
    assert told.startswith("🆘 A resident asks for help that no team of their district does")
    assert "Help request #3: open" in told
    assert admin.last().text is not None and "#3" not in admin.last().text
    assert await dispatched(bot) == [(3, team)]


async def test_a_coordinator_who_never_registered_is_shown_by_name(bot: RunningBot) -> None:
    await steps.make_coordinator(bot, SIMING_COORDINATOR, "Haicang Team")
    await in_district(bot, "haicang", team="Haicang Team")
    zhou = bot.person(SIMING_COORDINATOR, "Zhou", language_code="en")
    await ask_for_help(bot.person(RESIDENT, "Resident", language_code="en"))
    card = await zhou.press("✅ Take it on")  # the press tells the bot their Telegram name
    assert "Taken on by: Zhou" in card.text
    assert str(SIMING_COORDINATOR) not in card.text
