"""A coordinator's roster of an activity (from /manage): per shift, who is confirmed, offered,
waiting or a no-show, who has checked in, with phone numbers (coordinators only); exported as
CSV or XLSX; and a message to everyone on a shift, previewed and confirmed before it goes."""

from __future__ import annotations

from enum import StrEnum
from functools import partial

from handlers import formatting, paging
from handlers.callbacks import Button, OnActivity, OnShift
from handlers.context import Context, keyboard
from handlers.events import SendDocument
from handlers.flows import Flow
from handlers.notify import notifier
from handlers.publishing import managed
from handlers.router import Router
from models import spreadsheet
from models.activities.tables import Activity, Shift, ShiftStatus
from models.errors import InvalidInput
from models.publishing import publication, shift_roster
from models.publishing.shift_roster import Entry
from models.spreadsheet import FileFormat
from models.visible_text import visible

router = Router()
MAX_MESSAGE = 1000


class Step(StrEnum):
    TEXT = "text"


# After the text, the coordinator stays at the step (a new text replaces it) until Send or Don't.
SHIFT_MESSAGE = Flow("shift_message", Step, starts=(Step.TEXT,), moves={})


def _time(ctx: Context, entry: Entry) -> str:
    if entry.checked_in_at is None:
        return ""
    zone = ctx.deployment.zone
    start = formatting.clock(ctx.texts, ctx.lang, entry.checked_in_at, zone)
    end = (
        formatting.clock(ctx.texts, ctx.lang, entry.checked_out_at, zone)
        if entry.checked_out_at
        else ""
    )
    return f"{start}–{end}"


def _checked(ctx: Context, entry: Entry) -> str:
    """The check-in times and how the person checked in (a pin on the map is worth a look)."""
    if entry.checkin_method is None:
        return _time(ctx, entry)
    return f"{_time(ctx, entry)} {ctx.t(f'checkin_method.{entry.checkin_method}')}"


class ShowRoster(OnActivity, action="mg.roster", lasting=True):
    """The coordinator wants to see who is coming to an activity."""


@router.button(ShowRoster)
async def show(ctx: Context, roster: ShowRoster) -> None:
    """The coordinator wants to see who is coming."""
    await _show(ctx, roster.activity_id, 0, edit=False)


class TurnRosterPage(OnActivity, action="ro.page", lasting=True):
    """The coordinator turns a page of a long roster."""

    page: int


@router.button(TurnRosterPage)
async def turn_page(ctx: Context, turn: TurnRosterPage) -> None:
    """The coordinator turned a page of the roster."""
    await _show(ctx, turn.activity_id, turn.page, edit=True)


async def _show(ctx: Context, activity_id: int, page: int, *, edit: bool) -> None:
    """A page of the roster: per shift, its people; its Message button with the shift."""
    activity = await managed.activity(ctx, activity_id)
    shifts = [
        s
        for s in await publication.shifts_of(ctx.session, activity.id)
        if s.status != ShiftStatus.CANCELLED
    ]
    entries = await shift_roster.roster(ctx.session, [s.id for s in shifts])
    lines: list[paging.Entry] = []
    for shift in shifts:
        when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
        write = ctx.button(ctx.t("roster.message", when=when), MessageShift(shift.id))
        heading = ctx.t("manage.roster_shift", when=when, capacity=shift.capacity)
        lines.append(paging.Entry(f"\n{heading}", (write,)))
        people = [
            ctx.t(
                f"roster.{entry.signup.status}",
                name=entry.volunteer.full_name or "—",
                phone=entry.volunteer.phone or "",
                checked=_checked(ctx, entry),
            )
            for entry in entries
            if entry.shift.id == shift.id
        ]
        lines += [paging.Entry(line) for line in people or [ctx.t("manage.roster_empty")]]
    exports = [
        ctx.button(ctx.t("roster.export", format=f.upper()), ExportRoster(activity.id, f))
        for f in FileFormat
    ]
    header = ctx.t("manage.roster_header", title=activity.title)
    turn = partial(TurnRosterPage, activity.id)
    paging.show(ctx, header, lines, page, turn, edit=edit, after=[exports])


class ExportRoster(OnActivity, action="ro.file", lasting=True):
    """The coordinator wants an activity's roster as a spreadsheet."""

    format: FileFormat


@router.button(ExportRoster)
async def export(ctx: Context, choice: ExportRoster) -> None:
    """The coordinator wants the roster as a spreadsheet."""
    activity = await managed.activity(ctx, choice.activity_id)
    kind = choice.format
    shifts = await publication.shifts_of(ctx.session, activity.id)
    entries = await shift_roster.roster(ctx.session, [s.id for s in shifts])
    header = [ctx.t(f"roster.column_{c}") for c in ("shift", "name", "phone", "status", "checked")]
    table = [header] + [
        [
            formatting.when(ctx.texts, ctx.lang, entry.shift, ctx.deployment.zone),
            entry.volunteer.full_name or "",
            entry.volunteer.phone or "",
            ctx.t(f"roster.status_{entry.signup.status}"),
            _time(ctx, entry),
        ]
        for entry in entries
    ]
    # Names are typed by people; shift, phone, status and times are the bot's own.
    content = spreadsheet.table(kind, "roster", table, free_text={1})
    ctx.audit("roster.export", "activity", activity.id, format=kind, people=len(entries))
    caption = ctx.t("roster.file_caption", title=activity.title, count=len(entries))
    filename = f"roster-{activity.id}.{kind}"
    ctx.outbox.add(SendDocument(ctx.event.chat_id, filename, content, caption=caption))


class MessageShift(OnShift, action="ro.msg", lasting=True):
    """The coordinator wants to write to everyone on a shift."""


@router.button(MessageShift)
async def ask_message(ctx: Context, message: MessageShift) -> None:
    """The coordinator wants to write to everyone on a shift: what to say?"""
    shift, _ = await managed.shift(ctx, message.shift_id)
    await SHIFT_MESSAGE.begin(ctx, Step.TEXT, shift_id=shift.id)


@SHIFT_MESSAGE.asks(Step.TEXT)
async def ask_text(ctx: Context) -> None:
    count = len(await shift_roster.recipients(ctx.session, int(ctx.state.data["shift_id"])))
    ctx.say(ctx.t("roster.ask_message", count=count))


@router.step(SHIFT_MESSAGE, Step.TEXT)
async def got_message(ctx: Context) -> None:
    """The coordinator wrote the message: show it as it will arrive, and ask before sending."""
    text = visible(ctx.event.text or "").strip()
    if not text or len(text) > MAX_MESSAGE:
        raise InvalidInput("roster_message_length", limit=MAX_MESSAGE)
    shift, activity = await managed.shift(ctx, int(ctx.state.data["shift_id"]))
    count = len(await shift_roster.recipients(ctx.session, shift.id))
    ctx.state.data = {**ctx.state.data, "text": text}
    preview = _as_sent(ctx, ctx.lang, shift, activity, text)
    ctx.say(
        ctx.t("roster.preview", count=count, preview=preview),
        keyboard(
            [
                ctx.button(ctx.t("roster.send", count=count), SendShiftMessage()),
                ctx.button(ctx.t("roster.dont_send"), DropShiftMessage()),
            ]
        ),
    )


def _as_sent(ctx: Context, language: str, shift: Shift, activity: Activity, text: str) -> str:
    when = formatting.when(ctx.texts, language, shift, ctx.deployment.zone)
    return ctx.texts.get(
        language, "roster.sent_message", title=activity.title, when=when, text=text
    )


class SendShiftMessage(Button, action="ro.send"):
    """The coordinator confirms the message previewed."""


@router.button(SendShiftMessage)
async def send(ctx: Context, confirm: SendShiftMessage) -> None:
    """The coordinator confirmed: everyone on the shift gets the message."""
    shift, activity = await managed.shift(ctx, int(ctx.state.data["shift_id"]))
    text = str(ctx.state.data["text"])
    people = await shift_roster.recipients(ctx.session, shift.id)
    notify = notifier(ctx)
    for volunteer in people:
        assert volunteer.telegram_id is not None
        notify.send(volunteer.telegram_id, _as_sent(ctx, volunteer.language, shift, activity, text))
    ctx.audit("roster.message", "shift", shift.id, people=len(people), text=text)
    ctx.finish()
    ctx.edit_pressed(ctx.t("roster.sent", count=len(people)))


class DropShiftMessage(Button, action="ro.drop"):
    """The coordinator decides not to send the message."""


@router.button(DropShiftMessage)
async def drop(ctx: Context, dropping: DropShiftMessage) -> None:
    """The coordinator changed their mind: nothing is sent."""
    ctx.finish()
    ctx.edit_pressed(ctx.t("roster.dropped"))
