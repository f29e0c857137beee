"""Text people type that others will read carries no invisible or direction-changing characters:
one sanitiser (models/visible_text.py), applied by every check of typed text before it is stored."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.broadcasts import outbox
from models.clock import ManualClock
from models.errors import InvalidInput
from models.publishing import activity_input
from models.teams import roles
from models.visible_text import visible

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "evil\u202etxt.exe" shows as "evilexe.txt"
HIDDEN = [
    "\u202a", "\u202b", "\u202c", "\u202d", RLO,  # embeddings and overrides
    "\u2066", "\u2067", "\u2068", "\u2069",  # isolates
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero width
    "\u200e", "\u200f", "\u00ad", "\u061c",  # marks, soft hyphen (format characters)
    "\u3164", "\u115f", "\u1160", "\uffa0",  # Hangul fillers (letters that show nothing)
]  # fmt: skip


@pytest.mark.parametrize("char", HIDDEN)
def test_invisible_and_direction_characters_are_removed(char: str) -> None:
    assert visible(f"Beach{char} clean{char}-up") == "Beach clean-up"


def test_visible_text_is_kept_as_typed() -> None:
    typed = "海滩清洁 🧹 Beach clean-up: 9:00–12:00, «bring gloves»\nعربي"
    assert visible(typed) == typed


def test_free_text_of_activities_help_requests_and_ratings_is_stored_without_them() -> None:
    typed = f"Beach {RLO}clean-up\u200b"
    assert activity_input.text(typed, max_chars=100, code="title") == "Beach clean-up"


def test_text_of_nothing_but_invisible_characters_is_empty() -> None:
    with pytest.raises(InvalidInput) as refused:
        activity_input.text("\u200b\u3164 \u2060", max_chars=100, code="title")
    assert refused.value.code == "title_empty"


def test_recruitment_calls_go_out_without_them() -> None:
    assert outbox.check_text(f"Come {RLO}help\u200d!", photo=False) == "Come help!"
    with pytest.raises(InvalidInput):
        outbox.check_text("\u200b\ufeff", photo=False)


async def test_team_names_are_stored_without_them(
    session: AsyncSession, clock: ManualClock
) -> None:
    team = await roles.create_team(session, f"Harbour {RLO}Team\u200b", now=clock.now())
    assert team.name == "Harbour Team"
    with pytest.raises(InvalidInput) as refused:
        await roles.create_team(session, "\u3164\u200b\u3164", now=clock.now())
    assert refused.value.code == "team_name_invalid"
