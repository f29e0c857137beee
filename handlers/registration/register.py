"""Volunteer registration: /start → privacy notice → the profile questions → a summary to
confirm or edit. Nothing is written to the volunteers table before Confirm.

A newcomer is not asked for a language first: the notice comes in the language their Telegram
app uses (zh* → 中文, en* → English, else the deployment's), with a button to switch to the other
(one tap for the few who want it, none for everyone else)."""

from __future__ import annotations

from enum import StrEnum

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.flows import Flow
from handlers.languages import preferred
from handlers.registration import fields
from handlers.registration.fields import Field
from handlers.router import DEEP_LINK_PAYLOAD, Router
from models.registration import volunteers
from models.registration.volunteers import Draft

router = Router()


class Step(StrEnum):
    # Asked no more (the notice comes in the user's language): only conversations saved before
    # are at it, and move on to the notice.
    LANGUAGE = "language"
    PRIVACY = "privacy"
    SUMMARY = "summary"
    CHOOSE_EDIT = "choose_edit"


# The privacy notice (in a language the user may switch), then the profile questions in order
# (the ID number only where real names are required, see `questions`), then the summary; from
# the summary the user may go back to any one answer, which returns to the summary.
REGISTER = Flow(
    "register",
    (*Step, *Field),
    starts=(Step.PRIVACY, Step.LANGUAGE),
    moves={
        Step.LANGUAGE: (Step.PRIVACY,),
        Step.PRIVACY: (Field.NAME,),
        Field.NAME: (Field.PHONE, Step.SUMMARY),
        Field.PHONE: (Field.ID_NUMBER, Field.DISTRICT, Step.SUMMARY),
        Field.ID_NUMBER: (Field.DISTRICT, Step.SUMMARY),
        Field.DISTRICT: (Field.THEMES, Step.SUMMARY),
        Field.THEMES: (Field.AVAILABILITY, Step.SUMMARY),
        Field.AVAILABILITY: (Step.SUMMARY,),
        Step.SUMMARY: (Step.CHOOSE_EDIT,),
        Step.CHOOSE_EDIT: (*Field, Step.SUMMARY),
    },
)
fields.asked_in(REGISTER)


class Answer(StrEnum):
    """The answer to a yes-or-no question."""

    YES = "yes"
    NO = "no"


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
    if payload and (ctx.volunteer is not None or ctx.opens_for_anyone(payload)):
        await ctx.open_link(ctx, payload)
        return
    if ctx.volunteer is not None:
        ctx.say(ctx.t("registration.welcome_back", name=ctx.volunteer.full_name))
        return
    if payload:
        ctx.state.data = {**ctx.state.data, "deep_link": payload}
    if ctx.state.flow == REGISTER.name and ctx.state.step is not None:
        ctx.say(ctx.t("registration.resuming"))
        await _ask_current(ctx)
        return
    ctx.finish()
    if payload:
        ctx.state.data = {"deep_link": payload}
    await REGISTER.ask(ctx, Step.PRIVACY)


@REGISTER.asks(Step.LANGUAGE)
async def ask_language(ctx: Context) -> None:
    """A conversation saved at the old language question moves on to the notice."""
    await REGISTER.ask(ctx, Step.PRIVACY)


class ChooseLanguage(Button, action="reg.lang"):
    """The user switched the language the bot speaks to them in (from the privacy notice)."""

    language: str


@router.button(ChooseLanguage)
async def choose_language(ctx: Context, choice: ChooseLanguage) -> None:
    """The user chose the language the bot speaks to them in."""
    if choice.language not in ctx.texts.languages:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.state.language = choice.language
    ctx.edit_pressed(ctx.t("registration.language_chosen"))
    await REGISTER.ask(ctx, Step.PRIVACY)


@REGISTER.asks(Step.PRIVACY)
async def ask_privacy(ctx: Context) -> None:
    """The notice, in the user's language (their Telegram app's, until they choose), with a
    button for each other language (named in itself, so a reader of either finds theirs)."""
    if ctx.state.language is None:
        ctx.state.language = preferred(
            ctx.event.sender.language_code, ctx.texts.languages, ctx.deployment.default_language
        )
    switch = [
        ctx.button(ctx.texts.get(language, "language.name"), ChooseLanguage(language))
        for language in ctx.texts.languages
        if language != ctx.lang
    ]
    ctx.say(
        ctx.t("registration.privacy_notice"),
        keyboard(
            [
                ctx.button(ctx.t("registration.privacy_accept"), AnswerPrivacyNotice(Answer.YES)),
                ctx.button(ctx.t("registration.privacy_decline"), AnswerPrivacyNotice(Answer.NO)),
            ],
            switch,
        ),
    )


class AnswerPrivacyNotice(Button, action="reg.privacy"):
    """The user accepted or declined the privacy notice."""

    answer: Answer


@router.button(AnswerPrivacyNotice)
async def answer_privacy(ctx: Context, notice: AnswerPrivacyNotice) -> None:
    """The user accepted or declined the privacy notice."""
    if notice.answer is Answer.YES:
        ctx.edit_pressed(ctx.t("registration.privacy_accepted"))
        await REGISTER.ask(ctx, questions(ctx)[0])
    else:
        ctx.edit_pressed(ctx.t("registration.privacy_declined"))
        ctx.finish()


@fields.after_field(REGISTER)
async def next_question(ctx: Context, draft: Draft, answered: Field) -> None:
    """After each answer: the next question, or back to the summary when editing one field."""
    order = questions(ctx)
    position = order.index(answered)
    if ctx.state.data.get("editing") or position + 1 == len(order):
        await REGISTER.ask(ctx, Step.SUMMARY)
    else:
        await REGISTER.ask(ctx, order[position + 1])


@REGISTER.asks(Step.SUMMARY)
async def show_summary(ctx: Context) -> None:
    draft = fields.load_draft(ctx)
    ctx.say(
        await describe(ctx, draft),
        keyboard(
            [
                ctx.button(ctx.t("registration.confirm_button"), ConfirmRegistration()),
                ctx.button(ctx.t("registration.edit_button"), ChooseFieldToEdit()),
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
    # Where real names are not required, a line saying "ID number: —" would only puzzle.
    id_line = ""
    if draft.sealed_id or Field.ID_NUMBER in questions(ctx):
        masked = draft.sealed_id.masked if draft.sealed_id else ctx.t("profile.not_given")
        id_line = ctx.t("profile.id_line", id_number=masked) + "\n"
    return ctx.t(
        "profile.card",
        name=draft.name or "",
        phone=draft.phone or "",
        id_line=id_line,
        district=district_names.get(draft.district_id or 0, ctx.t("profile.not_given")),
        themes=formatting.joined(ctx.texts, ctx.lang, theme_names) or ctx.t("profile.not_given"),
        availability=fields.describe_availability(ctx, draft) or ctx.t("profile.not_given"),
    )


class ChooseFieldToEdit(Button, action="reg.edit"):
    """From the summary, the user wants to change an answer before confirming."""


@router.button(ChooseFieldToEdit)
async def choose_field_to_edit(ctx: Context, edit: ChooseFieldToEdit) -> None:
    """The user wants to change something before confirming."""
    await REGISTER.ask(ctx, Step.CHOOSE_EDIT)


@REGISTER.asks(Step.CHOOSE_EDIT)
async def ask_field_to_edit(ctx: Context) -> None:
    """Which answer to change: shown in place of the summary whose Edit button was pressed."""
    named = {field: ctx.t(f"profile.field_{field}") for field in questions(ctx)}
    choices = ctx.choices(named, EditRegistrationField, 2)
    ctx.edit_pressed(ctx.t("registration.choose_field"), keyboard(*choices))


class EditRegistrationField(Button, action="reg.field"):
    """The user picked the answer to change."""

    field: Field


@router.button(EditRegistrationField)
async def edit_field(ctx: Context, edit: EditRegistrationField) -> None:
    """The user picked the answer they want to change."""
    if edit.field not in questions(ctx):
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.state.data = {**ctx.state.data, "editing": True}
    await REGISTER.ask(ctx, edit.field)


class ConfirmRegistration(Button, action="reg.confirm"):
    """The user confirmed the summary: register them."""


@router.button(ConfirmRegistration)
async def confirm(ctx: Context, confirmation: ConfirmRegistration) -> None:
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


@router.step(REGISTER, Step.LANGUAGE, Step.PRIVACY, Step.SUMMARY, Step.CHOOSE_EDIT)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The user typed where the registration expects a button press."""
    ctx.say(ctx.t("fields.use_buttons"))
    await _ask_current(ctx)


async def _ask_current(ctx: Context) -> None:
    """Ask the question of the step the user is at again (after /start or a stray message)."""
    step = ctx.state.step
    assert step is not None
    if step in (Step.SUMMARY, Step.CHOOSE_EDIT):
        # A fresh summary (its buttons made for the step it moves to); editing starts there.
        await REGISTER.ask(ctx, Step.SUMMARY)
    else:
        await REGISTER.ask_again(ctx)
