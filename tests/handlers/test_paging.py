"""Long texts within Telegram's limits: lists cut into pages at entry boundaries, and any other
text over 4,096 characters sent as several messages cut between lines."""

from __future__ import annotations

from handlers import paging
from handlers.events import (
    TEXT_MAX,
    EditMessage,
    InlineButton,
    InlineKeyboard,
    Outbox,
    SendMessage,
    split_text,
)

BUTTON = InlineButton("open", callback_data="x")


def test_pages_are_cut_between_entries_within_the_room_and_the_buttons() -> None:
    entries = [paging.Entry(f"line {i:03}", (BUTTON,)) for i in range(300)]
    pages = paging.paginate(entries, room=100)
    assert [e.line for page in pages for e in page] == [e.line for e in entries]
    assert all(sum(len(e.line) + 1 for e in page) <= 100 for page in pages)
    many = paging.paginate(entries, room=TEXT_MAX)
    assert [len(page) for page in many] == [40] * 7 + [20]  # at most 40 buttons a page


def test_a_line_longer_than_a_page_is_shortened() -> None:
    (page,) = paging.paginate([paging.Entry("x" * 500)], room=100)
    assert len(page[0].line) < 100 and page[0].line.endswith("…")
    assert paging.paginate([], room=100) == [[]]


def test_a_long_text_goes_as_several_messages_the_buttons_on_the_last() -> None:
    lines = [f"{i:04} " + "y" * 95 for i in range(100)]  # 10,000 characters
    markup = InlineKeyboard(rows=((BUTTON,),))
    outbox = Outbox()
    outbox.add(SendMessage(7, "\n".join(lines), markup))
    assert len(outbox.actions) == 3
    assert all(isinstance(a, SendMessage) and len(a.text) <= TEXT_MAX for a in outbox.actions)
    assert "\n".join(a.text for a in outbox.actions if isinstance(a, SendMessage)) == "\n".join(
        lines
    )
    assert [a.markup for a in outbox.actions if isinstance(a, SendMessage)] == [None, None, markup]

    edited = Outbox()
    edited.add(EditMessage(7, 11, "\n".join(lines), markup))
    first, *rest = edited.actions
    assert isinstance(first, EditMessage) and first.markup is None
    assert isinstance(rest[-1], SendMessage) and rest[-1].markup == markup


def test_a_line_longer_than_a_message_is_cut() -> None:
    parts = split_text("a\n" + "z" * (TEXT_MAX + 10) + "\nb")
    assert parts == ["a", "z" * TEXT_MAX, "z" * 10 + "\nb"]
    assert split_text("short") == ["short"]
