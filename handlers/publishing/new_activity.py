"""/new_activity: a coordinator plans an activity step by step (title, description, theme, team,
district, address and pin, or one of the team's stations in their place, then shifts, deadline
and requirements in `plan_shifts`), checks a preview and publishes it (`plan_preview`).

The plan lives in the conversation state until Publish, so a restart continues at the same step
and Discard leaves nothing behind. The steps, their order and their moves are in `activity_plan`.
"""

from __future__ import annotations

from handlers.callbacks import Button, OnTeam
from handlers.context import Context, keyboard
from handlers.events import RemoveKeyboard, ReplyButton, ReplyKeyboard
from handlers.publishing.activity_plan import (
    NEW_ACTIVITY,
    Step,
    ask_again,
    ask_or_skip,
    checked_text,
    district_names,
    keep,
    keep_pressed,
    load_plan,
    sent,
    store_plan,
    theme_names,
    typed_address,
    typed_text,
)
from handlers.router import Router
from models.errors import InvalidInput
from models.publishing import activity_input
from models.publishing.publication import ActivityPlan
from models.stations import stations
from models.stations.tables import Station
from models.teams import roles
from models.teams.tables import Role

router = Router()


# ---- start ------------------------------------------------------------------------------------


@router.command(
    "new_activity", menu=10, role=Role.COORDINATOR, refusal="new_activity_not_coordinator"
)
async def start(ctx: Context) -> None:
    """The coordinator wants to publish an activity."""
    if ctx.state.flow == NEW_ACTIVITY.name and ctx.state.step is not None:
        ctx.say(ctx.t("new_activity.resuming"))
        await ask_again(ctx)
        return
    teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    ctx.finish()
    store_plan(ctx, ActivityPlan(team_id=teams[0].id if len(teams) == 1 else None))
    ctx.go(NEW_ACTIVITY, Step.TITLE)
    ctx.say(ctx.t("new_activity.intro", question=ctx.t("new_activity.ask_title")))


# ---- what and who -----------------------------------------------------------------------------


@NEW_ACTIVITY.asks(Step.TITLE)
async def ask_title(ctx: Context) -> None:
    ctx.say(ctx.t("new_activity.ask_title"))


@router.step(NEW_ACTIVITY, Step.TITLE)
async def receive_title(ctx: Context) -> None:
    """The coordinator typed the title."""
    title = checked_text(ctx, "new_activity.ask_title", "title", activity_input.TITLE_MAX_CHARS)
    await keep(ctx, Step.TITLE, title=title)


@NEW_ACTIVITY.asks(Step.DESCRIPTION)
async def ask_description(ctx: Context) -> None:
    ask_or_skip(ctx, "new_activity.ask_description", "new_activity.skip", SkipDescription())


@router.step(NEW_ACTIVITY, Step.DESCRIPTION)
async def receive_description(ctx: Context) -> None:
    """The coordinator typed the description."""
    description = typed_text(ctx, "new_activity.ask_description").strip()
    if len(description) > activity_input.DESCRIPTION_MAX_CHARS:
        raise InvalidInput("description_too_long", max=activity_input.DESCRIPTION_MAX_CHARS)
    await keep(ctx, Step.DESCRIPTION, description=description)


class SkipDescription(Button, action="na.skip_description"):
    """The coordinator gives the activity no description."""


@router.button(SkipDescription)
async def skip_description(ctx: Context, skip: SkipDescription) -> None:
    """The coordinator gives no description."""
    shown = ctx.t("new_activity.description_skipped")
    await keep_pressed(ctx, Step.DESCRIPTION, shown, description="")


@NEW_ACTIVITY.asks(Step.THEME)
async def ask_theme(ctx: Context) -> None:
    themes = ctx.choices(await theme_names(ctx), ChooseTheme, 2)
    ctx.say(ctx.t("new_activity.ask_theme"), keyboard(*themes))


class ChooseTheme(Button, action="na.theme"):
    """The coordinator picks the activity's theme."""

    theme_id: int


@router.button(ChooseTheme)
async def pick_theme(ctx: Context, choice: ChooseTheme) -> None:
    """The coordinator chose the activity's theme."""
    theme = (await theme_names(ctx)).get(choice.theme_id)
    shown = None if theme is None else ctx.t("new_activity.theme_chosen", theme=theme)
    await keep_pressed(ctx, Step.THEME, shown, theme_id=choice.theme_id)


async def _team_names(ctx: Context) -> dict[int, str]:
    """The teams the coordinator may publish for, by id."""
    teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    return {team.id: team.name for team in teams}


@NEW_ACTIVITY.asks(Step.TEAM)
async def ask_team(ctx: Context) -> None:
    teams = ctx.choices(await _team_names(ctx), ChooseTeam)
    ctx.say(ctx.t("new_activity.ask_team"), keyboard(*teams))


class ChooseTeam(OnTeam, action="na.team"):
    """The coordinator picks the team that runs the activity."""


@router.button(ChooseTeam)
async def pick_team(ctx: Context, choice: ChooseTeam) -> None:
    """The coordinator chose the team that runs the activity."""
    team = (await _team_names(ctx)).get(choice.team_id)
    shown = None if team is None else ctx.t("new_activity.team_chosen", team=team)
    await keep_pressed(ctx, Step.TEAM, shown, team_id=choice.team_id)


# ---- where ------------------------------------------------------------------------------------


@NEW_ACTIVITY.asks(Step.DISTRICT)
async def ask_district(ctx: Context) -> None:
    districts = ctx.choices(await district_names(ctx), ChooseDistrict, 2)
    ctx.say(ctx.t("new_activity.ask_district"), keyboard(*districts))


class ChooseDistrict(Button, action="na.district"):
    """The coordinator picks the district the activity is in."""

    district_id: int


@router.button(ChooseDistrict)
async def pick_district(ctx: Context, choice: ChooseDistrict) -> None:
    """The coordinator chose the district the activity is in."""
    district = (await district_names(ctx)).get(choice.district_id)
    shown = None if district is None else ctx.t("new_activity.district_chosen", district=district)
    await keep_pressed(ctx, Step.DISTRICT, shown, district_id=choice.district_id)


async def _stations(ctx: Context) -> dict[int, Station]:
    """The stations linked to the activity's team, by id: where it may take place."""
    team_id = load_plan(ctx).team_id
    linked = await stations.linked_to(ctx.session, [team_id] if team_id is not None else [])
    return {station.id: station for station in linked}


@NEW_ACTIVITY.asks(Step.ADDRESS)
async def ask_address(ctx: Context) -> None:
    found = await _stations(ctx)
    if not found:
        ctx.say(ctx.t("new_activity.ask_address"))
        return
    labels = {key: ctx.t("new_activity.at_station", name=s.name) for key, s in found.items()}
    buttons = ctx.choices(labels, AtStation)
    ctx.say(ctx.t("new_activity.ask_address_or_station"), keyboard(*buttons))


@router.step(NEW_ACTIVITY, Step.ADDRESS)
async def receive_address(ctx: Context) -> None:
    """The coordinator typed where volunteers should go."""
    await keep(ctx, Step.ADDRESS, address=typed_address(ctx), station_id=None)


class AtStation(Button, action="na.station"):
    """The activity takes place at one of its team's stations."""

    station_id: int


@router.button(AtStation)
async def pick_station(ctx: Context, choice: AtStation) -> None:
    """The coordinator chose a station: its address, pin and district are the activity's, and
    neither the address nor the pin is asked."""
    station = (await _stations(ctx)).get(choice.station_id)
    if station is None:  # unlinked since, or another team's
        await keep_pressed(ctx, Step.LOCATION, None)
        return
    await keep_pressed(
        ctx,
        Step.LOCATION,
        ctx.t("new_activity.station_chosen", name=station.name),
        station_id=station.id,
        address=station.address,
        latitude=station.latitude,
        longitude=station.longitude,
        district_id=station.district_id or load_plan(ctx).district_id,
    )


@NEW_ACTIVITY.asks(Step.LOCATION)
async def ask_location(ctx: Context) -> None:
    share = ReplyButton(label=ctx.t("new_activity.send_location_button"), request_location=True)
    ctx.say(ctx.t("new_activity.ask_location"), ReplyKeyboard(rows=((share,),)))
    skip = ctx.button(ctx.t("new_activity.skip"), SkipLocation())
    ctx.say(ctx.t("new_activity.location_skip_hint"), keyboard([skip]))


@router.step(NEW_ACTIVITY, Step.LOCATION)
async def receive_location(ctx: Context) -> None:
    """The coordinator sent the venue's pin (or something else)."""
    location = sent(ctx, ctx.event.location, "new_activity.location_as_pin")
    ctx.say(ctx.t("new_activity.location_saved"), RemoveKeyboard())
    await keep(ctx, Step.LOCATION, latitude=location.latitude, longitude=location.longitude)


class SkipLocation(Button, action="na.skip_location"):
    """The coordinator sends no map pin."""


@router.button(SkipLocation)
async def skip_location(ctx: Context, skip: SkipLocation) -> None:
    """The coordinator sends no pin: volunteers go by the address."""
    ctx.edit_pressed(ctx.t("new_activity.location_skip_hint"))
    ctx.say(ctx.t("new_activity.location_skipped"), RemoveKeyboard())
    await keep(ctx, Step.LOCATION, latitude=None, longitude=None)
