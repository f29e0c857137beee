"""A coordinator asks volunteers directly to help with a request: those who could help are
listed (who like the kind of help, of the request's district first), and each one tapped is asked
at once, with Yes / No (their answer is `handlers.help_requests.ask`'s).
"""

from __future__ import annotations

from handlers.callbacks import Press
from handlers.context import Context, in_rows, keyboard
from handlers.help_requests.triage import FLOW, Step, current, handled, names
from handlers.notify import notifier
from handlers.router import Router
from models.errors import Conflict
from models.help_requests import assignments, triage
from models.registration.tables import Volunteer

router = Router()
CANDIDATES_LIMIT = 10


@router.button("hq.assign", lasting=True)
async def start_assign(ctx: Context, press: Press) -> None:
    """The coordinator wants to ask volunteers directly: who could help?"""
    request = await handled(ctx, press)
    triage.may_start(request, "assign")
    people = await assignments.candidates(
        ctx.session,
        request,
        now=ctx.clock.now(),
        policy=ctx.deployment.signup,
        limit=CANDIDATES_LIMIT,
    )
    if not people:
        ctx.say(ctx.t("help_requests.no_candidates"))
        return
    ctx.finish()
    ctx.state.data = {"request_id": request.id}
    ctx.go(FLOW, Step.PICK)
    kind, district = await names(notifier(ctx), ctx.lang, request)
    buttons = [ctx.button(person.full_name or "—", "hq.ask", person.id) for person in people]
    text = ctx.t("help_requests.pick", number=request.id, kind=kind, district=district)
    ctx.say(text, keyboard(*in_rows(buttons, 2)))


@router.button("hq.ask")
async def ask_volunteer(ctx: Context, press: Press) -> None:
    """The coordinator tapped a volunteer: they are asked at once, with Yes / No."""
    request = await current(ctx)
    volunteer_id = int(press.args[0]) if press.args and press.args[0].isdigit() else 0
    volunteer = await ctx.session.get(Volunteer, volunteer_id)
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
        notify.button(telegram_id, language, "help_requests.will_help", "hv.yes", assignment.id),
        notify.button(telegram_id, language, "help_requests.cannot_help", "hv.no", assignment.id),
    ]
    notify.send(telegram_id, text, answers)
    ctx.answer(ctx.t("help_requests.asked", name=volunteer.full_name or "—"))
