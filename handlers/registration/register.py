"""Volunteer registration: /start → language → privacy notice → the profile questions → a
summary to confirm or edit. Nothing is written to the volunteers table before Confirm."""

from __future__ import annotations

from enum import StrEnum

from handlers.callbacks import Press
from handlers.context import Context, in_rows, keyboard
from handlers.registration import fields
from handlers.registration.fields import Field
from handlers.router import DEEP_LINK_PAYLOAD, Router
from models.registration import volunteers
from models.registration.volunteers import Draft

router = Router()
FLOW = "register"


class Step(StrEnum):
    LANGUAGE = "language"
    PRIVACY = "privacy"
    SUMMARY = "summary"
    CHOOSE_EDIT = "choose_edit"


QUESTIONS = (
    Field.NAME,
    Field.PHONE,
    Field.ID_NUMBER,
    Field.DISTRICT,
    Field.THEMES,
    Field.AVAILABILITY,
)


def questions(ctx: Context) -> tuple[Field, ...]:
    """The questions this deployment asks: the ID number only where real names are required."""
    if ctx.deployment.require_real_name:
        return QUESTIONS
    return tuple(field for field in QUESTIONS if field != Field.ID_NUMBER)


@router.command("start")
async def start(ctx: Context) -> None:
    """The user opened the bot, perhaps through a deep link."""
    payload = ctx.event.command_args
    if payload and not DEEP_LINK_PAYLOAD.match(payload):
        ctx.say(ctx.t("general.link_invalid"))
        payload = ""
    if ctx.volunteer is not None or (payload and ctx.opens_for_anyone(payload)):
        if payload:
            await ctx.open_link(ctx, payload)
        else:
            ctx.say(ctx.t("registration.welcome_back", name=ctx.volunteer.full_name))
        return
    if payload:
        ctx.state.data = {**ctx.state.data, "deep_link": payload}
    if ctx.state.flow == FLOW and ctx.state.step is not None:
        ctx.say(ctx.t("registration.resuming"))
        await _ask_current(ctx)
        return
    ctx.finish()
    if payload:
        ctx.state.data = {"deep_link": payload}
    ctx.go(FLOW, Step.LANGUAGE)
    await ask_language(ctx)


async def ask_language(ctx: Context) -> None:
    buttons = [
        ctx.button(ctx.texts.get(language, "language.name"), "reg.lang", language)
        for language in ctx.texts.languages
    ]
    ctx.say(ctx.t("registration.choose_language"), keyboard(buttons))


@router.button("reg.lang")
async def choose_language(ctx: Context, press: Press) -> None:
    """The user chose the language the bot speaks to them in."""
    if not press.args or press.args[0] not in ctx.texts.languages:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.state.language = press.args[0]
    ctx.edit_pressed(ctx.t("registration.language_chosen"))
    ctx.go(FLOW, Step.PRIVACY)
    await ask_privacy(ctx)


async def ask_privacy(ctx: Context) -> None:
    ctx.say(
        ctx.t("registration.privacy_notice"),
        keyboard(
            [
                ctx.button(ctx.t("registration.privacy_accept"), "reg.privacy", "yes"),
                ctx.button(ctx.t("registration.privacy_decline"), "reg.privacy", "no"),
            ]
        ),
    )


@router.button("reg.privacy")
async def answer_privacy(ctx: Context, press: Press) -> None:
    """The user accepted or declined the privacy notice."""
    if press.args == ("yes",):
        ctx.edit_pressed(ctx.t("registration.privacy_accepted"))
        await fields.ask(ctx, questions(ctx)[0])
    else:
        ctx.edit_pressed(ctx.t("registration.privacy_declined"))
        ctx.finish()


@fields.after_field(FLOW)
async def next_question(ctx: Context, draft: Draft, answered: Field) -> None:
    """After each answer: the next question, or back to the summary when editing one field."""
    order = questions(ctx)
    position = order.index(answered)
    if ctx.state.data.get("editing") or position + 1 == len(order):
        await show_summary(ctx)
    else:
        await fields.ask(ctx, order[position + 1])


async def show_summary(ctx: Context) -> None:
    ctx.go(FLOW, Step.SUMMARY)
    draft = fields.load_draft(ctx)
    ctx.say(
        await describe(ctx, draft),
        keyboard(
            [
                ctx.button(ctx.t("registration.confirm_button"), "reg.confirm"),
                ctx.button(ctx.t("registration.edit_button"), "reg.edit"),
            ]
        ),
    )


async def describe(ctx: Context, draft: Draft) -> str:
    """The profile as the user will read it (summary and /profile share this)."""
    district_names = {d.id: d.name(ctx.lang) for d in await volunteers.districts(ctx.session)}
    theme_names = [
        theme.name(ctx.lang)
        for theme in await volunteers.themes(ctx.session)
        if theme.id in draft.theme_ids
    ]
    masked = draft.sealed_id.masked if draft.sealed_id else ctx.t("profile.not_given")
    return ctx.t(
        "profile.card",
        name=draft.name or "",
        phone=draft.phone or "",
        id_number=masked,
        district=district_names.get(draft.district_id or 0, ctx.t("profile.not_given")),
        themes=", ".join(theme_names) or ctx.t("profile.not_given"),
        availability=fields.describe_availability(ctx, draft) or ctx.t("profile.not_given"),
    )


@router.button("reg.edit")
async def choose_field_to_edit(ctx: Context, press: Press) -> None:
    """The user wants to change something before confirming."""
    ctx.go(FLOW, Step.CHOOSE_EDIT)
    buttons = [
        ctx.button(ctx.t(f"profile.field_{field}"), "reg.field", field) for field in questions(ctx)
    ]
    ctx.edit_pressed(ctx.t("registration.choose_field"), keyboard(*in_rows(buttons, 2)))


@router.button("reg.field")
async def edit_field(ctx: Context, press: Press) -> None:
    """The user picked the answer they want to change."""
    allowed = {str(field) for field in questions(ctx)}
    if not press.args or press.args[0] not in allowed:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.state.data = {**ctx.state.data, "editing": True}
    await fields.ask(ctx, Field(press.args[0]))


@router.button("reg.confirm")
async def confirm(ctx: Context, press: Press) -> None:
    """The user confirmed the summary: the volunteer is created now, in one transaction."""
    draft = fields.load_draft(ctx)
    deep_link = ctx.state.data.get("deep_link")
    language = ctx.lang
    ctx.volunteer = await volunteers.register(
        ctx.session,
        telegram_id=ctx.user_id,
        language=language,
        draft=draft,
        now=ctx.clock.now(),
    )
    ctx.edit_pressed(await describe(ctx, draft))
    ctx.finish()
    ctx.say(ctx.t("registration.done", name=draft.name))
    if deep_link:
        await ctx.open_link(ctx, deep_link)


@router.step(FLOW, Step.LANGUAGE, Step.PRIVACY, Step.SUMMARY, Step.CHOOSE_EDIT)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The user typed where the registration expects a button press."""
    ctx.say(ctx.t("fields.use_buttons"))
    await _ask_current(ctx)


async def _ask_current(ctx: Context) -> None:
    """Ask the question of the step the user is at again (after /start or a stray message)."""
    step = ctx.state.step
    if step == Step.LANGUAGE:
        await ask_language(ctx)
    elif step == Step.PRIVACY:
        await ask_privacy(ctx)
    elif step in (Step.SUMMARY, Step.CHOOSE_EDIT):
        await show_summary(ctx)
    else:
        await fields.ASKERS[Field(step)](ctx, fields.load_draft(ctx))
