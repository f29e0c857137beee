"""/new_activity, last: the preview of the whole plan with Publish / Edit / Discard. Publishing
writes the activity in one transaction and hands the coordinator its deep link and QR code."""

from __future__ import annotations

from handlers import formatting
from handlers.activities import links
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.events import SendPhoto
from handlers.publishing.activity_plan import (
    NEW_ACTIVITY,
    PARTS,
    Part,
    Step,
    ask_again,
    district_names,
    load_plan,
    store_plan,
    theme_names,
)
from handlers.router import Router
from models.publishing import publication
from models.publishing.publication import ActivityPlan
from models.stations.tables import Station
from models.teams import roles
from models.teams.tables import Team

router = Router()


async def describe_plan(ctx: Context, plan: ActivityPlan) -> str:
    """The plan as the coordinator checks it before publishing."""
    none = ctx.t("new_activity.none")
    themes, districts = await theme_names(ctx), await district_names(ctx)
    team = await ctx.session.get(Team, plan.team_id) if plan.team_id is not None else None
    station = await ctx.session.get(Station, plan.station_id) if plan.station_id else None
    zone = ctx.deployment.zone
    shifts = [
        ctx.t(
            "new_activity.shift_line",
            when=formatting.span(ctx.texts, ctx.lang, zone, shift.starts_at, shift.ends_at),
            capacity=shift.capacity,
        )
        for shift in plan.shifts
    ]
    deadline = (
        formatting.moment(ctx.texts, ctx.lang, plan.signup_deadline, zone)
        if plan.signup_deadline is not None
        else ctx.t("new_activity.deadline_at_start")
    )
    needs = []
    if plan.min_age is not None:
        needs.append(ctx.t("new_activity.needs_age", age=plan.min_age))
    if plan.require_real_name:
        needs.append(ctx.t("new_activity.needs_real_name"))
    if plan.required_theme_id is not None:
        theme = themes.get(plan.required_theme_id, none)
        needs.append(ctx.t("new_activity.needs_theme", theme=theme))
    return ctx.t(
        "new_activity.plan",
        title=plan.title,
        description=plan.description or none,
        theme=themes.get(plan.theme_id or 0, none),
        team=team.name if team is not None else none,
        district=districts.get(plan.district_id or 0, none),
        address=(
            ctx.t("cards.station_address", station=station.name, address=plan.address)
            if station is not None
            else plan.address
        ),
        pin=ctx.t("new_activity.with_pin") if plan.latitude is not None else "",
        shifts="\n".join(shifts) or none,
        deadline=deadline,
        requirements="; ".join(needs) or none,
    )


@NEW_ACTIVITY.asks(Step.PREVIEW)
async def show_preview(ctx: Context) -> None:
    buttons = [
        ctx.button(ctx.t("new_activity.publish"), PublishPlan()),
        ctx.button(ctx.t("new_activity.edit"), EditPlan()),
        ctx.button(ctx.t("new_activity.discard"), DiscardPlan()),
    ]
    text = await describe_plan(ctx, load_plan(ctx))
    ctx.say(ctx.t("new_activity.preview", plan=text), keyboard(buttons))


class PublishPlan(Button, action="na.publish"):
    """The coordinator publishes the activity as previewed."""


@router.button(PublishPlan)
async def publish(ctx: Context, publishing: PublishPlan) -> None:
    """The coordinator published the activity: it is open for sign-up now."""
    plan = load_plan(ctx)
    publication.check_plan(plan, now=ctx.clock.now())
    assert plan.team_id is not None  # checked above
    await roles.require_manager(ctx.session, ctx.user_id, plan.team_id, ctx.deployment.admin_ids)
    activity = await publication.publish(
        ctx.session, plan, created_by=ctx.user_id, now=ctx.clock.now()
    )
    ctx.edit_pressed(await describe_plan(ctx, plan))
    ctx.finish()
    link = links.activity_link(ctx, activity)
    ctx.say(ctx.t("new_activity.published", title=activity.title, link=link))
    caption = ctx.t("new_activity.qr_caption", title=activity.title)
    ctx.outbox.add(SendPhoto(ctx.event.chat_id, "qr.png", links.qr_png(link), caption))


class EditPlan(Button, action="na.edit"):
    """The coordinator wants to change something before publishing."""


@router.button(EditPlan)
async def choose_part(ctx: Context, editing: EditPlan) -> None:
    """The coordinator wants to change something before publishing."""
    await NEW_ACTIVITY.ask(ctx, Step.CHOOSE_EDIT)


@NEW_ACTIVITY.asks(Step.CHOOSE_EDIT)
async def ask_part(ctx: Context) -> None:
    parts = ctx.choices({part: ctx.t(f"new_activity.part_{part}") for part in PARTS}, EditPart, 2)
    ctx.say(ctx.t("new_activity.choose_part"), keyboard(*parts))


class EditPart(Button, action="na.part"):
    """The coordinator picks the part of the plan to change."""

    part: Part


@router.button(EditPart)
async def edit_part(ctx: Context, choice: EditPart) -> None:
    """The coordinator picked the part of the plan to change."""
    part = choice.part
    ctx.edit_pressed(ctx.t("new_activity.editing", part=ctx.t(f"new_activity.part_{part}")))
    ctx.state.data = {**ctx.state.data, "editing": True}
    if part == Part.SHIFTS:
        plan = load_plan(ctx)
        plan.shifts = []
        store_plan(ctx, plan)
    await NEW_ACTIVITY.ask(ctx, PARTS[part])


class DiscardPlan(Button, action="na.discard"):
    """The coordinator wants to throw the plan away (asks to confirm)."""


@router.button(DiscardPlan)
async def ask_discard(ctx: Context, discarding: DiscardPlan) -> None:
    """The coordinator wants to throw the plan away."""
    await NEW_ACTIVITY.ask(ctx, Step.DISCARD)


@NEW_ACTIVITY.asks(Step.DISCARD)
async def confirm_discard(ctx: Context) -> None:
    buttons = [
        ctx.button(ctx.t("new_activity.discard_yes"), ConfirmDiscard()),
        ctx.button(ctx.t("new_activity.discard_no"), KeepPlan()),
    ]
    ctx.say(ctx.t("new_activity.discard_confirm"), keyboard(buttons))


class ConfirmDiscard(Button, action="na.discard_yes"):
    """The coordinator confirms: the plan is dropped."""


@router.button(ConfirmDiscard)
async def discard(ctx: Context, confirm: ConfirmDiscard) -> None:
    """The coordinator confirmed: the plan is dropped and nothing was published."""
    ctx.finish()
    ctx.edit_pressed(ctx.t("new_activity.discarded"))


class KeepPlan(Button, action="na.discard_no"):
    """The coordinator keeps the plan after all."""


@router.button(KeepPlan)
async def keep(ctx: Context, keeping: KeepPlan) -> None:
    """The coordinator changed their mind and keeps the plan."""
    ctx.edit_pressed(ctx.t("new_activity.kept"))
    await NEW_ACTIVITY.ask(ctx, Step.PREVIEW)


BUTTON_STEPS = (
    Step.THEME,
    Step.TEAM,
    Step.DISTRICT,
    Step.MORE_SHIFTS,
    Step.REAL_NAME,
    Step.REQUIRED_THEME,
    Step.PREVIEW,
    Step.CHOOSE_EDIT,
    Step.DISCARD,
)


@router.step(NEW_ACTIVITY, *BUTTON_STEPS)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The coordinator typed where the question wants a button."""
    ctx.say(ctx.t("fields.use_buttons"))
    await ask_again(ctx)
