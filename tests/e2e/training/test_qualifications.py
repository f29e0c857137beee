"""Training and qualifications end to end, with a controlled clock: a coordinator makes a course
(/courses), names its training session and the activity that requires it; a volunteer without
the qualification is refused the gated shift (told the course and its next session), attends the
session, the coordinator confirms the hours, the volunteer is told and now signs up; /profile and
/hours list the qualification; the coordinator withdraws it with a reason and the volunteer is
told and refused again."""

from __future__ import annotations

from datetime import timedelta

from bot.local.harness import RunningBot
from tests.e2e import steps

COORDINATOR = 9001
ALICE = 1001
SESSION = timedelta(days=1)  # the course's session: Tuesday 6 Jan 09:00–12:00 in Shanghai


async def test_a_qualification_gated_shift(bot: RunningBot) -> None:
    team = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    alice = await steps.registered(bot, ALICE, name="Alice")
    hours = timedelta(hours=3)
    course = await steps.make_activity(
        bot, team, title="First-aid class", shifts=((SESSION, hours, 10),)
    )
    post = await steps.make_activity(
        bot, team, title="First-aid post", shifts=((timedelta(days=5), hours, 2),)
    )

    # The coordinator makes the course and links the two activities from its screen.
    await coordinator.send("/courses")
    await coordinator.press("➕ New course")
    reply = await coordinator.send("First aid")
    assert "What does it teach" in reply.text
    await coordinator.send("CPR and bandages")
    assert "from 1 to 120" in (await coordinator.send("forever")).text
    screen = await coordinator.send("24")
    assert "Qualification valid for 24 months after the session." in screen.text
    assert "No session scheduled." in screen.text
    await coordinator.press("🎓 Training sessions")
    await coordinator.press("▫️ First-aid class")
    await coordinator.press("⬅️ Back to the course")
    await coordinator.press("🔒 Required by")
    await coordinator.press("▫️ First-aid post")
    screen = await coordinator.press("⬅️ Back to the course")
    assert "Next session: Tue 6 Jan 09:00" in screen.text
    assert "Training sessions: First-aid class" in screen.text
    assert "Required by: First-aid post" in screen.text

    # Alice has no qualification: the post refuses her, naming the course and its next session.
    await alice.send(f"/start act_{post.link_token}")
    refused = (await alice.press(alice.last().button_labels()[0])).alert or ""
    assert "“First aid”" in refused
    assert "the next one is on Tue 6 Jan 09:00" in refused

    # She attends the session; the coordinator confirms the hours; she is told.
    await alice.send(f"/start act_{course.link_token}")
    await alice.press(alice.last().button_labels()[0])
    bot.clock.advance(SESSION)
    await steps.checked_in(bot, ALICE)
    bot.clock.advance(hours)
    await steps.checked_out(bot, ALICE)
    await coordinator.send("/manage")
    await coordinator.press("First-aid class")
    await coordinator.press("🧾 Attendance and hours")
    await coordinator.press("Tue 6 Jan 09:00–12:00")
    await coordinator.press("✅ Confirm all recorded hours (1)")
    told = alice.messages()[-1].text or ""
    assert "you now hold the qualification “First aid”" in told
    assert "valid until 6 Jan 2028" in told

    # Now she signs up for the post; /profile and /hours list the qualification.
    await alice.send(f"/start act_{post.link_token}")
    placed = await alice.press(alice.last().button_labels()[0])
    assert "First-aid post" in placed.text and "First aid”" not in placed.text
    assert "• First aid, valid until 6 Jan 2028" in (await alice.send("/profile")).text
    assert "• First aid, valid until 6 Jan 2028" in (await alice.send("/hours")).text

    # The coordinator withdraws it, with a reason, after confirming; Alice is told.
    await coordinator.send("/courses")
    await coordinator.press("First aid")
    holders = await coordinator.press("👥 Holders")
    assert "1. Alice: • First aid, valid until 6 Jan 2028" in holders.text
    await coordinator.press("Withdraw 1")
    asked = await coordinator.send("\u200b")
    assert asked.text == "Please give a reason in a few words."
    confirm = await coordinator.send("left the first-aid team")
    assert "Reason: left the first-aid team" in confirm.text
    done = await coordinator.press("✅ Yes, withdraw it")
    assert done.text == "✅ Alice's “First aid” was withdrawn."
    assert "withdrew your qualification “First aid”: left the first-aid team" in (
        alice.messages()[-1].text or ""
    )
    assert "First aid" not in (await alice.send("/profile")).text
