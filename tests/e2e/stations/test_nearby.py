"""The stations story end to end, through both frameworks and both databases: a coordinator
imports stations from a CSV (a bad file first: nothing saved, its problems by row), changes one
by the conversation; volunteers then find the near stations and the activities with places open,
nearest first with their distance, by sharing their location (with /nearby, or without any
conversation) and narrow them by theme; a station opens with its pin."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.local.harness import RunningBot
from models.stations.tables import Station
from tests.e2e import steps

HERE = (24.4591, 118.0879)  # Zhongshan Park, Xiamen
KM = 1 / 111.2  # about a kilometre of latitude, in degrees
HEADER = "name,address,latitude,longitude,district,opening_hours,teams\n"
STATIONS = (
    HEADER
    + f"Park station,45 Gongyuan South Road,{HERE[0] + 0.5 * KM:.6f},{HERE[1]},siming,,"
    + "Haicang Team\n"
    + "Jimei station,Jimei Avenue,24.5760,118.0970,,Sat 9:00–12:00,\n"
)


async def stored(bot: RunningBot) -> list[tuple[str, str]]:
    async with steps.database(bot) as session:
        rows = await session.scalars(select(Station).order_by(Station.name))
        return [(station.name, station.opening_hours) for station in rows]


async def test_imported_stations_and_open_activities_are_found_nearest_first(
    bot: RunningBot,
) -> None:
    team = await steps.make_coordinator(bot, 9001)
    carol = bot.person(9001, "Carol")
    reply = await carol.send("/stations")
    assert "You don't run any volunteer station yet" in reply.text
    reply = await carol.press("📄 Import from a file")
    assert "Your teams: Haicang Team" in reply.text

    bad = HEADER + "Park station,,91,118.08,Atlantis,,Nobody's Team\n"
    reply = await carol.upload("stations.csv", bad.encode(), "text/csv")
    assert "Nothing was imported" in reply.text
    assert "row 2: The “address” cell is empty, but it is required." in reply.text
    assert "row 2: The latitude must be a number from -90 to 90" in reply.text
    assert "row 2: There is no district “Atlantis”" in reply.text
    assert "row 2: You don't coordinate a team called “Nobody's Team”" in reply.text
    assert await stored(bot) == []

    reply = await carol.upload("stations.csv", STATIONS.encode(), "text/csv")
    assert "Saved 2 stations from the file:\n• ➕ Park station\n• ➕ Jimei station" in reply.text
    assert await stored(bot) == [("Jimei station", "Sat 9:00–12:00"), ("Park station", "")]

    # The conversation changes one: its card, Change, a question again, Save.
    await carol.send("/stations")
    reply = await carol.press("Park station")
    assert reply.messages[0].location is not None  # the pin first, then the card
    assert "👥 Teams: Haicang Team" in reply.text
    await carol.press("✏️ Change")
    reply = await carol.press("✏️ Hours")
    assert "When is it open?" in reply.text
    reply = await carol.send("Daily 8:00–20:00")
    assert "Please check the station" in reply.text and "🕘 Open: Daily 8:00–20:00" in reply.text
    reply = await carol.press("✅ Save")
    assert "Station Park station saved." in reply.text
    assert await stored(bot) == [
        ("Jimei station", "Sat 9:00–12:00"),
        ("Park station", "Daily 8:00–20:00"),
    ]

    # And adds one: each question, then the summary to confirm.
    await carol.send("/stations")
    reply = await carol.press("➕ Add a station")
    assert "What is the station called?" in reply.text
    await carol.send("Pier station")
    reply = await carol.send("Lujiang Road")
    assert "Send the station's pin" in reply.text
    reply = await carol.share_location(24.70, 118.30)  # far from everything below
    assert "Which district is it in?" in reply.text
    await carol.press("Siming")
    reply = await carol.press("No opening hours")
    assert "Which of your teams run it?" in reply.text  # its one team linked unasked
    await carol.press("✅ Haicang Team")  # unlinked
    reply = await carol.press("Haicang Team")  # and linked again, in the same message
    assert reply.last.button_labels()[0] == "✅ Haicang Team"
    reply = await carol.press("Done ➡️")
    assert "Please check the station" in reply.text and "👥 Teams: Haicang Team" in reply.text
    reply = await carol.press("✅ Save")
    assert "Station Pier station added." in reply.text
    assert len(await stored(bot)) == 3

    pin = {"latitude": HERE[0] + 1.5 * KM, "longitude": HERE[1]}
    await steps.make_activity(bot, team, title="Beach clean-up", **pin)
    await steps.make_activity(
        bot,
        team,
        title="Tea with elders",
        theme="elderly",
        latitude=HERE[0] - 3 * KM,
        longitude=HERE[1],
    )
    await steps.make_activity(  # full: not listed
        bot, team, title="Full walk", shifts=((timedelta(days=2), timedelta(hours=2), 1),), **pin
    )
    full = await steps.registered(bot, 2001)
    await full.send("/activities")
    await full.press("1. Full walk")
    await full.press("✍️ Sign up: Wed 7 Jan 09:00–11:00")

    # Without any conversation, someone with no shift to check in to is shown what is near.
    alice = await steps.registered(bot, 2002)
    reply = await alice.share_location(*HERE)
    assert "Near you, within 5 km (3), nearest first" in reply.text
    assert (
        "1. 🏠 Park station · 500 m · 45 Gongyuan South Road\n"
        "2. 📌 Beach clean-up · 1.5 km · Baicheng Beach, Siming\n"
        "3. 📌 Tea with elders · 3 km · Baicheng Beach, Siming"
    ) in reply.text
    assert "Jimei" not in reply.text and "Full walk" not in reply.text

    await alice.press("🏷 Theme")
    reply = await alice.press("Caring for the elderly")
    assert "1. 🏠 Park station · 500 m" in reply.text
    assert "2. 📌 Tea with elders · 3 km" in reply.text and "clean-up" not in reply.text

    # /nearby asks for the location; anyone may ask, registered or not.
    newcomer = bot.person(2003, "Newcomer")
    reply = await newcomer.send("/nearby")
    assert "Share your location" in reply.text
    reply = await newcomer.share_location(24.9, 118.1)
    assert "Nothing within 5 km of you" in reply.text
    reply = await newcomer.share_location(24.58, 118.097)  # outside any conversation
    assert "Near you, within 5 km (1)" in reply.text and "Jimei station · 440 m" in reply.text
    reply = await newcomer.press("1. Jimei station")
    assert reply.messages[0].location == (24.576, 118.097)
    assert "🕘 Open: Sat 9:00–12:00" in reply.text and "✏️ Change" not in reply.text
