"""A coordinator asks volunteers directly to help with a request: those who could help are
listed (who like the kind of help, of the request's district first), and each one tapped is asked
at once, with Yes / No (their answer is `handlers.help_requests.ask`'s).
"""

from __future__ import annotations

from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.help_requests.ask import AgreeToHelp, DeclineToHelp
from handlers.help_requests.triage import HELP_REQUEST, OnRequest, Step, current, handled, names
from handlers.notify import notifier
from handlers.router import Router
from models.errors import Conflict
from models.help_requests import assignments, tables, triage
from models.help_requests.tables import HelpRequest
from models.registration.tables import Volunteer

router = Router()
CANDIDATES_LIMIT = 10


async def _candidates(ctx: Context, request: HelpRequest) -> list[Volunteer]:
    return await assignments.candidates(
        ctx.session,
        request,
        now=ctx.clock.now(),
        policy=ctx.deployment.signup,
        limit=CANDIDATES_LIMIT,
    )


class AskVolunteersToHelp(OnRequest, action="hq.assign", lasting=True):
    """A coordinator wants to ask volunteers directly to help with the request."""


@router.button(AskVolunteersToHelp)
async def start_assign(ctx: Context, assigning: AskVolunteersToHelp) -> None:
    """The coordinator wants to ask volunteers directly: who could help?"""
    request = await handled(ctx, assigning.request_id)
    triage.may_start(request, "assign")
    if not await _candidates(ctx, request):
        ctx.say(ctx.t("help_requests.no_candidates"))
        return
    await HELP_REQUEST.begin(ctx, Step.PICK, request_id=request.id)


@HELP_REQUEST.asks(Step.PICK)
async def ask_pick(ctx: Context) -> None:
    """Those who could help, to tap."""
    request = await tables.get(ctx.session, int(ctx.state.data["request_id"]))
    people = await _candidates(ctx, request)
    kind, district = await names(notifier(ctx), ctx.lang, request)
    buttons = [ctx.button(person.full_name or "—", AskVolunteer(person.id)) for person in people]
    text = ctx.t("help_requests.pick", number=request.id, kind=kind, district=district)
    ctx.say(text, keyboard(*in_rows(buttons, 2)))


class AskVolunteer(Button, action="hq.ask"):
    """The coordinator taps a volunteer to ask them at once."""

    volunteer_id: int


@router.button(AskVolunteer)
async def ask_volunteer(ctx: Context, tapped: AskVolunteer) -> None:
    """The coordinator tapped a volunteer: they are asked at once, with Yes / No."""
    request = await current(ctx)
    volunteer = await ctx.session.get(Volunteer, tapped.volunteer_id)
    if volunteer is None or volunteer.telegram_id is None:
        raise Conflict("help_volunteer_gone")
    assignment = await assignments.assign(
        ctx.session, request, volunteer, actor=ctx.user_id, now=ctx.clock.now()
    )
    notify = notifier(ctx)
    language, telegram_id = volunteer.language, volunteer.telegram_id
    kind, district = await names(notify, language, request)
    text = notify.text(
        language,
        "help_requests.ask_volunteer",
        kind=kind,
        district=district,
        preferred_time=request.preferred_time,
        description=request.description,
    )
    answers = [
        notify.button(telegram_id, language, "help_requests.will_help", AgreeToHelp(assignment.id)),
        notify.button(
            telegram_id, language, "help_requests.cannot_help", DeclineToHelp(assignment.id)
        ),
    ]
    notify.send(telegram_id, text, answers)
    ctx.answer(ctx.t("help_requests.asked", name=volunteer.full_name or "—"))
