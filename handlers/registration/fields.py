"""The profile questions (name, phone, ID number, district, themes, availability), asked the same
way during registration and when a volunteer edits one field from /profile.

Each question validates what the user gives it and stores it in the draft kept in the
conversation state; the flow that asked then decides what comes next (`after_field`). The flows
that ask these questions (`register`, `profile`) declare them as their steps and take their
askers from here (`asked_in`); what the user types at them is routed whatever the flow (`*`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.events import InlineKeyboard, RemoveKeyboard, ReplyButton, ReplyKeyboard
from handlers.flows import Asker, Flow
from handlers.router import ANY_FLOW, Router
from models.errors import InvalidInput
from models.registration import volunteers
from models.registration.tables import Availability
from models.registration.validation import normalize_name, normalize_phone, parse_prc_id
from models.registration.volunteers import Draft, SealedId

router = Router()


class Field(StrEnum):
    NAME = "name"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    DISTRICT = "district"
    THEMES = "themes"
    AVAILABILITY = "availability"


AVAILABILITY_LABELS = {
    Availability.WEEKDAYS: "fields.availability_weekdays",
    Availability.WEEKENDS: "fields.availability_weekends",
    Availability.EVENINGS: "fields.availability_evenings",
}
CHECKED = "✅ "


AfterField = Callable[[Context, Draft, Field], Awaitable[None]]
_after_field: dict[str, AfterField] = {}


def after_field(flow: Flow) -> Callable[[AfterField], AfterField]:
    """Register what `flow` does once one of its questions has been answered."""

    def register(handler: AfterField) -> AfterField:
        _after_field[flow.name] = handler
        return handler

    return register


def asked_in(flow: Flow) -> None:
    """Register these questions' askers with `flow`, for the field steps it declares."""
    for field, asker in ASKERS.items():
        if field in flow.steps:
            flow.asks(field)(asker)


def load_draft(ctx: Context) -> Draft:
    return Draft.from_json(ctx.state.data.get("draft", {}))


def store_draft(ctx: Context, draft: Draft) -> None:
    # A new dict, so that SQLAlchemy sees the JSON column change.
    ctx.state.data = {**ctx.state.data, "draft": draft.to_json()}


async def _accepted(ctx: Context, draft: Draft, field: Field) -> None:
    store_draft(ctx, draft)
    assert ctx.state.flow is not None
    await _after_field[ctx.state.flow](ctx, draft, field)


# ---- name -----------------------------------------------------------------------------------


async def ask_name(ctx: Context) -> None:
    ctx.say(ctx.t("fields.ask_name"))


@router.step(ANY_FLOW, Field.NAME)
async def receive_name(ctx: Context) -> None:
    """The user typed their name."""
    draft = load_draft(ctx)
    draft.name = normalize_name(_text_or_refuse(ctx, "fields.name_as_text"))
    await _accepted(ctx, draft, Field.NAME)


# ---- phone ----------------------------------------------------------------------------------


async def ask_phone(ctx: Context) -> None:
    share = ReplyButton(label=ctx.t("fields.share_phone_button"), request_contact=True)
    ctx.say(ctx.t("fields.ask_phone"), ReplyKeyboard(rows=((share,),)))


@router.step(ANY_FLOW, Field.PHONE)
async def receive_phone(ctx: Context) -> None:
    """The user shared their contact, or typed a number."""
    contact = ctx.event.contact
    if contact is not None:
        if contact.user_id != ctx.user_id:
            raise InvalidInput("phone_not_own")
        raw = contact.phone_number
    else:
        raw = _text_or_refuse(ctx, "fields.phone_as_text")
    draft = load_draft(ctx)
    draft.phone = normalize_phone(raw, ctx.deployment.phone_region)
    ctx.say(ctx.t("fields.phone_saved", phone=draft.phone), RemoveKeyboard())
    await _accepted(ctx, draft, Field.PHONE)


# ---- ID number ------------------------------------------------------------------------------


async def ask_id_number(ctx: Context) -> None:
    ctx.say(ctx.t("fields.ask_id_number"))


@router.step(ANY_FLOW, Field.ID_NUMBER)
async def receive_id_number(ctx: Context) -> None:
    """The user typed their resident ID number; it is sealed before it is stored anywhere."""
    if ctx.cipher is None:
        raise RuntimeError("ID numbers are asked for only when ID_ENCRYPTION_KEY is set")
    today = formatting.today(ctx.clock.now(), ctx.deployment.zone)
    prc_id = parse_prc_id(_text_or_refuse(ctx, "fields.id_as_text"), today)
    sealed = SealedId.seal(prc_id, ctx.cipher)
    await volunteers.ensure_id_free(ctx.session, sealed, owner=ctx.volunteer)
    draft = load_draft(ctx)
    draft.sealed_id = sealed
    ctx.say(ctx.t("fields.id_saved", id_number_masked=sealed.masked))
    await _accepted(ctx, draft, Field.ID_NUMBER)


# ---- district -------------------------------------------------------------------------------


async def ask_district(ctx: Context) -> None:
    named = {d.id: d.name(ctx.lang) for d in await volunteers.districts(ctx.session)}
    ctx.say(ctx.t("fields.ask_district"), keyboard(*ctx.choices(named, PickDistrict, 2)))


class PickDistrict(Button, action="f.district"):
    """The user chose their district."""

    district_id: int


@router.button(PickDistrict)
async def pick_district(ctx: Context, choice: PickDistrict) -> None:
    """The user chose their district."""
    chosen = {d.id: d for d in await volunteers.districts(ctx.session)}.get(choice.district_id)
    if chosen is None or ctx.state.step != Field.DISTRICT:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    draft = load_draft(ctx)
    draft.district_id = chosen.id
    ctx.edit_pressed(ctx.t("fields.district_chosen", district=chosen.name(ctx.lang)))
    await _accepted(ctx, draft, Field.DISTRICT)


# ---- themes ---------------------------------------------------------------------------------


async def ask_themes(ctx: Context) -> None:
    ctx.say(ctx.t("fields.ask_themes"), await _themes_keyboard(ctx, load_draft(ctx)))


async def _themes_keyboard(ctx: Context, draft: Draft) -> InlineKeyboard | None:
    buttons = [
        ctx.button(
            (CHECKED if theme.id in draft.theme_ids else "") + theme.name(ctx.lang),
            ToggleTheme(theme.id),
        )
        for theme in await volunteers.themes(ctx.session)
    ]
    done = ctx.button(ctx.t("fields.done_button"), FinishThemes())
    return keyboard(*in_rows(buttons, 2), [done])


class ToggleTheme(Button, action="f.theme"):
    """The user ticked or unticked a theme they are interested in."""

    theme_id: int


@router.button(ToggleTheme)
async def toggle_theme(ctx: Context, toggle: ToggleTheme) -> None:
    """The user ticked or unticked a theme."""
    theme_id = toggle.theme_id
    known = {theme.id for theme in await volunteers.themes(ctx.session)}
    if theme_id not in known or ctx.state.step != Field.THEMES:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    draft = load_draft(ctx)
    if theme_id in draft.theme_ids:
        draft.theme_ids.remove(theme_id)
    else:
        draft.theme_ids.append(theme_id)
    store_draft(ctx, draft)
    ctx.edit_pressed(ctx.t("fields.ask_themes"), await _themes_keyboard(ctx, draft))


class FinishThemes(Button, action="f.themes_done"):
    """The user is done choosing themes."""


@router.button(FinishThemes)
async def themes_done(ctx: Context, done: FinishThemes) -> None:
    """The user finished choosing themes."""
    draft = load_draft(ctx)
    names = [
        t.name(ctx.lang) for t in await volunteers.themes(ctx.session) if t.id in draft.theme_ids
    ]
    shown = (
        ctx.t("fields.themes_chosen", themes=formatting.joined(ctx.texts, ctx.lang, names))
        if draft.theme_ids
        else None
    )
    await _done_ticking(ctx, draft, Field.THEMES, shown)


# ---- availability ---------------------------------------------------------------------------


async def ask_availability(ctx: Context) -> None:
    ctx.say(ctx.t("fields.ask_availability"), _availability_keyboard(ctx, load_draft(ctx)))


def _availability_keyboard(ctx: Context, draft: Draft) -> InlineKeyboard | None:
    buttons = [
        ctx.button(
            (CHECKED if draft.availability & flag else "") + ctx.t(key),
            ToggleAvailability(int(flag)),
        )
        for flag, key in AVAILABILITY_LABELS.items()
    ]
    return keyboard(buttons, [ctx.button(ctx.t("fields.done_button"), FinishAvailability())])


class ToggleAvailability(Button, action="f.avail"):
    """The user ticked or unticked a time they are usually free (an `Availability` flag)."""

    flag: int


@router.button(ToggleAvailability)
async def toggle_availability(ctx: Context, toggle: ToggleAvailability) -> None:
    """The user ticked or unticked a time they are usually free."""
    flag = toggle.flag
    if flag not in {int(f) for f in Availability} or ctx.state.step != Field.AVAILABILITY:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    draft = load_draft(ctx)
    draft.availability ^= flag
    store_draft(ctx, draft)
    ctx.edit_pressed(ctx.t("fields.ask_availability"), _availability_keyboard(ctx, draft))


class FinishAvailability(Button, action="f.avail_done"):
    """The user is done choosing when they are free."""


@router.button(FinishAvailability)
async def availability_done(ctx: Context, done: FinishAvailability) -> None:
    """The user finished choosing when they are free."""
    draft = load_draft(ctx)
    times = describe_availability(ctx, draft)
    shown = ctx.t("fields.availability_chosen", times=times) if draft.availability else None
    await _done_ticking(ctx, draft, Field.AVAILABILITY, shown)


async def _done_ticking(ctx: Context, draft: Draft, field: Field, shown: str | None) -> None:
    """Done ticking (themes, times): what is ticked is shown in place of the question (`shown`)
    and accepted; `shown` is None while nothing is: the press is refused."""
    if shown is None:
        ctx.answer(ctx.t("fields.choose_at_least_one"), alert=True)
        return
    ctx.edit_pressed(shown)
    await _accepted(ctx, draft, field)


def describe_availability(ctx: Context, draft: Draft) -> str:
    return formatting.joined(
        ctx.texts,
        ctx.lang,
        (ctx.t(key) for flag, key in AVAILABILITY_LABELS.items() if draft.availability & flag),
    )


@router.step(ANY_FLOW, Field.DISTRICT, Field.THEMES, Field.AVAILABILITY)
async def typed_instead_of_buttons(ctx: Context) -> None:
    """The user typed (or sent something) where the question wants a button."""
    ctx.say(ctx.t("fields.use_buttons"))
    await ASKERS[ctx.step_in(Field)](ctx)


ASKERS: dict[Field, Asker] = {
    Field.NAME: ask_name,
    Field.PHONE: ask_phone,
    Field.ID_NUMBER: ask_id_number,
    Field.DISTRICT: ask_district,
    Field.THEMES: ask_themes,
    Field.AVAILABILITY: ask_availability,
}


def _text_or_refuse(ctx: Context, key: str) -> str:
    """The message's text; anything else (a photo, a sticker, a file) is refused with `key`."""
    if ctx.event.text is None:
        raise InvalidInput("not_text", hint=ctx.t(key))
    return ctx.event.text
