"""/notifications: what a volunteer is sent unasked — reminders before their shifts (off, at
times they pick from a few presets, or the usual ones) and calls for volunteers when a shift in
a theme they like needs people (all of them, or theme by theme). One message shows the choice;
each press edits it in place.

The buttons are lasting and name the state they ask for ("choose 1 h", "turn reminders off"),
not a flip of whatever is stored, so a press from an old message still does what it said.
"""

from __future__ import annotations

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.events import InlineButton, InlineKeyboard
from handlers.router import Router
from models.reference import Theme
from models.registration.tables import Volunteer
from models.reminders import before_shift, notifications

router = Router()

HOUR = 60  # minutes
DAY = 24 * HOUR
WEEK = 7 * DAY
# The times offered as toggle buttons, in minutes before a shift, longest first.
PRESETS = (WEEK, 3 * DAY, DAY, 12 * HOUR, 2 * HOUR, HOUR, 30)
TIMES_PER_ROW = 4
THEMES_PER_ROW = 2


@router.command("notifications", menu=70, registered=True)
async def show(ctx: Context) -> None:
    """The volunteer asked what they are sent unasked."""
    ctx.say(*_panel(ctx, ctx.registered_volunteer))


class SwitchReminders(Button, action="nt.rem", lasting=True):
    """Reminders on (at the times chosen before) or off."""

    enabled: bool


@router.button(SwitchReminders, registered=True)
async def switch_reminders(ctx: Context, switch: SwitchReminders) -> None:
    """The volunteer turned reminders off, or back on at the times they had chosen."""
    await _set_reminders(
        ctx, enabled=switch.enabled, minutes=ctx.registered_volunteer.reminder_minutes
    )


class ChooseReminderTime(Button, action="nt.time", lasting=True):
    """Be reminded `minutes` before a shift, or not (never the last time)."""

    minutes: int
    wanted: bool


@router.button(ChooseReminderTime, registered=True)
async def choose_time(ctx: Context, time: ChooseReminderTime) -> None:
    """The volunteer ticked a time to be reminded at, or unticked one (never the last one)."""
    times = set(_times_of(ctx, ctx.registered_volunteer)) - {time.minutes}
    if time.wanted:
        times.add(time.minutes)
    await _set_reminders(ctx, minutes=sorted(times))


class UseUsualTimes(Button, action="nt.usual", lasting=True):
    """Be reminded at the times the programme (or an activity) chooses."""


@router.button(UseUsualTimes, registered=True)
async def use_usual_times(ctx: Context, choice: UseUsualTimes) -> None:
    """The volunteer went back to the times the programme (or an activity) chooses."""
    await _set_reminders(ctx, minutes=None)


class SwitchCalls(Button, action="nt.calls", lasting=True):
    """Calls for volunteers on, or off."""

    wanted: bool


@router.button(SwitchCalls, registered=True)
async def switch_calls(ctx: Context, switch: SwitchCalls) -> None:
    """The volunteer stopped, or resumed, calls for volunteers."""
    volunteer = ctx.registered_volunteer
    muted = not switch.wanted
    if volunteer.mute_recruitment == muted:
        ctx.answer(ctx.t("notifications.unchanged"))
        return
    await notifications.set_recruitment(ctx.session, volunteer, muted=muted, now=ctx.clock.now())
    ctx.edit_pressed(*_panel(ctx, volunteer))


class ShowThemeCalls(Button, action="nt.themes", lasting=True):
    """Choose, theme by theme, which calls for volunteers come."""


@router.button(ShowThemeCalls, registered=True)
async def show_themes(ctx: Context, choice: ShowThemeCalls) -> None:
    """The volunteer wants to choose, theme by theme, which calls they get."""
    ctx.edit_pressed(*_themes_panel(ctx, ctx.registered_volunteer))


class SwitchThemeCalls(Button, action="nt.theme", lasting=True):
    """Calls about one theme on, or off."""

    theme_id: int
    wanted: bool


@router.button(SwitchThemeCalls, registered=True)
async def switch_theme(ctx: Context, switch: SwitchThemeCalls) -> None:
    """The volunteer muted calls about one theme, or turned them back on."""
    volunteer = ctx.registered_volunteer
    offered = {theme.id for theme in _themes_of(volunteer)}
    if switch.theme_id not in offered:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    changed = await notifications.set_theme_muted(
        ctx.session, volunteer, switch.theme_id, muted=not switch.wanted, now=ctx.clock.now()
    )
    if not changed:
        ctx.answer(ctx.t("notifications.unchanged"))
        return
    ctx.edit_pressed(*_themes_panel(ctx, volunteer))


class ShowNotifications(Button, action="nt.back", lasting=True):
    """Back from the themes to the whole choice."""


@router.button(ShowNotifications, registered=True)
async def back_to_panel(ctx: Context, choice: ShowNotifications) -> None:
    """The volunteer is done with the themes: the whole choice again."""
    ctx.edit_pressed(*_panel(ctx, ctx.registered_volunteer))


async def _set_reminders(
    ctx: Context, *, enabled: bool | None = None, minutes: list[int] | None
) -> None:
    """Remind the volunteer at `minutes` before a shift (None: the usual times), or not at all
    (`enabled`; None keeps it as it is)."""
    volunteer = ctx.registered_volunteer
    if enabled is None:
        enabled = volunteer.reminders_enabled
    before = (volunteer.reminders_enabled, volunteer.reminder_minutes)
    replanned = await notifications.set_reminders(
        ctx.session,
        volunteer,
        enabled=enabled,
        minutes=minutes,
        now=ctx.clock.now(),
        default=ctx.deployment.signup.reminder_offsets,
    )
    if (volunteer.reminders_enabled, volunteer.reminder_minutes) == before:
        # Telegram refuses an edit that changes nothing; the spinner still needs an answer.
        ctx.answer(ctx.t("notifications.unchanged"))
        return
    note = ctx.t("notifications.replanned", count=replanned) if replanned else None
    ctx.edit_pressed(*_panel(ctx, volunteer, note))


# ---- the message --------------------------------------------------------------------------


def _usual_minutes(ctx: Context) -> list[int]:
    """The deployment's reminder times, in the whole minutes a volunteer's choice is kept in."""
    minutes = (offset // before_shift.MINUTE for offset in ctx.deployment.signup.reminder_offsets)
    return sorted({m for m in minutes if 0 < m <= notifications.MAX_MINUTES})


def _times_of(ctx: Context, volunteer: Volunteer) -> list[int]:
    """The times the volunteer is reminded at: their own, else the usual ones."""
    if volunteer.reminder_minutes is None:
        return _usual_minutes(ctx)
    return list(volunteer.reminder_minutes)


def _panel(
    ctx: Context, volunteer: Volunteer, note: str | None = None
) -> tuple[str, InlineKeyboard | None]:
    lines = [ctx.t("notifications.header"), _reminders_line(ctx, volunteer)]
    calls = "notifications.calls_off" if volunteer.mute_recruitment else "notifications.calls_on"
    lines.append(ctx.t(calls))
    if volunteer.muted_themes and not volunteer.mute_recruitment:
        muted = _names(ctx, volunteer.muted_themes)
        lines.append(ctx.t("notifications.calls_except", themes=muted))
    if note is not None:
        lines += ["", note]
    b = ctx.button
    rows: list[list[InlineButton]] = []
    if volunteer.reminders_enabled:
        rows.append([b(ctx.t("notifications.turn_off"), SwitchReminders(enabled=False))])
        rows += in_rows(_time_buttons(ctx, volunteer), TIMES_PER_ROW)
        if volunteer.reminder_minutes is None:
            rows.append([b(ctx.t("notifications.usual_chosen"), UseUsualTimes())])
        else:
            rows.append([b(ctx.t("notifications.use_usual"), UseUsualTimes())])
    else:
        rows.append([b(ctx.t("notifications.turn_on"), SwitchReminders(enabled=True))])
    if volunteer.mute_recruitment:
        rows.append([b(ctx.t("notifications.unmute_calls"), SwitchCalls(wanted=True))])
    else:
        rows.append([b(ctx.t("notifications.mute_calls"), SwitchCalls(wanted=False))])
    if _themes_of(volunteer):
        rows.append([b(ctx.t("notifications.by_theme"), ShowThemeCalls())])
    return "\n".join(lines), keyboard(*rows)


def _themes_of(volunteer: Volunteer) -> list[Theme]:
    """The themes a volunteer may mute calls about: those they like, and any they muted
    before they stopped liking it (so it can be turned back on)."""
    muted = [theme for theme in volunteer.muted_themes if theme not in volunteer.themes]
    return [*volunteer.themes, *muted]


def _themes_panel(ctx: Context, volunteer: Volunteer) -> tuple[str, InlineKeyboard | None]:
    """A toggle per theme: 📣 calls about it come, 🔇 they do not; each names the state it
    asks for, like the other buttons here."""
    lines = [ctx.t("notifications.themes_header")]
    if volunteer.mute_recruitment:
        lines.append(ctx.t("notifications.themes_all_off"))
    buttons = []
    for theme in _themes_of(volunteer):
        name = theme.name(ctx.lang)
        if theme in volunteer.muted_themes:
            label = ctx.t("notifications.theme_muted", theme=name)
            buttons.append(ctx.button(label, SwitchThemeCalls(theme.id, wanted=True)))
        else:
            label = ctx.t("notifications.theme_on", theme=name)
            buttons.append(ctx.button(label, SwitchThemeCalls(theme.id, wanted=False)))
    back = ctx.button(ctx.t("notifications.back"), ShowNotifications())
    return "\n".join(lines), keyboard(*in_rows(buttons, THEMES_PER_ROW), [back])


def _names(ctx: Context, themes: list[Theme]) -> str:
    ordered = sorted(themes, key=lambda theme: (theme.sort_order, theme.id))
    return formatting.joined(ctx.texts, ctx.lang, (theme.name(ctx.lang) for theme in ordered))


def _reminders_line(ctx: Context, volunteer: Volunteer) -> str:
    if not volunteer.reminders_enabled:
        return ctx.t("notifications.reminders_off")
    if volunteer.reminder_minutes is not None:
        return ctx.t(
            "notifications.reminders_chosen", times=_listed(ctx, volunteer.reminder_minutes)
        )
    usual = _usual_minutes(ctx)
    if not usual:
        return ctx.t("notifications.reminders_usual_none")
    return ctx.t("notifications.reminders_usual", times=_listed(ctx, usual))


def _time_buttons(ctx: Context, volunteer: Volunteer) -> list[InlineButton]:
    """A toggle per preset, and per time chosen that is not a preset (so it can be unticked)."""
    chosen = set(_times_of(ctx, volunteer))
    buttons = []
    for minutes in sorted(chosen | set(PRESETS), reverse=True):
        if minutes in chosen:
            label = ctx.t("notifications.time_chosen", time=_duration(ctx, minutes))
            buttons.append(ctx.button(label, ChooseReminderTime(minutes, wanted=False)))
        else:
            label = _duration(ctx, minutes)
            buttons.append(ctx.button(label, ChooseReminderTime(minutes, wanted=True)))
    return buttons


def _listed(ctx: Context, minutes: list[int]) -> str:
    """`24 hours and 2 hours`: the longest first."""
    return formatting.joined(
        ctx.texts, ctx.lang, (_duration(ctx, m) for m in sorted(minutes, reverse=True))
    )


def _duration(ctx: Context, minutes: int) -> str:
    """`1 week`, `3 days`, `24 hours`, `30 minutes`: a day reads as 24 hours, the way reminders
    are told."""
    if minutes % WEEK == 0:
        return formatting.unit(ctx.texts, ctx.lang, minutes // WEEK, "duration-week")
    if minutes % DAY == 0 and minutes > DAY:
        return formatting.unit(ctx.texts, ctx.lang, minutes // DAY, "duration-day")
    if minutes % HOUR == 0:
        return formatting.unit(ctx.texts, ctx.lang, minutes // HOUR, "duration-hour")
    return formatting.unit(ctx.texts, ctx.lang, minutes, "duration-minute")
