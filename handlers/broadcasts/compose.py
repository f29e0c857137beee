"""/broadcast: a coordinator composes a call for volunteers — the notice (text, or a photo with
its text), an activity it is about (volunteers then get a "✋ Sign up" button), and the audience
(everyone, for admins; or the chosen teams, districts, themes, or the people who served in or wait
for chosen activities) — sees it exactly as volunteers will, with how many it reaches, and sends
it now or at a later time (the preview and the time are `handlers.broadcasts.send_time`'s). The
sender (`scheduler.broadcasts`) delivers it; the message whose button confirmed it becomes its
progress message (`handlers.broadcasts.progress`), with Pause and Cancel
(`handlers.broadcasts.control`).

The answers live in the conversation state until the call is confirmed, so /cancel, Start again
or Don't send keeps nothing. Only coordinators and admins compose calls: the router refuses anyone
else at each answer that reads what the caller may reach (a role may have been revoked meanwhile).
"""

from __future__ import annotations

from enum import StrEnum

from handlers import formatting
from handlers.callbacks import Button, OnActivity
from handlers.context import Context, in_rows, keyboard
from handlers.events import InlineKeyboard
from handlers.flows import Flow
from handlers.publishing.activity_plan import typed_text
from handlers.router import Router
from models.activities.tables import Activity
from models.broadcasts import audience as audiences
from models.broadcasts import outbox
from models.broadcasts.audience import AUDIENCE_KINDS, BY_TRAIT, Audience, AudienceKind, Scope
from models.organisations import organisations
from models.registration import volunteers
from models.teams.tables import OVERSEERS

router = Router()
LISTED = 10  # activities offered to link to or to choose an audience by, newest first
REFUSAL = "broadcast_not_coordinator"  # whom the guards refuse: neither coordinator nor admin


class Step(StrEnum):
    NOTICE = "notice"  # typed text, or a photo
    CAPTION = "caption"  # the text under the photo
    ACTIVITY = "activity"  # buttons: an activity, or none
    AUDIENCE = "audience"  # buttons: the kind of audience
    CHOICES = "choices"  # toggles: which teams, districts, themes or activities
    PREVIEW = "preview"  # buttons: send now, send later, start again, don't send
    WHEN = "when"  # a preset button, or a typed date and time
    CONFIRM = "confirm"  # buttons: confirm, don't send (or a typed time instead)


BROADCAST = Flow(
    "broadcast",
    Step,
    starts=(Step.NOTICE,),  # /broadcast, and Start again
    moves={
        Step.NOTICE: (Step.CAPTION, Step.ACTIVITY),  # a photo without its text asks for it
        Step.CAPTION: (Step.ACTIVITY,),
        Step.ACTIVITY: (Step.AUDIENCE,),
        Step.AUDIENCE: (Step.CHOICES, Step.PREVIEW),  # everyone: straight to the preview
        Step.CHOICES: (Step.AUDIENCE, Step.PREVIEW),  # Back, or Done
        Step.PREVIEW: (Step.WHEN, Step.NOTICE),  # Send later, or Start again
        Step.WHEN: (Step.CONFIRM,),
        # Start again, when everyone left or muted such calls since the preview.
        Step.CONFIRM: (Step.NOTICE,),
    },
)
BUTTON_STEPS = (Step.ACTIVITY, Step.AUDIENCE, Step.CHOICES, Step.PREVIEW)
# The audiences chosen from a list, and how many of their toggles share a row.
PER_ROW = {
    AudienceKind.TEAMS: 1,
    AudienceKind.DISTRICTS: 2,
    AudienceKind.THEMES: 2,
    AudienceKind.SERVED: 1,
    AudienceKind.WAITING: 1,
}


async def _scope(ctx: Context) -> Scope:
    """What the caller may reach, asked afresh at each step (their teams may have changed)."""
    return await audiences.scope_of(ctx.session, ctx.user_id, tuple(ctx.deployment.admin_ids))


def _keep(ctx: Context, **values: object) -> None:
    # A new dict, so that SQLAlchemy sees the JSON column change.
    ctx.state.data = {**ctx.state.data, **values}


@router.command("broadcast", menu=50, role=OVERSEERS, refusal=REFUSAL)
async def start(ctx: Context) -> None:
    """A coordinator wants to send a call for volunteers."""
    ctx.finish()
    await BROADCAST.ask(ctx, Step.NOTICE)


# ---- the notice -------------------------------------------------------------------------------


@BROADCAST.asks(Step.NOTICE)
async def ask_notice(ctx: Context) -> None:
    ctx.say(ctx.t("broadcast_compose.ask_notice"))


@router.step(BROADCAST, Step.NOTICE, role=OVERSEERS, refusal=REFUSAL)
async def receive_notice(ctx: Context) -> None:
    """The coordinator typed the notice, or sent a photo (with its text, if the app carried it)."""
    if ctx.event.photo_id is not None:
        await receive_photo(ctx)
        return
    text = outbox.check_text(typed_text(ctx, "broadcast_compose.notice_as_text"), photo=False)
    _keep(ctx, text=text, photo_id=None)
    await BROADCAST.ask(ctx, Step.ACTIVITY)


async def receive_photo(ctx: Context) -> None:
    _keep(ctx, photo_id=ctx.event.photo_id)
    if ctx.event.caption:
        _keep(ctx, text=outbox.check_text(ctx.event.caption, photo=True))
        await BROADCAST.ask(ctx, Step.ACTIVITY)
        return
    await BROADCAST.ask(ctx, Step.CAPTION)


@BROADCAST.asks(Step.CAPTION)
async def ask_caption(ctx: Context) -> None:
    ctx.say(ctx.t("broadcast_compose.ask_caption", limit=outbox.CAPTION_MAX))


@router.step(BROADCAST, Step.CAPTION, role=OVERSEERS, refusal=REFUSAL)
async def receive_caption(ctx: Context) -> None:
    """The coordinator typed the text to go under their photo (or sent another photo)."""
    if ctx.event.photo_id is not None:
        await receive_photo(ctx)
        return
    text = typed_text(ctx, "broadcast_compose.caption_as_text")
    _keep(ctx, text=outbox.check_text(text, photo=True))
    await BROADCAST.ask(ctx, Step.ACTIVITY)


# ---- the activity -----------------------------------------------------------------------------


async def _activities(ctx: Context, scope: Scope, *, past: bool) -> list[Activity]:
    return await audiences.activities_in(
        ctx.session, scope, now=ctx.clock.now(), past=past, limit=LISTED
    )


@BROADCAST.asks(Step.ACTIVITY)
async def ask_activity(ctx: Context) -> None:
    upcoming = await _activities(ctx, await _scope(ctx), past=False)
    buttons = [ctx.button(activity.title, LinkActivity(activity.id)) for activity in upcoming]
    buttons.append(ctx.button(ctx.t("broadcast_compose.no_activity"), LinkNoActivity()))
    ctx.say(ctx.t("broadcast_compose.ask_activity"), keyboard(*in_rows(buttons, 1)))


class LinkActivity(OnActivity, action="bcn.act"):
    """The coordinator links the call to one of their upcoming activities."""


@router.button(LinkActivity, role=OVERSEERS, refusal=REFUSAL)
async def pick_activity(ctx: Context, link: LinkActivity) -> None:
    """The coordinator linked the call to one of their upcoming activities."""
    upcoming = {a.id: a for a in await _activities(ctx, await _scope(ctx), past=False)}
    if link.activity_id not in upcoming:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    _keep(ctx, activity_id=link.activity_id)
    title = upcoming[link.activity_id].title
    ctx.edit_pressed(ctx.t("broadcast_compose.activity_chosen", title=title))
    await BROADCAST.ask(ctx, Step.AUDIENCE)


class LinkNoActivity(Button, action="bcn.no_act"):
    """The call is about no activity in particular."""


@router.button(LinkNoActivity, role=OVERSEERS, refusal=REFUSAL)
async def no_activity(ctx: Context, link: LinkNoActivity) -> None:
    """The call is about no activity in particular."""
    _keep(ctx, activity_id=None)
    ctx.edit_pressed(ctx.t("broadcast_compose.activity_none"))
    await BROADCAST.ask(ctx, Step.AUDIENCE)


# ---- the audience -----------------------------------------------------------------------------


def _kinds(scope: Scope) -> list[AudienceKind]:
    """The audiences the caller may choose: everyone is for admins only."""
    return [kind for kind in AUDIENCE_KINDS if scope.admin or kind != AudienceKind.EVERYONE]


async def _audience_question(ctx: Context) -> tuple[str, InlineKeyboard | None]:
    buttons = [
        ctx.button(ctx.t(f"broadcast_compose.kind_{kind}"), ChooseAudienceKind(kind))
        for kind in _kinds(await _scope(ctx))
    ]
    return ctx.t("broadcast_compose.ask_audience"), keyboard(*in_rows(buttons, 1))


@BROADCAST.asks(Step.AUDIENCE)
async def ask_audience(ctx: Context) -> None:
    ctx.say(*await _audience_question(ctx))


class ChooseAudienceKind(Button, action="bcn.kind"):
    """The coordinator chooses whom the call is for: everyone, or chosen ones of a kind."""

    kind: AudienceKind


@router.button(ChooseAudienceKind, role=OVERSEERS, refusal=REFUSAL)
async def pick_kind(ctx: Context, choice: ChooseAudienceKind) -> None:
    """The coordinator chose whom the call is for: everyone, or chosen ones of a kind."""
    scope, kind = await _scope(ctx), choice.kind
    if kind == AudienceKind.EVERYONE:
        await audiences.check_audience(ctx.session, Audience(kind), scope)
        _keep(ctx, kind=kind, ids=[])
        ctx.edit_pressed(ctx.t("broadcast_compose.audience_everyone"))
        await BROADCAST.ask(ctx, Step.PREVIEW)
        return
    if kind not in _kinds(scope):
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    if not await _choices(ctx, kind, scope):
        ctx.answer(ctx.t("broadcast_compose.none_to_choose"), alert=True)
        return
    _keep(ctx, kind=kind, ids=[])
    await BROADCAST.ask(ctx, Step.CHOICES)


async def _choices(ctx: Context, kind: AudienceKind, scope: Scope) -> dict[int, str]:
    """What an audience of this kind is chosen from, by id, with the names the buttons show."""
    if kind == AudienceKind.TEAMS:
        teams = await organisations.overseen_teams(
            ctx.session, ctx.user_id, ctx.deployment.admin_ids
        )
        return {team.id: team.name for team in teams}
    if kind == AudienceKind.DISTRICTS:
        return {d.id: d.name(ctx.lang) for d in await volunteers.districts(ctx.session)}
    if kind == AudienceKind.THEMES:
        return {t.id: t.name(ctx.lang) for t in await volunteers.themes(ctx.session)}
    activities = await _activities(ctx, scope, past=kind == AudienceKind.SERVED)
    return {activity.id: activity.title for activity in activities}


async def _toggles(ctx: Context, scope: Scope) -> tuple[str, InlineKeyboard | None]:
    kind, chosen = AudienceKind(ctx.state.data["kind"]), set(ctx.state.data["ids"])
    buttons = [
        ctx.button(
            ctx.t("broadcast_compose.chosen", name=name) if id_ in chosen else name,
            ToggleAudienceChoice(id_),
        )
        for id_, name in (await _choices(ctx, kind, scope)).items()
    ]
    rows = in_rows(buttons, PER_ROW[kind])
    back = ctx.button(ctx.t("broadcast_compose.back"), ChooseAnotherKind())
    done = ctx.button(ctx.t("broadcast_compose.done"), ConfirmAudience())
    question = await _whom(ctx, scope, kind, f"broadcast_compose.choose_{kind}")
    return question, keyboard(*rows, [back, done])


async def _whom(ctx: Context, scope: Scope, kind: AudienceKind, key: str, **values: object) -> str:
    """The text `key` says whom an audience of this kind reaches: for a coordinator's call by
    district or theme, its `_teams` form names their teams, whose members alone get it."""
    if kind in BY_TRAIT and audiences.members_only(kind, scope):
        teams = await organisations.overseen_teams(
            ctx.session, ctx.user_id, ctx.deployment.admin_ids
        )
        names = formatting.joined(ctx.texts, ctx.lang, (team.name for team in teams))
        return ctx.t(f"{key}_teams", teams=names, **values)
    return ctx.t(key, **values)


@BROADCAST.asks(Step.CHOICES)
async def ask_choices(ctx: Context) -> None:
    """The toggles, in place of the kinds of audience the coordinator chose from."""
    ctx.edit_pressed(*await _toggles(ctx, await _scope(ctx)))


class ToggleAudienceChoice(Button, action="bcn.pick"):
    """The coordinator ticks a team, district, theme or activity to reach, or unticks it."""

    choice_id: int


@router.button(ToggleAudienceChoice, role=OVERSEERS, refusal=REFUSAL)
async def toggle(ctx: Context, choice: ToggleAudienceChoice) -> None:
    """The coordinator ticked one to reach, or unticked it."""
    scope = await _scope(ctx)
    chosen_from = await _choices(ctx, AudienceKind(ctx.state.data["kind"]), scope)
    if choice.choice_id not in chosen_from:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ids = set(ctx.state.data["ids"]) ^ {choice.choice_id}
    _keep(ctx, ids=sorted(ids))
    ctx.edit_pressed(*await _toggles(ctx, scope))


class ChooseAnotherKind(Button, action="bcn.kinds"):
    """The coordinator goes back to the kinds of audience."""


@router.button(ChooseAnotherKind, role=OVERSEERS, refusal=REFUSAL)
async def other_kind(ctx: Context, back: ChooseAnotherKind) -> None:
    """The coordinator wants another kind of audience."""
    ctx.go(BROADCAST, Step.AUDIENCE)
    ctx.edit_pressed(*await _audience_question(ctx))


class ConfirmAudience(Button, action="bcn.done"):
    """The coordinator has ticked whom to reach."""


@router.button(ConfirmAudience, role=OVERSEERS, refusal=REFUSAL)
async def chosen(ctx: Context, done: ConfirmAudience) -> None:
    """The coordinator has chosen whom to reach."""
    scope, audience = await _scope(ctx), _audience(ctx)
    await audiences.check_audience(ctx.session, audience, scope)
    names = await _choices(ctx, audience.kind, scope)
    listed = formatting.joined(ctx.texts, ctx.lang, (names.get(i, "—") for i in audience.ids))
    key = f"broadcast_compose.audience_{audience.kind}"
    ctx.edit_pressed(await _whom(ctx, scope, audience.kind, key, names=listed))
    await BROADCAST.ask(ctx, Step.PREVIEW)


def _audience(ctx: Context) -> Audience:
    return Audience.from_json({"kind": ctx.state.data["kind"], "ids": ctx.state.data["ids"]})


# ---- starting again, or not sending (offered under the preview and the chosen time) -----------


class StartCallAgain(Button, action="bcn.again"):
    """The coordinator wants to compose the call afresh."""


@router.button(StartCallAgain)
async def start_again(ctx: Context, again: StartCallAgain) -> None:
    """The coordinator wants to compose the call afresh."""
    ctx.finish()
    ctx.edit_pressed(ctx.t("broadcast_compose.again"))
    await BROADCAST.ask(ctx, Step.NOTICE)


class DropCall(Button, action="bcn.drop"):
    """The coordinator changes their mind: nothing is kept."""


@router.button(DropCall)
async def drop(ctx: Context, dropped: DropCall) -> None:
    """The coordinator changed their mind: nothing is kept."""
    ctx.finish()
    ctx.edit_pressed(ctx.t("broadcast_compose.dropped"))


@router.step(BROADCAST, *BUTTON_STEPS)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The coordinator typed where the question wants a button."""
    ctx.say(ctx.t("broadcast_compose.use_buttons"))
