"""The rota, for coordinators (/rota, or 🔁 on an activity's management card): the rule, who
holds the standing slot, and who covers each coming date, with the gaps marked; and dates the
rota skips (an exception date: a holiday, the venue closed), whose shift, if made already, is
cancelled and its people told. Uncovered dates need nothing here to be alerted: they are
ordinary shifts, so the coordinators' alert for short shifts (`handlers.reminders`) covers them.
"""

from __future__ import annotations

from enum import StrEnum

from handlers import formatting
from handlers.callbacks import OnActivity
from handlers.context import Context, keyboard
from handlers.flows import Flow
from handlers.publishing import activity_plan
from handlers.publishing import edit_activity as editing
from handlers.rotas import rule_flow, wording
from handlers.router import Router
from models import dates
from models.activities.tables import Activity
from models.errors import Conflict
from models.publishing import publication
from models.rotas import roster, rules
from models.rotas.tables import RotaRule
from models.teams import roles
from models.teams.tables import Role

router = Router()


@router.command("rota", menu=25, role=Role.COORDINATOR, refusal="rota_not_coordinator")
async def list_rotas(ctx: Context) -> None:
    """A coordinator asked for their teams' rotas."""
    teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    found = await roster.recurring(ctx.session, [team.id for team in teams])
    if not found:
        ctx.say(ctx.t("rotas.list_none"))
        return
    choices = ctx.choices({a.id: a.title[:40] for a in found}, ShowRota)
    ctx.say(ctx.t("rotas.list_header"), keyboard(*choices))


class ShowRota(OnActivity, action="rota.show", lasting=True):
    """A coordinator opens an activity's rota (from /rota or its management card)."""


@router.button(ShowRota)
async def show(ctx: Context, opened: ShowRota) -> None:
    """The coordinator opened an activity's rota."""
    activity = await editing.managed_activity(ctx, opened.activity_id)
    rule = await rules.rule_of(ctx.session, activity.id)
    if rule is None:
        ctx.say(
            ctx.t("rotas.not_recurring", title=activity.title),
            keyboard(
                [ctx.button(ctx.t("rotas.make_recurring"), rule_flow.MakeRecurring(activity.id))]
            ),
        )
        return
    await say_rota(ctx, activity, rule)


async def say_rota(ctx: Context, activity: Activity, rule: RotaRule) -> None:
    """The rota: its rule, the standing slot's holders, and each coming date's cover."""
    lines = [
        ctx.t(
            "rotas.view_header",
            title=activity.title,
            rule=wording.rule_text(ctx.texts, ctx.lang, rules.plan_of(rule)),
            capacity=rule.capacity,
        )
    ]
    holders = await roster.holders(ctx.session, rule.id)
    if holders:
        lines.append(ctx.t("rotas.holders", names=formatting.joined(ctx.texts, ctx.lang, holders)))
    else:
        lines.append(ctx.t("rotas.holders_none"))
    lines.append("")
    coming = await roster.coming(ctx.session, rule, now=ctx.clock.now())
    for date_ in coming:
        when = formatting.when(ctx.texts, ctx.lang, date_.shift, ctx.deployment.zone)
        names = formatting.joined(ctx.texts, ctx.lang, date_.names) or ctx.t("rotas.nobody")
        if date_.gap:
            lines.append(ctx.t("rotas.date_gap", when=when, names=names, gap=date_.gap))
        else:
            lines.append(ctx.t("rotas.date_covered", when=when, names=names))
    if not coming:
        lines.append(ctx.t("rotas.no_dates"))
    ctx.say(
        "\n".join(lines),
        keyboard(
            [ctx.button(ctx.t("rotas.add_exception"), AddException(activity.id))],
            [ctx.button(ctx.t("rotas.change_rule"), rule_flow.MakeRecurring(activity.id))],
        ),
    )


# ---- a date the rota skips ---------------------------------------------------------------


class ExceptionStep(StrEnum):
    DAY = "day"


ROTA_EXCEPTION = Flow("rota_exception", ExceptionStep, starts=(ExceptionStep.DAY,), moves={})


class AddException(OnActivity, action="rota.skip_day", lasting=True):
    """A coordinator wants the rota to skip a date."""


@router.button(AddException)
async def start_exception(ctx: Context, adding: AddException) -> None:
    """The coordinator tapped "skip a date" on the rota."""
    activity = await editing.managed_activity(ctx, adding.activity_id)
    await _rule(ctx, activity)
    await ROTA_EXCEPTION.begin(ctx, ExceptionStep.DAY, activity_id=activity.id)


@ROTA_EXCEPTION.asks(ExceptionStep.DAY)
async def ask_day(ctx: Context) -> None:
    ctx.say(ctx.t("rotas.ask_exception"))


@router.step(ROTA_EXCEPTION, ExceptionStep.DAY)
async def receive_day(ctx: Context) -> None:
    """The coordinator typed the date to skip: it is kept, and its shift (if made) cancelled."""
    activity = await editing.current_activity(ctx)
    rule = await _rule(ctx, activity)
    typed = activity_plan.typed_text(ctx, "rotas.ask_exception")
    today = formatting.today(ctx.clock.now(), ctx.deployment.zone)
    day = dates.parse_day(typed, today=today)
    now = ctx.clock.now()
    shift_id = await rules.add_exception(ctx.session, rule, day, actor=ctx.user_id, now=now)
    ctx.finish()
    shown = formatting.calendar_day(ctx.texts, ctx.lang, day)
    if shift_id is None:
        ctx.say(ctx.t("rotas.exception_saved", day=shown))
        return
    shift, _ = await publication.managed_shift(
        ctx.session, ctx.user_id, shift_id, ctx.deployment.admin_ids
    )
    people = await publication.cancel_shifts(
        ctx.session, activity, [shift_id], actor=ctx.user_id, reason="rota exception", now=now
    )
    editing.tell(ctx, people, [shift], "rotas.exception_notice", title=activity.title)
    ctx.say(ctx.t("rotas.exception_cancelled", day=shown, count=len(people)))


async def _rule(ctx: Context, activity: Activity) -> RotaRule:
    rule = await rules.rule_of(ctx.session, activity.id)
    if rule is None:
        raise Conflict("not_recurring")
    return rule
