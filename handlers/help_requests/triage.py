"""Coordinators' side of help requests: they are told of a new request with its card, and take it
on, decline it with a reason, turn it into a one-shift activity prefilled from it
(`handlers.help_requests.convert`), or ask chosen volunteers directly
(`handlers.help_requests.assignments`), then mark it done; `/help_requests` lists them by status
(`handlers.help_requests.listing`), ratings included. The resident is told of each outcome
(`tell_requester`; for the sign-ups of a converted request,
`handlers.activities.signup.tell_requester`). The coordinators' conversation (`HELP_REQUEST`,
its `Step`s) is declared here for all three modules.

Only coordinators and admins see the requests (the router's guard); every button on a request
checks afresh, on the server, that the presser coordinates a team the request was sent to or is
an admin (`triage.handle`), whatever button brought them here.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from sqlalchemy import select

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.events import InlineButton, InlineKeyboard, SendMessage
from handlers.flows import Flow
from handlers.notify import Notifier, notifier
from handlers.publishing.activity_plan import typed_text
from handlers.publishing.manage import ShowActivity
from handlers.router import Router
from models.conversation import ConversationState
from models.help_requests import rating as ratings
from models.help_requests import tables, triage
from models.help_requests.tables import HelpRequest, HelpRequestStatus
from models.publishing import publication
from models.reference import District, Theme
from models.registration.tables import Volunteer
from models.teams import roles


class OnRequest(Button):
    """The family of the buttons that name one help request."""

    request_id: int


router = Router()


class Step(StrEnum):
    REASON = "reason"  # declining: why
    TEAM = "team"  # converting: which team runs the activity
    ADDRESS = "address"  # converting: where volunteers go
    WHEN = "when"  # converting: the day and the time
    PLACES = "places"  # converting: how many volunteers
    PREVIEW = "preview"  # converting: Publish or Discard
    PICK = "pick"  # assigning: tap the volunteers to ask


# A coordinator's conversation about one request (its id in the state's data): declining it,
# turning it into an activity (`convert`), or choosing volunteers to ask (`assignments`).
HELP_REQUEST = Flow(
    "help_request",
    Step,
    # Decline; Turn into an activity (the team question only when several teams fit); Ask.
    starts=(Step.REASON, Step.TEAM, Step.ADDRESS, Step.PICK),
    moves={
        Step.TEAM: (Step.ADDRESS,),
        Step.ADDRESS: (Step.WHEN,),
        Step.WHEN: (Step.PLACES,),
        Step.PLACES: (Step.PREVIEW,),
    },
)
BUTTON_STEPS = (Step.TEAM, Step.PREVIEW, Step.PICK)
# What a coordinator can do with a request in each status: the buttons of its card (labelled
# `help_requests.<name>`; their kinds are in `card_buttons`).
ACTIONS = {
    HelpRequestStatus.OPEN: ("accept", "convert", "assign", "decline"),
    HelpRequestStatus.ACCEPTED: ("convert", "assign", "done", "decline"),
    HelpRequestStatus.CONVERTED: ("assign", "done"),
}


# ---- what people are told ---------------------------------------------------------------------


async def names(notify: Notifier, language: str, request: HelpRequest) -> tuple[str, str]:
    """The request's kind of help and district, in `language`."""
    theme = await notify.session.scalar(select(Theme).where(Theme.code == request.kind))
    district = await notify.session.get(District, request.district_id or 0)
    return (
        theme.name(language) if theme else request.kind,
        district.name(language) if district else "—",
    )


def stars(rating: int) -> str:
    return "★" * rating + "☆" * (ratings.RATINGS[-1] - rating)


async def card(notify: Notifier, language: str, request: HelpRequest) -> str:
    """Everything a coordinator needs to know about the request, ratings included."""
    session, text = notify.session, notify.text
    kind, district = await names(notify, language, request)
    lines = [
        text(
            language,
            "help_requests.card",
            number=request.id,
            status=text(language, f"help_requests.status_{request.status}"),
            kind=kind,
            district=district,
            preferred_time=request.preferred_time,
            description=request.description,
            contact=request.contact,
            asked=notify.moment(language, request.created_at),
        )
    ]
    if request.handled_by is not None:
        name = await roles.staff_name(session, request.handled_by)
        anyone = text(language, "help_requests.a_coordinator")
        lines.append(text(language, "help_requests.card_handled", name=name or anyone))
    if request.activity_id is not None:
        activity = await publication.get_activity(session, request.activity_id)
        lines.append(text(language, "help_requests.card_activity", title=activity.title))
    asked = [
        text(
            language,
            "help_requests.asked_person",
            name=name,
            answer=text(language, f"help_requests.answer_{status}"),
        )
        for name, status in await tables.assignments(session, request.id)
    ]
    if asked:
        lines.append(
            text(
                language,
                "help_requests.card_asked",
                people=formatting.joined(notify.texts, language, asked),
            )
        )
    if request.decline_reason:
        lines.append(text(language, "help_requests.card_declined", reason=request.decline_reason))
    if request.rating is not None:
        rating = text(
            language,
            "help_requests.card_rating",
            stars=stars(request.rating),
            rating=request.rating,
        )
        lines.append(rating)
    if request.rating_comment:
        lines.append(text(language, "help_requests.card_comment", comment=request.rating_comment))
    return "\n".join(lines)


def card_buttons(
    notify: Notifier, telegram_id: int, language: str, request: HelpRequest
) -> InlineKeyboard | None:
    # Turning a request into an activity and asking volunteers are handled by modules that
    # import this one: their buttons' classes are bound when a card is made.
    from handlers.help_requests.assignments import AskVolunteersToHelp
    from handlers.help_requests.convert import ConvertHelpRequest

    kinds: dict[str, Callable[[int], Button]] = {
        "accept": TakeOnHelpRequest,
        "convert": ConvertHelpRequest,
        "assign": AskVolunteersToHelp,
        "decline": DeclineHelpRequest,
        "done": MarkHelpGiven,
    }
    rows = [
        [notify.button(telegram_id, language, f"help_requests.{name}", kinds[name](request.id))]
        for name in ACTIONS.get(request.status, ())
    ]
    if request.activity_id is not None:
        label = "help_requests.open_activity"
        opened = ShowActivity(request.activity_id)
        rows.append([notify.button(telegram_id, language, label, opened)])
    return keyboard(*rows)


async def announce(notify: Notifier, request: HelpRequest, dispatch: triage.Dispatch) -> list[int]:
    """Tell the request's coordinators (or the admins) about a new request, with its buttons,
    and whether their teams fit it; returns whom (none: nobody can receive it yet)."""
    recipients = await triage.recipients(notify.session, request, notify.deployment.admin_ids)
    header = "help_requests.new" if dispatch.fits else "help_requests.new_unfitted"
    for telegram_id in recipients:
        language = await notify.language_of(telegram_id)
        text = notify.text(language, header) + "\n\n" + await card(notify, language, request)
        markup = card_buttons(notify, telegram_id, language, request)
        notify.outbox.add(SendMessage(chat_id=telegram_id, text=text, markup=markup))
    return recipients


async def requester_language(notify: Notifier, telegram_id: int) -> str:
    """A resident may never have registered: theirs if they did, else the one their
    conversation chose, else the deployment's."""
    language = await notify.session.scalar(
        select(Volunteer.language).where(Volunteer.telegram_id == telegram_id)
    ) or await notify.session.scalar(
        select(ConversationState.language).where(ConversationState.telegram_id == telegram_id)
    )
    return language or notify.deployment.default_language


async def tell_requester(
    notify: Notifier,
    request: HelpRequest,
    key: str,
    buttons: list[InlineButton] | None = None,
    **params: object,
) -> None:
    """Tell the resident who asked what happened to their request, in their language."""
    language = await requester_language(notify, request.requester_telegram_id)
    kind, _ = await names(notify, language, request)
    text = notify.text(language, key, number=request.id, kind=kind, **params)
    notify.send(request.requester_telegram_id, text, buttons)


async def tell_rating(notify: Notifier, request: HelpRequest) -> None:
    """Tell whoever took the request on (else everyone it went to) how the resident rated it."""
    assert request.rating is not None
    people = [request.handled_by] if request.handled_by is not None else []
    for telegram_id in people or await triage.recipients(
        notify.session, request, notify.deployment.admin_ids
    ):
        language = await notify.language_of(telegram_id)
        kind, _ = await names(notify, language, request)
        key = "help_requests.rated_comment" if request.rating_comment else "help_requests.rated"
        text = notify.text(
            language,
            key,
            number=request.id,
            kind=kind,
            stars=stars(request.rating),
            rating=request.rating,
            comment=request.rating_comment or "",
        )
        notify.send(telegram_id, text)


async def handled(ctx: Context, request_id: int) -> HelpRequest:
    """The request a coordinator button names, once the presser is shown to handle it."""
    return await triage.handle(
        ctx.session, request_id, by=ctx.user_id, admin_ids=ctx.deployment.admin_ids
    )


async def current(ctx: Context) -> HelpRequest:
    """The request the coordinator's conversation is about, checked afresh."""
    return await triage.handle(
        ctx.session,
        int(ctx.state.data["request_id"]),
        by=ctx.user_id,
        admin_ids=ctx.deployment.admin_ids,
    )


async def show_card(ctx: Context, request: HelpRequest, *, edit: bool) -> None:
    notify = notifier(ctx)
    text = await card(notify, ctx.lang, request)
    markup = card_buttons(notify, ctx.user_id, ctx.lang, request)
    ctx.reply(text, markup, edit=edit)


class ShowHelpRequest(OnRequest, action="hq.show", lasting=True):
    """A coordinator opens a request's card."""


@router.button(ShowHelpRequest)
async def show(ctx: Context, opened: ShowHelpRequest) -> None:
    """The coordinator opened a request."""
    await show_card(ctx, await handled(ctx, opened.request_id), edit=False)


# ---- take on, decline, done -------------------------------------------------------------------


class TakeOnHelpRequest(OnRequest, action="hq.accept", lasting=True):
    """A coordinator takes the request on."""


@router.button(TakeOnHelpRequest)
async def accept(ctx: Context, taken: TakeOnHelpRequest) -> None:
    """The coordinator takes the request on: the resident is told."""
    request = await handled(ctx, taken.request_id)
    await triage.accept(ctx.session, request, actor=ctx.user_id, now=ctx.clock.now())
    await show_card(ctx, request, edit=True)
    await tell_requester(
        notifier(ctx), request, "help_requests.told_accepted", contact=request.contact
    )


class DeclineHelpRequest(OnRequest, action="hq.decline", lasting=True):
    """A coordinator wants to decline the request (asked why)."""


@router.button(DeclineHelpRequest)
async def start_decline(ctx: Context, declining: DeclineHelpRequest) -> None:
    """The coordinator wants to decline the request: why?"""
    request = await handled(ctx, declining.request_id)
    triage.may_start(request, "decline")
    await HELP_REQUEST.begin(ctx, Step.REASON, request_id=request.id)


@HELP_REQUEST.asks(Step.REASON)
async def ask_reason(ctx: Context) -> None:
    ctx.say(ctx.t("help_requests.ask_reason", number=ctx.state.data["request_id"]))


@router.step(HELP_REQUEST, Step.REASON)
async def receive_reason(ctx: Context) -> None:
    """The coordinator typed why: the resident reads it."""
    reason = typed_text(ctx, "edit_activity.type_text")
    request = await current(ctx)
    await triage.decline(ctx.session, request, reason, actor=ctx.user_id, now=ctx.clock.now())
    ctx.finish()
    ctx.say(ctx.t("help_requests.declined", number=request.id))
    await tell_requester(
        notifier(ctx), request, "help_requests.told_declined", reason=request.decline_reason
    )


class MarkHelpGiven(OnRequest, action="hq.done", lasting=True):
    """A coordinator marks the help as given."""


@router.button(MarkHelpGiven)
async def done(ctx: Context, given: MarkHelpGiven) -> None:
    """The coordinator marks the help as given: the resident is asked to rate it."""
    # The rating is the resident's conversation (`ask`), whose module imports this one.
    from handlers.help_requests.ask import RateHelp

    request = await handled(ctx, given.request_id)
    await triage.finish(ctx.session, request, actor=ctx.user_id, now=ctx.clock.now())
    await show_card(ctx, request, edit=True)
    notify = notifier(ctx)
    resident = request.requester_telegram_id
    language = await requester_language(notify, resident)
    label = "help_requests.rate_label"
    rates = [
        notify.button(resident, language, label, RateHelp(request.id, n), rating=n)
        for n in ratings.RATINGS
    ]
    await tell_requester(notify, request, "help_requests.told_done", rates)


@router.step(HELP_REQUEST, *BUTTON_STEPS)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The coordinator typed where the question wants a button."""
    ctx.say(ctx.t("fields.use_buttons"))
