"""A coordinator turns a help request into an activity: prefilled with what the request says
(what, which kind, where), they choose the team that runs it when several fit, type the address,
the day and time (one shift: help is usually one visit) and how many volunteers are needed, check
the plan and publish it. The activity is linked to the request and the resident is told; its
volunteers then sign up as for any activity, and the resident is told of each
(`handlers.activities.signup.tell_requester`).
"""

from __future__ import annotations

from handlers import formatting
from handlers.activities import links
from handlers.callbacks import Button, OnTeam
from handlers.context import Context, in_rows, keyboard
from handlers.help_requests.assignments import AskVolunteersToHelp
from handlers.help_requests.triage import (
    HELP_REQUEST,
    OnRequest,
    Step,
    current,
    handled,
    names,
    requester_language,
    tell_requester,
)
from handlers.notify import notifier
from handlers.publishing import plan_preview
from handlers.publishing.activity_plan import (
    load_plan,
    store_plan,
    today,
    typed_address,
    typed_text,
)
from handlers.publishing.manage import RecruitForShift
from handlers.router import Router
from models import dates
from models.errors import InvalidInput, NotAllowed
from models.help_requests import convert, tables, triage
from models.help_requests.tables import HelpRequest
from models.publishing import activity_input, publication
from models.publishing.publication import ShiftPlan
from models.teams import roles
from models.teams.tables import Team

router = Router()


async def _teams(ctx: Context, request: HelpRequest) -> list[Team]:
    """The teams whose activity the request may become: those it went to that the presser runs."""
    return await convert.convert_teams(ctx.session, request, ctx.user_id, ctx.deployment.admin_ids)


class ConvertHelpRequest(OnRequest, action="hq.convert", lasting=True):
    """A coordinator turns the request into an activity."""


@router.button(ConvertHelpRequest)
async def start_convert(ctx: Context, converting: ConvertHelpRequest) -> None:
    """The coordinator turns the request into an activity: what it says is filled in."""
    request = await handled(ctx, converting.request_id)
    triage.may_start(request, "convert")
    teams = await _teams(ctx, request)
    if not teams:
        raise NotAllowed("help_no_team")
    kind, _ = await names(notifier(ctx), ctx.lang, request)
    plan = await convert.prefilled_plan(
        ctx.session,
        request,
        title=ctx.t("help_requests.activity_title", kind=kind),
        team_id=teams[0].id if len(teams) == 1 else None,
    )
    ctx.finish()
    ctx.state.data = {"request_id": request.id}
    store_plan(ctx, plan)
    await HELP_REQUEST.ask(ctx, Step.TEAM if plan.team_id is None else Step.ADDRESS)


@HELP_REQUEST.asks(Step.TEAM)
async def ask_team(ctx: Context) -> None:
    request = await tables.get(ctx.session, int(ctx.state.data["request_id"]))
    buttons = [
        ctx.button(team.name, ChooseActivityTeam(team.id)) for team in await _teams(ctx, request)
    ]
    ctx.say(ctx.t("help_requests.choose_team"), keyboard(*in_rows(buttons, 1)))


class ChooseActivityTeam(OnTeam, action="hq.team"):
    """The coordinator chooses the team that runs the activity."""


@router.button(ChooseActivityTeam)
async def pick_team(ctx: Context, choice: ChooseActivityTeam) -> None:
    """The coordinator chose the team that runs the activity."""
    request = await current(ctx)
    teams = {team.id: team for team in await _teams(ctx, request)}
    if choice.team_id not in teams:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.edit_pressed(ctx.t("help_requests.team_chosen", team=teams[choice.team_id].name))
    plan = load_plan(ctx)
    plan.team_id = choice.team_id
    store_plan(ctx, plan)
    await HELP_REQUEST.ask(ctx, Step.ADDRESS)


@HELP_REQUEST.asks(Step.ADDRESS)
async def ask_address(ctx: Context) -> None:
    number, title = ctx.state.data["request_id"], load_plan(ctx).title
    ctx.say(ctx.t("help_requests.ask_address", number=number, title=title))


@router.step(HELP_REQUEST, Step.ADDRESS)
async def receive_address(ctx: Context) -> None:
    """The coordinator typed where the volunteers go."""
    plan = load_plan(ctx)
    plan.address = typed_address(ctx)
    store_plan(ctx, plan)
    await HELP_REQUEST.ask(ctx, Step.WHEN)


@HELP_REQUEST.asks(Step.WHEN)
async def ask_when(ctx: Context) -> None:
    request = await tables.get(ctx.session, int(ctx.state.data["request_id"]))
    ctx.say(ctx.t("help_requests.ask_when", preferred_time=request.preferred_time))


@router.step(HELP_REQUEST, Step.WHEN)
async def receive_when(ctx: Context) -> None:
    """The coordinator typed the day and the time (one shift: help is usually one visit), as
    `1月10日 09:00-11:00` or `周六 上午9点到11点`; the next question repeats them to check."""
    typed = typed_text(ctx, "help_requests.when_format")
    try:
        day, (start, end) = dates.parse_day_then(
            typed, activity_input.parse_time_range, today=today(ctx)
        )
    except InvalidInput as error:
        if error.code in {"moment_format", "time_format", "time_range_format"}:
            raise InvalidInput("help_when_format") from None
        raise
    starts_at, ends_at = activity_input.shift_times(day, start, end, ctx.deployment.zone)
    shift = ShiftPlan(starts_at, ends_at, capacity=1)
    publication.check_shift(shift, now=ctx.clock.now())
    plan = load_plan(ctx)
    plan.shifts = [shift]
    store_plan(ctx, plan)
    await HELP_REQUEST.ask(ctx, Step.PLACES)


@HELP_REQUEST.asks(Step.PLACES)
async def ask_places(ctx: Context) -> None:
    """How many are needed, under the day and times understood."""
    shift = load_plan(ctx).shifts[0]
    when = formatting.span(ctx.texts, ctx.lang, ctx.deployment.zone, shift.starts_at, shift.ends_at)
    ctx.say(ctx.t("help_requests.ask_places", when=when))


@router.step(HELP_REQUEST, Step.PLACES)
async def receive_places(ctx: Context) -> None:
    """The coordinator typed how many volunteers are needed: the plan is shown to check."""
    plan = load_plan(ctx)
    plan.shifts[0].capacity = activity_input.parse_capacity(
        typed_text(ctx, "new_activity.places_as_text")
    )
    store_plan(ctx, plan)
    await HELP_REQUEST.ask(ctx, Step.PREVIEW)


@HELP_REQUEST.asks(Step.PREVIEW)
async def show_plan(ctx: Context) -> None:
    """The activity as it will be published, to publish or discard."""
    buttons = [
        ctx.button(ctx.t("help_requests.publish"), PublishHelpActivity()),
        ctx.button(ctx.t("help_requests.discard"), DiscardHelpActivity()),
    ]
    text = await plan_preview.describe_plan(ctx, load_plan(ctx))
    ctx.say(ctx.t("help_requests.preview", plan=text), keyboard(buttons))


class PublishHelpActivity(Button, action="hq.publish"):
    """The coordinator publishes the activity made from the request."""


@router.button(PublishHelpActivity)
async def publish(ctx: Context, publishing: PublishHelpActivity) -> None:
    """The coordinator published the activity: it is linked to the request, the resident told."""
    request = await current(ctx)
    plan = load_plan(ctx)
    if plan.team_id is None:
        raise InvalidInput("team_missing")
    await roles.require_manager(ctx.session, ctx.user_id, plan.team_id, ctx.deployment.admin_ids)
    activity = await convert.convert(
        ctx.session, request, plan, actor=ctx.user_id, now=ctx.clock.now()
    )
    ctx.finish()
    (shift,) = await publication.shifts_of(ctx.session, activity.id)
    link = links.activity_link(ctx, activity)
    b = ctx.button
    ctx.edit_pressed(
        ctx.t("help_requests.published", title=activity.title, number=request.id, link=link),
        keyboard(
            [b(ctx.t("help_requests.assign"), AskVolunteersToHelp(request.id))],
            [b(ctx.t("help_requests.recruit"), RecruitForShift(shift.id))],
        ),
    )
    notify = notifier(ctx)
    language = await requester_language(notify, request.requester_telegram_id)
    when = notify.when(language, shift)
    await tell_requester(notify, request, "help_requests.told_converted", when=when)


class DiscardHelpActivity(Button, action="hq.discard"):
    """The coordinator drops the activity made from the request."""


@router.button(DiscardHelpActivity)
async def discard(ctx: Context, discarding: DiscardHelpActivity) -> None:
    """The coordinator dropped the activity: the request stays as it was."""
    number = ctx.state.data.get("request_id", "")
    ctx.finish()
    ctx.edit_pressed(ctx.t("help_requests.discarded", number=number))
