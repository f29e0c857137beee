"""Help requests on the side of the people who are not coordinating: with /ask_help a resident,
registered or not, asks for help (kind, what is needed, district, when, how to reach them), checks
a summary and sends it; once it is done they rate the help from 1 to 5, with an optional comment
the coordinators read. A volunteer a coordinator asks directly answers yes or no here.

The answers live in the conversation state until Send, so Don't send or /cancel keeps nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import formatting
from handlers.activities import signup
from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.events import RemoveKeyboard, ReplyButton, ReplyKeyboard
from handlers.flows import Flow
from handlers.help_requests import triage
from handlers.help_requests.triage import OnRequest
from handlers.notify import notifier
from handlers.publishing.activity_plan import typed_text
from handlers.router import Router
from models.activities.tables import Shift
from models.help_requests import assignments, tables
from models.help_requests import rating as ratings
from models.help_requests.triage import (
    Asked,
    Dispatch,
    check_limits,
    contact,
    create,
    description,
    preferred_time,
)
from models.publishing import publication
from models.reference import District, Theme
from models.registration import erasure, volunteers

router = Router()


class Step(StrEnum):
    KIND = "kind"
    DESCRIPTION = "description"
    DISTRICT = "district"
    TIME = "time"
    CONTACT = "contact"
    SUMMARY = "summary"


# The question after each answer.
NEXT = {
    Step.KIND: Step.DESCRIPTION,
    Step.DESCRIPTION: Step.DISTRICT,
    Step.DISTRICT: Step.TIME,
    Step.TIME: Step.CONTACT,
    Step.CONTACT: Step.SUMMARY,
}
ASK_HELP = Flow(
    "ask_help",
    Step,
    starts=(Step.KIND,),
    moves={step: (after,) for step, after in NEXT.items()},  # Send or Don't send ends it
)

# The questions answered with a button: what is chosen from, and where the choice is kept.
Choices = Callable[[AsyncSession], Awaitable[Sequence[Theme | District]]]
CHOICES: dict[Step, tuple[Choices, str]] = {
    Step.KIND: (volunteers.themes, "theme_id"),
    Step.DISTRICT: (volunteers.districts, "district_id"),
}
BUTTON_STEPS = (Step.KIND, Step.DISTRICT, Step.SUMMARY)


async def answered(ctx: Context, step: Step, **values: object) -> None:
    """Keep the answer and ask the next question."""
    ctx.state.data = {**ctx.state.data, **values}
    await ASK_HELP.ask(ctx, NEXT[step])


@router.command("ask_help", menu=90)
async def start(ctx: Context) -> None:
    """Someone has a difficulty and wants a volunteer's help (refused at once past their
    limits, rather than after every question; Send checks them again)."""
    ctx.finish()
    await check_limits(ctx.session, ctx.user_id, now=ctx.clock.now())
    await ASK_HELP.ask(ctx, Step.KIND)


# ---- the questions ----------------------------------------------------------------------------


@ASK_HELP.asks(Step.KIND, Step.DISTRICT)
async def ask_choice(ctx: Context) -> None:
    step = ctx.step_in(Step)
    choices, _ = CHOICES[step]
    buttons = [
        ctx.button(item.name(ctx.lang), ChooseKindOrDistrict(item.id))
        for item in await choices(ctx.session)
    ]
    ctx.say(ctx.t(f"ask_help.ask_{step}"), keyboard(*in_rows(buttons, 2)))


class ChooseKindOrDistrict(Button, action="ah.pick"):
    """The resident chooses the kind of help, or their district (whichever is asked)."""

    choice_id: int


@router.button(ChooseKindOrDistrict)
async def pick(ctx: Context, choice: ChooseKindOrDistrict) -> None:
    """The resident chose the kind of help, or their district."""
    step = ctx.step_in(Step)
    choices, key = CHOICES[step]
    items = {item.id: item for item in await choices(ctx.session)}
    if choice.choice_id not in items:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    chosen = items[choice.choice_id]
    ctx.edit_pressed(ctx.t(f"ask_help.{step}_chosen", choice=chosen.name(ctx.lang)))
    await answered(ctx, step, **{key: choice.choice_id})


@ASK_HELP.asks(Step.DESCRIPTION)
async def ask_description(ctx: Context) -> None:
    ctx.say(ctx.t("ask_help.ask_description"))


@router.step(ASK_HELP, Step.DESCRIPTION)
async def receive_description(ctx: Context) -> None:
    """The resident described what they need."""
    text = description(typed_text(ctx, "ask_help.description_as_text"))
    await answered(ctx, Step.DESCRIPTION, description=text)


@ASK_HELP.asks(Step.TIME)
async def ask_time(ctx: Context) -> None:
    any_time = ctx.button(ctx.t("ask_help.any_time"), ChooseAnyTime())
    ctx.say(ctx.t("ask_help.ask_time"), keyboard([any_time]))


@router.step(ASK_HELP, Step.TIME)
async def receive_time(ctx: Context) -> None:
    """The resident typed when would suit them."""
    when = preferred_time(typed_text(ctx, "ask_help.time_as_text"))
    await answered(ctx, Step.TIME, preferred_time=when)


class ChooseAnyTime(Button, action="ah.any_time"):
    """Any time suits the resident."""


@router.button(ChooseAnyTime)
async def any_time(ctx: Context, choice: ChooseAnyTime) -> None:
    """Any time suits the resident."""
    ctx.edit_pressed(ctx.t("ask_help.any_time"))
    await answered(ctx, Step.TIME, preferred_time=ctx.t("ask_help.any_time"))


@ASK_HELP.asks(Step.CONTACT)
async def ask_contact(ctx: Context) -> None:
    share = ReplyButton(label=ctx.t("ask_help.share_phone"), request_contact=True)
    ctx.say(ctx.t("ask_help.ask_contact"), ReplyKeyboard(rows=((share,),)))


@router.step(ASK_HELP, Step.CONTACT)
async def receive_contact(ctx: Context) -> None:
    """The resident shared a phone number, or typed how to reach them."""
    if ctx.event.contact is not None:
        value = ctx.event.contact.phone_number
    else:
        value = typed_text(ctx, "ask_help.contact_as_text")
    reach = contact(value)
    ctx.say(ctx.t("ask_help.contact_saved", contact=reach), RemoveKeyboard())
    await answered(ctx, Step.CONTACT, contact=reach)


async def summary(ctx: Context) -> str:
    """The request as the resident checks it before sending."""
    data = ctx.state.data
    theme = await ctx.session.get(Theme, data["theme_id"])
    districts = {d.id: d.name(ctx.lang) for d in await volunteers.districts(ctx.session)}
    return ctx.t(
        "ask_help.summary",
        kind=theme.name(ctx.lang) if theme else "—",
        description=data["description"],
        district=districts.get(data["district_id"], "—"),
        preferred_time=data["preferred_time"],
        contact=data["contact"],
    )


@ASK_HELP.asks(Step.SUMMARY)
async def show_summary(ctx: Context) -> None:
    buttons = [
        ctx.button(ctx.t("ask_help.send"), SendHelpRequest()),
        ctx.button(ctx.t("ask_help.drop"), DropHelpRequest()),
    ]
    ctx.say(await summary(ctx), keyboard(buttons))


class SendHelpRequest(Button, action="ah.send"):
    """The resident sends the request they checked."""


@router.button(SendHelpRequest)
async def send(ctx: Context, sending: SendHelpRequest) -> None:
    """The resident sent the request: it is dispatched and the coordinators are told."""
    data = ctx.state.data
    asked = Asked(
        theme_id=int(data["theme_id"]),
        description=data["description"],
        district_id=int(data["district_id"]),
        preferred_time=data["preferred_time"],
        contact=data["contact"],
    )
    request, dispatch = await create(ctx.session, ctx.user_id, asked, now=ctx.clock.now())
    told = await triage.announce(notifier(ctx), request, dispatch)
    ctx.edit_pressed(await summary(ctx))
    ctx.finish()
    ctx.say(ctx.t(reached(dispatch, told), number=request.id))


def reached(dispatch: Dispatch, told: list[int]) -> str:
    """What the resident is told of whom their request reached, honestly: the teams placed to
    help, other teams' coordinators, the admins, or nobody yet (it waits in their lists)."""
    if not told:
        return "ask_help.kept"
    if not dispatch.teams:
        return "ask_help.sent_admins"
    return "ask_help.sent" if dispatch.fits else "ask_help.sent_elsewhere"


class DropHelpRequest(Button, action="ah.drop"):
    """The resident changes their mind: nothing is sent."""


@router.button(DropHelpRequest)
async def drop(ctx: Context, dropping: DropHelpRequest) -> None:
    """The resident changed their mind: nothing is kept."""
    ctx.finish()
    ctx.edit_pressed(ctx.t("ask_help.dropped"))


@router.step(ASK_HELP, *BUTTON_STEPS)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The resident typed where the question wants a button."""
    ctx.say(ctx.t("fields.use_buttons"))
    await ASK_HELP.ask_again(ctx)


# ---- rating -----------------------------------------------------------------------------------


class RateStep(StrEnum):
    COMMENT = "comment"


# Once the help is done: a few words after the rating (or Skip).
RATE_HELP = Flow("rate_help", RateStep, starts=(RateStep.COMMENT,), moves={})


class RateHelp(OnRequest, action="hp.rate", lasting=True):
    """The resident rates the help they were given, from 1 to 5 (sent once it is done)."""

    rating: int


@router.button(RateHelp)
async def rate(ctx: Context, score: RateHelp) -> None:
    """The resident rated the help they were given (the buttons came when it was done)."""
    await ratings.rate(
        ctx.session, score.request_id, score.rating, by=ctx.user_id, now=ctx.clock.now()
    )
    await RATE_HELP.begin(ctx, RateStep.COMMENT, request_id=score.request_id)


@RATE_HELP.asks(RateStep.COMMENT)
async def ask_comment(ctx: Context) -> None:
    """Thanks for the rating, in place of its buttons, and a few words, if they like."""
    request = await tables.get(ctx.session, int(ctx.state.data["request_id"]))
    skip = ctx.button(ctx.t("ask_help.skip"), SkipComment())
    ctx.edit_pressed(ctx.t("ask_help.rated", rating=request.rating), keyboard([skip]))


@router.step(RATE_HELP, RateStep.COMMENT)
async def receive_comment(ctx: Context) -> None:
    """The resident added a few words to their rating."""
    text = typed_text(ctx, "ask_help.comment_as_text")
    request_id = int(ctx.state.data["request_id"])
    await ratings.comment(ctx.session, request_id, text, by=ctx.user_id, now=ctx.clock.now())
    ctx.say(ctx.t("ask_help.thanks"))
    await rated(ctx, request_id)


class SkipComment(Button, action="hp.skip"):
    """The resident leaves the rating without a comment."""


@router.button(SkipComment)
async def skip_comment(ctx: Context, skip: SkipComment) -> None:
    """The resident leaves the rating without a comment."""
    ctx.edit_pressed(ctx.t("ask_help.thanks"))
    await rated(ctx, int(ctx.state.data["request_id"]))


async def rated(ctx: Context, request_id: int) -> None:
    """The rating is complete: the coordinators read it."""
    ctx.finish()
    await triage.tell_rating(notifier(ctx), await tables.get(ctx.session, request_id))


# ---- a volunteer asked to help ----------------------------------------------------------------


async def answer(ctx: Context, assignment_id: int, *, yes: bool) -> assignments.Answer | None:
    if ctx.volunteer is None:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return None
    given = await assignments.answer(
        ctx.session,
        ctx.volunteer,
        assignment_id,
        yes=yes,
        now=ctx.clock.now(),
        policy=ctx.deployment.signup,
    )
    coordinator = given.assignment.asked_by
    if coordinator == erasure.NOBODY:  # who asked has erased their account since
        return given
    notify = notifier(ctx)
    language = await notify.language_of(coordinator)
    key = "help_requests.answered_yes" if yes else "help_requests.answered_no"
    name = ctx.volunteer.full_name or "—"
    notify.send(coordinator, notify.text(language, key, name=name, number=given.request.id))
    return given


class AgreeToHelp(Button, action="hv.yes", lasting=True):
    """A volunteer a coordinator asked will help."""

    assignment_id: int


@router.button(AgreeToHelp)
async def say_yes(ctx: Context, agreed: AgreeToHelp) -> None:
    """The volunteer will help: they get the resident's contact, and the resident is told."""
    given = await answer(ctx, agreed.assignment_id, yes=True)
    if given is None:
        return
    request, placed = given.request, given.placed
    if placed is None:
        ctx.edit_pressed(
            ctx.t(
                "help_requests.volunteer_yes",
                contact=request.contact,
                preferred_time=request.preferred_time,
            )
        )
        name = ctx.volunteer.full_name if ctx.volunteer else None
        await triage.tell_requester(
            notifier(ctx),
            request,
            "help_requests.told_volunteer",
            name=name or "—",
            contact=request.contact,
        )
        return
    shift = await ctx.session.get(Shift, placed.signup.shift_id)
    assert shift is not None and request.activity_id is not None
    activity = await publication.get_activity(ctx.session, request.activity_id)
    when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
    if placed.position is None:
        text = ctx.t(
            "help_requests.volunteer_yes_activity",
            title=activity.title,
            when=when,
            contact=request.contact,
        )
    else:
        text = ctx.t(
            "help_requests.volunteer_waiting",
            title=activity.title,
            when=when,
            position=placed.position,
        )
    ctx.edit_pressed(text)
    await signup.tell_requester(ctx, placed)


class DeclineToHelp(Button, action="hv.no", lasting=True):
    """A volunteer a coordinator asked can't help."""

    assignment_id: int


@router.button(DeclineToHelp)
async def say_no(ctx: Context, declined: DeclineToHelp) -> None:
    """The volunteer can't help: the coordinator who asked is told."""
    if await answer(ctx, declined.assignment_id, yes=False) is not None:
        ctx.edit_pressed(ctx.t("help_requests.volunteer_no"))
