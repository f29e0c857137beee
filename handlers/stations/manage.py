"""Admins and the linked teams' coordinators add and change volunteer stations (from /stations
and a station's card: `listing`). Adding asks name, address, pin, district, opening hours and
teams one after another, then shows the station to confirm; changing one starts at that summary,
whose buttons go back to any question and return. Nothing is saved before Save, in one
transaction with its teams and an audit entry (models/stations/stations.py).
"""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.events import InlineKeyboard, RemoveKeyboard, ReplyButton, ReplyKeyboard
from handlers.flows import Flow
from handlers.publishing.activity_plan import typed_text
from handlers.router import Router
from models.errors import Conflict, NotAllowed
from models.reference import District
from models.registration import volunteers
from models.stations import stations
from models.stations.stations import StationPlan
from models.stations.tables import Station
from models.teams import roles
from models.teams.tables import Role

router = Router()
NONE = 0  # "no district" in button fields
# Team buttons in one question: Telegram takes at most 100 buttons in a keyboard.
TEAMS_SHOWN = 40


class Step(StrEnum):
    NAME = "name"
    ADDRESS = "address"
    LOCATION = "location"
    DISTRICT = "district"
    HOURS = "hours"
    TEAMS = "teams"
    CONFIRM = "confirm"


QUESTIONS = (Step.NAME, Step.ADDRESS, Step.LOCATION, Step.DISTRICT, Step.HOURS, Step.TEAMS)
# A new station: each question leads to the next, the last to the summary. A change starts at
# the summary, whose buttons go to any question, which returns to it.
STATION = Flow(
    "station",
    Step,
    starts=(Step.NAME, Step.CONFIRM),
    moves={
        **{step: (after, Step.CONFIRM) for step, after in pairwise(QUESTIONS)},
        Step.TEAMS: (Step.CONFIRM,),
        Step.CONFIRM: QUESTIONS,
    },
)
REFUSAL = "stations_not_coordinator"


async def summary(ctx: Context, plan: StationPlan) -> str:
    """The station as its card and the confirmation show it."""
    lines = [ctx.t("stations.card_name", name=plan.name)]
    lines.append(ctx.t("cards.address", address=plan.address))
    district = await ctx.session.get(District, plan.district_id) if plan.district_id else None
    if district is not None:
        lines.append(ctx.t("stations.card_district", district=district.name(ctx.lang)))
    if plan.opening_hours:
        lines.append(ctx.t("stations.card_hours", hours=plan.opening_hours))
    names = await stations.team_names(ctx.session, plan.team_ids)
    if names:
        lines.append(
            ctx.t("stations.card_teams", teams=formatting.joined(ctx.texts, ctx.lang, names))
        )
    return "\n".join(lines)


# ---- add or change ------------------------------------------------------------------------------


class AddStation(Button, action="sta.add"):
    """The coordinator adds a station."""


@router.button(AddStation, role=Role.COORDINATOR, refusal=REFUSAL)
async def add_station(ctx: Context, press: AddStation) -> None:
    """The coordinator adds a station: its name first."""
    teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    own = [team.id for team in teams] if len(teams) == 1 else []  # one team: theirs, unasked
    plan = StationPlan(team_ids=own)
    await STATION.begin(ctx, Step.NAME, plan=plan.to_json(), station_id=None, editing=False)


class EditStation(Button, action="sta.edit", lasting=True):
    """A manager of the station changes it."""

    station_id: int


@router.button(EditStation, role=Role.COORDINATOR, refusal=REFUSAL)
async def edit_station(ctx: Context, press: EditStation) -> None:
    """A manager of the station changes it: the summary, with a button per question."""
    station = await _managed(ctx, press.station_id)
    teams = await stations.teams_of(ctx.session, station.id)
    plan = StationPlan.of(station, [team.id for team in teams])
    await STATION.begin(ctx, Step.CONFIRM, plan=plan.to_json(), station_id=station.id, editing=True)


async def _managed(ctx: Context, station_id: int) -> Station:
    station = await ctx.session.get(Station, station_id)
    if station is None:
        raise Conflict("station_gone")
    if not await stations.may_manage(
        ctx.session, ctx.user_id, station.id, ctx.deployment.admin_ids
    ):
        raise NotAllowed("station_not_yours", value=station.name)
    return station


def _plan(ctx: Context) -> StationPlan:
    return StationPlan.from_json(ctx.state.data["plan"])


async def _keep(ctx: Context, plan: StationPlan, answered: Step) -> None:
    """Keep the answer; then the next question, or the summary when changing."""
    ctx.state.data = {**ctx.state.data, "plan": plan.to_json()}
    if ctx.state.data["editing"] or answered is Step.TEAMS:
        await STATION.ask(ctx, Step.CONFIRM)
    else:
        await STATION.ask(ctx, QUESTIONS[QUESTIONS.index(answered) + 1])


# The questions answered by typing: the plan's field each fills, and its rule.
TYPED = {
    Step.NAME: ("name", stations.name),
    Step.ADDRESS: ("address", stations.address),
    Step.HOURS: ("opening_hours", stations.opening_hours),
}


@STATION.asks(Step.NAME, Step.ADDRESS)
async def ask_typed(ctx: Context) -> None:
    ctx.say(ctx.t(f"stations.ask_{ctx.state.step}"))


@router.step(STATION, *TYPED)
async def got_text(ctx: Context) -> None:
    """The coordinator typed the station's name, address or opening hours."""
    step = ctx.step_in(Step)
    field, rule = TYPED[step]
    plan = _plan(ctx)
    setattr(plan, field, rule(typed_text(ctx, f"stations.ask_{step}")))
    await _keep(ctx, plan, step)


@STATION.asks(Step.LOCATION)
async def ask_location(ctx: Context) -> None:
    share = ReplyButton(label=ctx.t("stations.send_pin"), request_location=True)
    ctx.say(ctx.t("stations.ask_location"), ReplyKeyboard(rows=((share,),)))


@router.step(STATION, Step.LOCATION)
async def got_location(ctx: Context) -> None:
    """The coordinator sent the station's pin, or typed its latitude and longitude."""
    plan = _plan(ctx)
    if ctx.event.location is not None:
        plan.latitude, plan.longitude = ctx.event.location.latitude, ctx.event.location.longitude
    else:
        plan.latitude, plan.longitude = stations.typed_location(
            typed_text(ctx, "stations.ask_location")
        )
    ctx.say(ctx.t("stations.pin_saved"), RemoveKeyboard())
    await _keep(ctx, plan, Step.LOCATION)


class PickDistrict(Button, action="sta.district"):
    """The coordinator picks the station's district (NONE: none)."""

    district_id: int


@STATION.asks(Step.DISTRICT)
async def ask_district(ctx: Context) -> None:
    names = {d.id: d.name(ctx.lang) for d in await volunteers.districts(ctx.session)}
    names[NONE] = ctx.t("stations.no_district")
    ctx.say(ctx.t("stations.ask_district"), keyboard(*ctx.choices(names, PickDistrict, 2)))


@router.button(PickDistrict)
async def pick_district(ctx: Context, choice: PickDistrict) -> None:
    """The coordinator chose the station's district."""
    district = await ctx.session.get(District, choice.district_id) if choice.district_id else None
    plan = _plan(ctx)
    plan.district_id = district.id if district is not None else None
    shown = district.name(ctx.lang) if district is not None else ctx.t("stations.no_district")
    ctx.edit_pressed(ctx.t("stations.district_chosen", district=shown))
    await _keep(ctx, plan, Step.DISTRICT)


@STATION.asks(Step.HOURS)
async def ask_hours(ctx: Context) -> None:
    skip = ctx.button(ctx.t("stations.no_hours"), SkipHours())
    ctx.say(ctx.t("stations.ask_hours"), keyboard([skip]))


class SkipHours(Button, action="sta.no_hours"):
    """The station posts no opening hours."""


@router.button(SkipHours)
async def skip_hours(ctx: Context, press: SkipHours) -> None:
    """The coordinator gives no opening hours."""
    plan = _plan(ctx)
    plan.opening_hours = ""
    ctx.edit_pressed(ctx.t("stations.no_hours"))
    await _keep(ctx, plan, Step.HOURS)


class ToggleTeam(Button, action="sta.team"):
    """The coordinator links or unlinks one of their teams."""

    team_id: int


class TeamsDone(Button, action="sta.teams_done"):
    """The coordinator has chosen the station's teams."""


@STATION.asks(Step.TEAMS)
async def ask_teams(ctx: Context) -> None:
    ctx.say(*await _teams_question(ctx))


async def _teams_question(ctx: Context) -> tuple[str, InlineKeyboard | None]:
    """Which teams run it: a button per team the coordinator manages, ✅ on those linked."""
    linked = set(_plan(ctx).team_ids)
    mine = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    # The linked first; an admin of a city's hundreds of teams links the rest by a file.
    shown = sorted(mine, key=lambda team: team.id not in linked)[:TEAMS_SHOWN]
    labels = {team.id: ("✅ " if team.id in linked else "") + team.name for team in shown}
    done = ctx.button(ctx.t("stations.teams_done"), TeamsDone())
    markup = keyboard(*ctx.choices(labels, ToggleTeam, 2), [done])
    text = ctx.t("stations.ask_teams")
    if len(mine) > len(shown):
        text += "\n" + ctx.t("stations.teams_more", count=len(mine), shown=len(shown))
    return text, markup


@router.button(ToggleTeam)
async def toggle_team(ctx: Context, choice: ToggleTeam) -> None:
    """The coordinator tapped a team: linked, or no longer."""
    if not await roles.may_manage(
        ctx.session, ctx.user_id, choice.team_id, ctx.deployment.admin_ids
    ):
        raise NotAllowed("not_coordinator")
    plan = _plan(ctx)
    plan.team_ids = sorted(set(plan.team_ids) ^ {choice.team_id})
    ctx.state.data = {**ctx.state.data, "plan": plan.to_json()}
    ctx.edit_pressed(*await _teams_question(ctx))


@router.button(TeamsDone)
async def teams_done(ctx: Context, press: TeamsDone) -> None:
    """The coordinator has linked the teams: the summary."""
    await _keep(ctx, _plan(ctx), Step.TEAMS)


class ChangeField(Button, action="sta.change"):
    """The coordinator goes back to one question from the summary."""

    step: Step


class SaveStation(Button, action="sta.save"):
    """The coordinator saves the station."""


@STATION.asks(Step.CONFIRM)
async def ask_confirm(ctx: Context) -> None:
    ctx.state.data = {**ctx.state.data, "editing": True}  # answers now return here
    changes = {step: ctx.t(f"stations.change_{step}") for step in QUESTIONS}
    save = ctx.button(ctx.t("stations.save"), SaveStation())
    markup = keyboard(*ctx.choices(changes, ChangeField, 3), [save])
    text = ctx.t("stations.confirm", summary=await summary(ctx, _plan(ctx)))
    ctx.say(text, markup)


@router.button(ChangeField)
async def change_field(ctx: Context, choice: ChangeField) -> None:
    """The coordinator wants to answer one question again."""
    ctx.edit_pressed(await summary(ctx, _plan(ctx)))
    await STATION.ask(ctx, choice.step)


@router.button(SaveStation, role=Role.COORDINATOR, refusal=REFUSAL)
async def save(ctx: Context, press: SaveStation) -> None:
    """The coordinator saves the station: added, or changed, with its teams."""
    station_id = ctx.state.data["station_id"]
    if station_id is not None:
        await _managed(ctx, station_id)
    mine = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    station = await stations.save(
        ctx.session,
        _plan(ctx),
        station_id=station_id,
        actor=ctx.user_id,
        may_link=[team.id for team in mine],
        now=ctx.clock.now(),
    )
    ctx.finish()
    key = "stations.added" if station_id is None else "stations.changed"
    ctx.edit_pressed(ctx.t(key, name=station.name))


@router.step(STATION, Step.DISTRICT, Step.TEAMS, Step.CONFIRM)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The coordinator typed where the question wants a button."""
    ctx.say(ctx.t("fields.use_buttons"))
    await STATION.ask_again(ctx)
