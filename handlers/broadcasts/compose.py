"""/broadcast: a coordinator composes a call for volunteers — the notice (text, or a photo with
its text), an activity it is about (volunteers then get a "✋ Sign up" button), and the audience
(everyone, for admins; or the chosen teams, districts, themes, or the people who served in or wait
for chosen activities) — sees it exactly as volunteers will, with how many it reaches, and sends
it now or at a later time (`handlers.broadcasts.send_time`). The sender (`scheduler.broadcasts`)
delivers it; the message whose button confirmed it becomes its progress message
(`handlers.broadcasts.progress`), with Pause and Cancel (`handlers.broadcasts.control`).

The answers live in the conversation state until the call is confirmed, so /cancel, Start again
or Don't send keeps nothing.
"""

from __future__ import annotations

from enum import StrEnum

from handlers.broadcasts import progress
from handlers.callbacks import Press
from handlers.context import Context, in_rows, keyboard
from handlers.events import InlineButton, InlineKeyboard
from handlers.publishing.activity_plan import chosen_id, typed_text
from handlers.router import Router
from models.activities.tables import Activity
from models.broadcasts import audience as audiences
from models.broadcasts import outbox
from models.broadcasts.audience import AUDIENCE_KINDS, Audience, AudienceKind, Scope
from models.broadcasts.tables import Broadcast
from models.errors import NotAllowed
from models.registration import volunteers
from models.teams import roles

router = Router()
FLOW = "broadcast"
LISTED = 10  # activities offered to link to or to choose an audience by, newest first


class Step(StrEnum):
    NOTICE = "notice"  # typed text, or a photo
    CAPTION = "caption"  # the text under the photo
    ACTIVITY = "activity"  # buttons: an activity, or none
    AUDIENCE = "audience"  # buttons: the kind of audience
    CHOICES = "choices"  # toggles: which teams, districts, themes or activities
    PREVIEW = "preview"  # buttons: send now, send later, start again, don't send
    WHEN = "when"  # a preset button, or a typed date and time
    CONFIRM = "confirm"  # buttons: confirm, don't send (or a typed time instead)


BUTTON_STEPS = (Step.ACTIVITY, Step.AUDIENCE, Step.CHOICES, Step.PREVIEW)
# The audiences chosen from a list, and how many of their toggles share a row.
PER_ROW: dict[str, int] = {"teams": 1, "districts": 2, "themes": 2, "served": 1, "waiting": 1}


async def _scope(ctx: Context) -> Scope:
    """What the caller may reach, asked afresh at each step (a role may have been revoked)."""
    scope = await audiences.scope_of(ctx.session, ctx.user_id, tuple(ctx.deployment.admin_ids))
    if not scope.admin and not scope.team_ids:
        raise NotAllowed("broadcast_not_coordinator")
    return scope


def _keep(ctx: Context, **values: object) -> None:
    # A new dict, so that SQLAlchemy sees the JSON column change.
    ctx.state.data = {**ctx.state.data, **values}


@router.command("broadcast")
async def start(ctx: Context) -> None:
    """A coordinator wants to send a call for volunteers."""
    await _scope(ctx)
    ctx.finish()
    ctx.go(FLOW, Step.NOTICE)
    ctx.say(ctx.t("broadcast_compose.ask_notice"))


# ---- the notice -------------------------------------------------------------------------------


@router.step(FLOW, Step.NOTICE)
async def receive_notice(ctx: Context) -> None:
    """The coordinator typed the notice, or sent a photo (with its text, if the app carried it)."""
    if ctx.event.photo_id is not None:
        await receive_photo(ctx)
        return
    text = outbox.check_text(typed_text(ctx, "broadcast_compose.notice_as_text"), photo=False)
    _keep(ctx, text=text, photo_id=None)
    await ask_activity(ctx)


async def receive_photo(ctx: Context) -> None:
    _keep(ctx, photo_id=ctx.event.photo_id)
    if ctx.event.caption:
        _keep(ctx, text=outbox.check_text(ctx.event.caption, photo=True))
        await ask_activity(ctx)
        return
    ctx.go(FLOW, Step.CAPTION)
    ctx.say(ctx.t("broadcast_compose.ask_caption", limit=outbox.CAPTION_MAX))


@router.step(FLOW, Step.CAPTION)
async def receive_caption(ctx: Context) -> None:
    """The coordinator typed the text to go under their photo (or sent another photo)."""
    if ctx.event.photo_id is not None:
        await receive_photo(ctx)
        return
    text = typed_text(ctx, "broadcast_compose.caption_as_text")
    _keep(ctx, text=outbox.check_text(text, photo=True))
    await ask_activity(ctx)


# ---- the activity -----------------------------------------------------------------------------


async def _activities(ctx: Context, scope: Scope, *, past: bool) -> list[Activity]:
    return await audiences.activities_in(
        ctx.session, scope, now=ctx.clock.now(), past=past, limit=LISTED
    )


async def ask_activity(ctx: Context) -> None:
    ctx.go(FLOW, Step.ACTIVITY)
    upcoming = await _activities(ctx, await _scope(ctx), past=False)
    buttons = [ctx.button(activity.title, "bcn.act", activity.id) for activity in upcoming]
    buttons.append(ctx.button(ctx.t("broadcast_compose.no_activity"), "bcn.no_act"))
    ctx.say(ctx.t("broadcast_compose.ask_activity"), keyboard(*in_rows(buttons, 1)))


@router.button("bcn.act")
async def pick_activity(ctx: Context, press: Press) -> None:
    """The coordinator linked the call to one of their upcoming activities."""
    upcoming = {a.id: a for a in await _activities(ctx, await _scope(ctx), past=False)}
    activity_id = chosen_id(press, set(upcoming))
    if activity_id is None:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    _keep(ctx, activity_id=activity_id)
    title = upcoming[activity_id].title
    ctx.edit_pressed(ctx.t("broadcast_compose.activity_chosen", title=title))
    await ask_audience(ctx)


@router.button("bcn.no_act")
async def no_activity(ctx: Context, press: Press) -> None:
    """The call is about no activity in particular."""
    _keep(ctx, activity_id=None)
    ctx.edit_pressed(ctx.t("broadcast_compose.activity_none"))
    await ask_audience(ctx)


# ---- the audience -----------------------------------------------------------------------------


def _kinds(scope: Scope) -> list[AudienceKind]:
    """The audiences the caller may choose: everyone is for admins only."""
    return [kind for kind in AUDIENCE_KINDS if scope.admin or kind != "everyone"]


async def _audience_question(ctx: Context) -> tuple[str, InlineKeyboard | None]:
    ctx.go(FLOW, Step.AUDIENCE)
    buttons = [
        ctx.button(ctx.t(f"broadcast_compose.kind_{kind}"), "bcn.kind", kind)
        for kind in _kinds(await _scope(ctx))
    ]
    return ctx.t("broadcast_compose.ask_audience"), keyboard(*in_rows(buttons, 1))


async def ask_audience(ctx: Context) -> None:
    ctx.say(*await _audience_question(ctx))


@router.button("bcn.kind")
async def pick_kind(ctx: Context, press: Press) -> None:
    """The coordinator chose whom the call is for: everyone, or chosen ones of a kind."""
    scope = await _scope(ctx)
    kind = press.args[0] if press.args else ""
    if kind == "everyone":
        await audiences.check_audience(ctx.session, Audience("everyone"), scope)
        _keep(ctx, kind=kind, ids=[])
        ctx.edit_pressed(ctx.t("broadcast_compose.audience_everyone"))
        await show_preview(ctx)
        return
    if kind not in _kinds(scope):
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    if not await _choices(ctx, kind, scope):
        ctx.answer(ctx.t("broadcast_compose.none_to_choose"), alert=True)
        return
    _keep(ctx, kind=kind, ids=[])
    ctx.go(FLOW, Step.CHOICES)
    ctx.edit_pressed(*await _toggles(ctx, scope))


async def _choices(ctx: Context, kind: str, scope: Scope) -> dict[int, str]:
    """What an audience of this kind is chosen from, by id, with the names the buttons show."""
    if kind == "teams":
        teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
        return {team.id: team.name for team in teams}
    if kind == "districts":
        return {d.id: d.name(ctx.lang) for d in await volunteers.districts(ctx.session)}
    if kind == "themes":
        return {t.id: t.name(ctx.lang) for t in await volunteers.themes(ctx.session)}
    activities = await _activities(ctx, scope, past=kind == "served")
    return {activity.id: activity.title for activity in activities}


async def _toggles(ctx: Context, scope: Scope) -> tuple[str, InlineKeyboard | None]:
    kind, chosen = ctx.state.data["kind"], set(ctx.state.data["ids"])
    buttons = [
        ctx.button(
            ctx.t("broadcast_compose.chosen", name=name) if id_ in chosen else name, "bcn.pick", id_
        )
        for id_, name in (await _choices(ctx, kind, scope)).items()
    ]
    rows = in_rows(buttons, PER_ROW[kind])
    back = ctx.button(ctx.t("broadcast_compose.back"), "bcn.kinds")
    done = ctx.button(ctx.t("broadcast_compose.done"), "bcn.done")
    return ctx.t(f"broadcast_compose.choose_{kind}"), keyboard(*rows, [back, done])


@router.button("bcn.pick")
async def toggle(ctx: Context, press: Press) -> None:
    """The coordinator ticked one to reach, or unticked it."""
    scope = await _scope(ctx)
    chosen_from = await _choices(ctx, ctx.state.data["kind"], scope)
    picked = chosen_id(press, set(chosen_from))
    if picked is None:
        ctx.answer(ctx.t("general.button_invalid"), alert=True)
        return
    ids = set(ctx.state.data["ids"]) ^ {picked}
    _keep(ctx, ids=sorted(ids))
    ctx.edit_pressed(*await _toggles(ctx, scope))


@router.button("bcn.kinds")
async def other_kind(ctx: Context, press: Press) -> None:
    """The coordinator wants another kind of audience."""
    ctx.edit_pressed(*await _audience_question(ctx))


@router.button("bcn.done")
async def chosen(ctx: Context, press: Press) -> None:
    """The coordinator has chosen whom to reach."""
    scope, audience = await _scope(ctx), _audience(ctx)
    await audiences.check_audience(ctx.session, audience, scope)
    names = await _choices(ctx, audience.kind, scope)
    listed = ctx.t("broadcast_compose.separator").join(names.get(i, "—") for i in audience.ids)
    ctx.edit_pressed(ctx.t(f"broadcast_compose.audience_{audience.kind}", names=listed))
    await show_preview(ctx)


# ---- the preview ------------------------------------------------------------------------------


async def _linked(ctx: Context) -> Activity | None:
    activity_id = ctx.state.data.get("activity_id")
    return await ctx.session.get(Activity, activity_id) if activity_id else None


def _audience(ctx: Context) -> Audience:
    return Audience.from_json({"kind": ctx.state.data["kind"], "ids": ctx.state.data["ids"]})


async def _reach(ctx: Context, scope: Scope) -> int:
    activity = await _linked(ctx)
    theme_id = activity.theme_id if activity else None
    return await audiences.count(ctx.session, _audience(ctx), scope, theme_id)


async def show_preview(ctx: Context) -> None:
    """The notice exactly as volunteers will get it, then how many it reaches."""
    ctx.go(FLOW, Step.PREVIEW)
    scope, data = await _scope(ctx), ctx.state.data
    shown = Broadcast(text=data["text"], photo_id=data.get("photo_id"))  # never saved
    activity, chat_id = await _linked(ctx), ctx.event.chat_id
    notice = progress.notice(
        ctx.texts, ctx.lang, shown, chat_id, activity=activity, bot_username=ctx.bot_username
    )
    ctx.outbox.add(notice)
    count = await _reach(ctx, scope)
    _keep(ctx, count=count)
    if count == 0:
        ctx.say(*_nobody(ctx))
        return
    now = ctx.button(ctx.t("broadcast_compose.send_now"), "bcn.now")
    later = ctx.button(ctx.t("broadcast_compose.send_later"), "bcn.later")
    ctx.say(
        ctx.t("broadcast_compose.reach", count=count), keyboard([now, later], _again_or_drop(ctx))
    )


def _again_or_drop(ctx: Context) -> list[InlineButton]:
    return [
        ctx.button(ctx.t("broadcast_compose.start_again"), "bcn.again"),
        ctx.button(ctx.t("broadcast_compose.drop"), "bcn.drop"),
    ]


def _nobody(ctx: Context) -> tuple[str, InlineKeyboard | None]:
    """Nobody can get the call: it cannot be sent, only composed again or dropped."""
    return ctx.t("broadcast_compose.reach_nobody"), keyboard(_again_or_drop(ctx))


@router.button("bcn.again")
async def start_again(ctx: Context, press: Press) -> None:
    """The coordinator wants to compose the call afresh."""
    ctx.finish()
    ctx.go(FLOW, Step.NOTICE)
    ctx.edit_pressed(ctx.t("broadcast_compose.again"))
    ctx.say(ctx.t("broadcast_compose.ask_notice"))


@router.button("bcn.drop")
async def drop(ctx: Context, press: Press) -> None:
    """The coordinator changed their mind: nothing is kept."""
    ctx.finish()
    ctx.edit_pressed(ctx.t("broadcast_compose.dropped"))


@router.step(FLOW, *BUTTON_STEPS)
async def typed_at_a_button_step(ctx: Context) -> None:
    """The coordinator typed where the question wants a button."""
    ctx.say(ctx.t("broadcast_compose.use_buttons"))
