"""/new_activity: a coordinator plans an activity step by step (title, description, theme, team,
district, address and pin, then shifts, deadline and requirements in `plan_shifts`), checks a
preview and publishes it (`plan_preview`).

The plan lives in the conversation state until Publish, so a restart continues at the same step
and Discard leaves nothing behind. The steps, their order and their moves are in `activity_plan`.
"""

from __future__ import annotations

from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.events import RemoveKeyboard, ReplyButton, ReplyKeyboard
from handlers.publishing.activity_plan import (
    NEW_ACTIVITY,
    Step,
    advance,
    ask_again,
    load_plan,
    store_plan,
    typed_address,
    typed_text,
)
from handlers.router import Router
from models.errors import InvalidInput
from models.publishing import activity_input
from models.publishing.publication import ActivityPlan
from models.registration import volunteers
from models.teams import roles
from models.teams.tables import Role

router = Router()


# ---- start ------------------------------------------------------------------------------------


@router.command("new_activity", role=Role.COORDINATOR, refusal="new_activity_not_coordinator")
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
    plan = load_plan(ctx)
    plan.title = activity_input.text(
        typed_text(ctx, "new_activity.ask_title"),
        max_chars=activity_input.TITLE_MAX_CHARS,
        code="title",
    )
    await advance(ctx, plan, Step.TITLE)


@NEW_ACTIVITY.asks(Step.DESCRIPTION)
async def ask_description(ctx: Context) -> None:
    skip = ctx.button(ctx.t("new_activity.skip"), SkipDescription())
    ctx.say(ctx.t("new_activity.ask_description"), keyboard([skip]))


@router.step(NEW_ACTIVITY, Step.DESCRIPTION)
async def receive_description(ctx: Context) -> None:
    """The coordinator typed the description."""
    description = typed_text(ctx, "new_activity.ask_description").strip()
    if len(description) > activity_input.DESCRIPTION_MAX_CHARS:
        raise InvalidInput("description_too_long", max=activity_input.DESCRIPTION_MAX_CHARS)
    plan = load_plan(ctx)
    plan.description = description
    await advance(ctx, plan, Step.DESCRIPTION)


class SkipDescription(Button, action="na.skip_description"):
    """The coordinator gives the activity no description."""


@router.button(SkipDescription)
async def skip_description(ctx: Context, skip: SkipDescription) -> None:
    """The coordinator gives no description."""
    ctx.edit_pressed(ctx.t("new_activity.description_skipped"))
    plan = load_plan(ctx)
    plan.description = ""
    await advance(ctx, plan, Step.DESCRIPTION)


@NEW_ACTIVITY.asks(Step.THEME)
async def ask_theme(ctx: Context) -> None:
    buttons = [
        ctx.button(theme.name(ctx.lang), ChooseTheme(theme.id))
        for theme in await volunteers.themes(ctx.session)
    ]
    ctx.say(ctx.t("new_activity.ask_theme"), keyboard(*in_rows(buttons, 2)))


class ChooseTheme(Button, action="na.theme"):
    """The coordinator picks the activity's theme."""

    theme_id: int


@router.button(ChooseTheme)
async def pick_theme(ctx: Context, choice: ChooseTheme) -> None:
    """The coordinator chose the activity's theme."""
    themes = {theme.id: theme for theme in await volunteers.themes(ctx.session)}
    if choice.theme_id not in themes:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    theme = themes[choice.theme_id]
    ctx.edit_pressed(ctx.t("new_activity.theme_chosen", theme=theme.name(ctx.lang)))
    plan = load_plan(ctx)
    plan.theme_id = choice.theme_id
    await advance(ctx, plan, Step.THEME)


@NEW_ACTIVITY.asks(Step.TEAM)
async def ask_team(ctx: Context) -> None:
    buttons = [
        ctx.button(team.name, ChooseTeam(team.id))
        for team in await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    ]
    ctx.say(ctx.t("new_activity.ask_team"), keyboard(*in_rows(buttons, 1)))


class ChooseTeam(Button, action="na.team"):
    """The coordinator picks the team that runs the activity."""

    team_id: int


@router.button(ChooseTeam)
async def pick_team(ctx: Context, choice: ChooseTeam) -> None:
    """The coordinator chose the team that runs the activity."""
    teams = {
        team.id: team
        for team in await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    }
    if choice.team_id not in teams:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ctx.edit_pressed(ctx.t("new_activity.team_chosen", team=teams[choice.team_id].name))
    plan = load_plan(ctx)
    plan.team_id = choice.team_id
    await advance(ctx, plan, Step.TEAM)


# ---- where ------------------------------------------------------------------------------------


@NEW_ACTIVITY.asks(Step.DISTRICT)
async def ask_district(ctx: Context) -> None:
    buttons = [
        ctx.button(district.name(ctx.lang), ChooseDistrict(district.id))
        for district in await volunteers.districts(ctx.session)
    ]
    ctx.say(ctx.t("new_activity.ask_district"), keyboard(*in_rows(buttons, 2)))


class ChooseDistrict(Button, action="na.district"):
    """The coordinator picks the district the activity is in."""

    district_id: int


@router.button(ChooseDistrict)
async def pick_district(ctx: Context, choice: ChooseDistrict) -> None:
    """The coordinator chose the district the activity is in."""
    districts = {d.id: d for d in await volunteers.districts(ctx.session)}
    if choice.district_id not in districts:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    name = districts[choice.district_id].name(ctx.lang)
    ctx.edit_pressed(ctx.t("new_activity.district_chosen", district=name))
    plan = load_plan(ctx)
    plan.district_id = choice.district_id
    await advance(ctx, plan, Step.DISTRICT)


@NEW_ACTIVITY.asks(Step.ADDRESS)
async def ask_address(ctx: Context) -> None:
    ctx.say(ctx.t("new_activity.ask_address"))


@router.step(NEW_ACTIVITY, Step.ADDRESS)
async def receive_address(ctx: Context) -> None:
    """The coordinator typed where volunteers should go."""
    plan = load_plan(ctx)
    plan.address = typed_address(ctx)
    await advance(ctx, plan, Step.ADDRESS)


@NEW_ACTIVITY.asks(Step.LOCATION)
async def ask_location(ctx: Context) -> None:
    share = ReplyButton(label=ctx.t("new_activity.send_location_button"), request_location=True)
    ctx.say(ctx.t("new_activity.ask_location"), ReplyKeyboard(rows=((share,),)))
    skip = ctx.button(ctx.t("new_activity.skip"), SkipLocation())
    ctx.say(ctx.t("new_activity.location_skip_hint"), keyboard([skip]))


@router.step(NEW_ACTIVITY, Step.LOCATION)
async def receive_location(ctx: Context) -> None:
    """The coordinator sent the venue's pin (or something else)."""
    location = ctx.event.location
    if location is None:
        ctx.say(ctx.t("new_activity.location_as_pin"))
        return
    plan = load_plan(ctx)
    plan.latitude, plan.longitude = location.latitude, location.longitude
    ctx.say(ctx.t("new_activity.location_saved"), RemoveKeyboard())
    await advance(ctx, plan, Step.LOCATION)


class SkipLocation(Button, action="na.skip_location"):
    """The coordinator sends no map pin."""


@router.button(SkipLocation)
async def skip_location(ctx: Context, skip: SkipLocation) -> None:
    """The coordinator sends no pin: volunteers go by the address."""
    ctx.edit_pressed(ctx.t("new_activity.location_skip_hint"))
    ctx.say(ctx.t("new_activity.location_skipped"), RemoveKeyboard())
    plan = load_plan(ctx)
    plan.latitude = plan.longitude = None
    await advance(ctx, plan, Step.LOCATION)
