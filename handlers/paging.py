"""Lists longer than one message (a shift's roster, a team's members…) shown a page at a time,
each page within Telegram's limits, turned in place with ◀ ▶.

A list is a header and entries, each a line with perhaps its own buttons (a person to open, a
shift to write to, a place to cancel); pages are cut at entry boundaries so that the text
(header, lines and the page number) stays under `TEXT_MAX` and the entries' buttons under
`ENTRY_BUTTONS_PER_PAGE`.
The page buttons are the list's own kind of button carrying the page (`turn`), whose handler
builds the list afresh and shows the page asked for, so a list that changed meanwhile is shown
as it is now (a page past the end shows the last).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.events import TEXT_MAX, InlineButton

# Telegram refuses an inline keyboard of more than 100 buttons (REPLY_MARKUP_TOO_LONG); a page's
# entries take at most this many, leaving room for the page and the list's own buttons.
ENTRY_BUTTONS_PER_PAGE = 40
PAGE_NUMBER_ROOM = 40  # room kept for the line with the page number
ELLIPSIS = "…"


@dataclass(frozen=True)
class Entry:
    line: str
    buttons: tuple[InlineButton, ...] = ()


def paginate(entries: Sequence[Entry], room: int) -> list[list[Entry]]:
    """The entries cut into pages of at most `room` characters of lines (with their line
    breaks) and `ENTRY_BUTTONS_PER_PAGE` buttons; a line longer than a page is shortened."""
    pages: list[list[Entry]] = []
    page: list[Entry] = []
    used = buttons = 0
    for entry in entries:
        line = entry.line if len(entry.line) < room else entry.line[: room - 2] + ELLIPSIS
        cost = len(line) + 1 if line else 0  # an entry may be its buttons alone
        full = used + cost > room or buttons + len(entry.buttons) > ENTRY_BUTTONS_PER_PAGE
        if page and full:
            pages.append(page)
            page, used, buttons = [], 0, 0
        page.append(Entry(line, entry.buttons))
        used += cost
        buttons += len(entry.buttons)
    pages.append(page)
    return pages


def show(
    ctx: Context,
    header: str,
    entries: Sequence[Entry],
    page: int,
    turn: Callable[[int], Button],
    *,
    edit: bool,
    per_row: int | None = None,
    after: Sequence[list[InlineButton]] = (),
) -> None:
    """Show page `page` of the list (the last if there are fewer): the header, the page's
    lines, which page of how many, the page's entry buttons (a row for each entry's, or
    `per_row` to a row), ◀ ▶ made by `turn(page)`, and the list's own rows of buttons
    (`after`). `edit` replaces the message whose button was pressed."""
    pages = paginate(entries, TEXT_MAX - len(header) - 1 - PAGE_NUMBER_ROOM)
    number = min(max(page, 0), len(pages) - 1)
    show_page(
        ctx,
        header,
        pages[number],
        number,
        len(pages),
        turn,
        edit=edit,
        per_row=per_row,
        after=after,
    )


def show_page(
    ctx: Context,
    header: str,
    entries: Sequence[Entry],
    number: int,
    pages: int,
    turn: Callable[[int], Button],
    *,
    edit: bool,
    per_row: int | None = None,
    after: Sequence[list[InlineButton]] = (),
) -> None:
    """Show page `number` (from 0) of `pages`, whose `entries` the caller cut itself (a
    list too long to load whole, cut by the database a fixed number of entries to a page, each
    within Telegram's limits), as `show` shows its pages."""
    lines = [header, *(entry.line for entry in entries if entry.line)]
    turns: list[InlineButton] = []
    if pages > 1:
        lines.append(ctx.t("paging.page", page=number + 1, pages=pages))
        if number > 0:
            turns.append(ctx.button(ctx.t("paging.previous"), turn(number - 1)))
        if number < pages - 1:
            turns.append(ctx.button(ctx.t("paging.next"), turn(number + 1)))
    if per_row is None:
        rows = [list(entry.buttons) for entry in entries]
    else:
        rows = in_rows([button for entry in entries for button in entry.buttons], per_row)
    markup = keyboard(*rows, turns, *after)
    ctx.reply("\n".join(lines), markup, edit=edit)
