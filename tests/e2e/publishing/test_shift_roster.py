"""A coordinator's roster end to end: who is confirmed, waiting or checked in, with phones;
exported as CSV and XLSX with the same rows; and a message to everyone on the shift, previewed
and confirmed first."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from bot.local.harness import Person, RunningBot
from models.registration.validation import normalize_name
from tests.e2e import steps

COORDINATOR = 9001
SHIFT = "Tue 6 Jan 09:00–12:00"
MESSAGE = f"✉️ About Beach clean-up, {SHIFT}:\nMeet at the north gate, please."


async def world(bot: RunningBot) -> tuple[Person, list[Person]]:
    team = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=1), timedelta(hours=3), 2),)
    )
    people = []
    for number, name in enumerate(("Alice", "Bob", "Carol")):
        person = await steps.registered(bot, 1001 + number, name=name)
        await person.send(f"/start act_{activity.link_token}")
        await person.press(person.last().button_labels()[0])
        people.append(person)
    return coordinator, people


async def open_roster(coordinator: Person) -> str:
    await coordinator.send("/manage")
    await coordinator.press("Beach clean-up")
    return (await coordinator.press("👥 Roster")).text


async def test_the_roster_shows_and_exports_who_is_coming(bot: RunningBot) -> None:
    coordinator, _ = await world(bot)
    bot.clock.advance(timedelta(days=1, minutes=-10))
    await steps.checked_in(bot, 1001)
    text = await open_roster(coordinator)
    assert text.splitlines()[2:] == [
        f"{SHIFT} (2 places):",
        "✅ Alice +8613800001001 08:50– 🔗 check-in code",
        "✅ Bob +8613800001002 ",
        "⏳ Carol +8613800001003 (waiting)",
    ]
    expected = [
        ["Shift", "Name", "Phone", "Status", "Checked in–out"],
        [SHIFT, "Alice", "+8613800001001", "confirmed", "08:50–"],
        [SHIFT, "Bob", "+8613800001002", "confirmed", ""],
        [SHIFT, "Carol", "+8613800001003", "waiting", ""],
    ]
    sent = (await coordinator.press("📄 Export (CSV)")).last
    assert sent.document is not None and "3 people" in (sent.text or "")
    assert list(csv.reader(io.StringIO(sent.document.content.decode("utf-8-sig")))) == expected
    sent = (await coordinator.press("📄 Export (XLSX)", message_id=_roster_id(coordinator))).last
    assert sent.document is not None
    sheet = load_workbook(io.BytesIO(sent.document.content)).active
    assert [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)] == expected


def _roster_id(coordinator: Person) -> int:
    return next(m.message_id for m in coordinator.messages() if (m.text or "").startswith("Roster"))


async def test_a_message_to_everyone_on_the_shift_is_previewed_then_sent(bot: RunningBot) -> None:
    coordinator, people = await world(bot)
    await open_roster(coordinator)
    ask = await coordinator.press(f"✉️ Message everyone: {SHIFT}")
    assert "What should I send to the 3 people on this shift" in ask.text
    preview = await coordinator.send("Meet at the north gate, please.")
    assert preview.text.endswith(
        f"✉️ About Beach clean-up, {SHIFT}:\nMeet at the north gate, please."
    )
    assert preview.last.button_labels() == ["📨 Send to 3", "Don't send"]
    before = [len(person.messages()) for person in people]
    done = await coordinator.press("📨 Send to 3")
    assert "Sent to 3 people." in done.text
    for person, count in zip(people, before, strict=True):
        assert len(person.messages()) == count + 1
        assert (
            person.last().text
            == f"✉️ About Beach clean-up, {SHIFT}:\nMeet at the north gate, please."
        )


async def test_a_message_can_be_dropped_and_nothing_goes(bot: RunningBot) -> None:
    coordinator, people = await world(bot)
    await open_roster(coordinator)
    await coordinator.press(f"✉️ Message everyone: {SHIFT}")
    assert "1 to 1000 characters" in (await coordinator.send("x" * 1001)).text
    await coordinator.send("Cancelled, sorry")
    before = [len(person.messages()) for person in people]
    assert "Nothing was sent." in (await coordinator.press("Don't send")).text
    assert [len(person.messages()) for person in people] == before


async def test_a_name_that_a_spreadsheet_would_run_stays_text(bot: RunningBot) -> None:
    """Names may begin with "-" (as "-Wang"): a spreadsheet would take it for a formula, so the
    CSV guards it with an apostrophe and the XLSX stores it as text; the phone is unchanged."""
    assert normalize_name("-Wang") == "-Wang"
    team = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    activity = await steps.make_activity(bot, team)
    person = await steps.registered(bot, 1001, name="-Wang")
    await person.send(f"/start act_{activity.link_token}")
    await person.press(person.last().button_labels()[0])
    await open_roster(coordinator)

    sent = (await coordinator.press("📄 Export (CSV)")).last
    assert sent.document is not None
    rows = list(csv.reader(io.StringIO(sent.document.content.decode("utf-8-sig"))))
    assert rows[1][1:3] == ["'-Wang", "+8613800001001"]
    sent = (await coordinator.press("📄 Export (XLSX)", message_id=_roster_id(coordinator))).last
    assert sent.document is not None
    sheet = load_workbook(io.BytesIO(sent.document.content)).active
    assert sheet is not None
    name = sheet.cell(row=2, column=2)
    assert (name.value, name.data_type) == ("-Wang", "s")
