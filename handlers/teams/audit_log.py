"""/audit, for admins: the newest entries of the audit log (who, what, when), filtered by area
with buttons and by the person who acted (`/audit 123456789`), a page at a time."""

from __future__ import annotations

from enum import StrEnum

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.router import Router
from models import audit
from models.audit import AuditEntry
from models.errors import InvalidInput
from models.numbers import whole_number
from models.teams.tables import Role

TELEGRAM_ID_DIGITS = 16  # Telegram's ids fit in 52 bits

router = Router()
PAGE = 20


class Area(StrEnum):
    """What the log shows: all of it, or one of its areas (`models.audit.AREAS`)."""

    ALL = "all"
    ROLES = "roles"
    ACTIVITIES = "activities"
    SIGNUPS = "signups"
    HOURS = "hours"
    VOLUNTEERS = "volunteers"
    EXPORTS = "exports"
    HELP = "help"


@router.command("audit", menu=20, role=Role.ADMIN)
async def show_log(ctx: Context) -> None:
    """An admin asked for the audit log (optionally of one person, by Telegram id)."""
    typed = ctx.event.command_args.strip()
    actor = whole_number(typed, digits=TELEGRAM_ID_DIGITS) if typed else 0
    if actor is None:
        raise InvalidInput("audit_actor_format")
    await _page(ctx, Area.ALL, actor, 0)


class ShowAuditPage(Button, action="au.page", lasting=True):
    """The admin chose an area of the log, or asked for older entries (0: none given)."""

    area: Area
    actor: int
    before: int


@router.button(ShowAuditPage, role=Role.ADMIN)
async def page(ctx: Context, view: ShowAuditPage) -> None:
    """The admin chose an area, or asked for older entries."""
    if view.area is not Area.ALL and view.area not in audit.AREAS:
        raise InvalidInput("audit_area_unknown")
    await _page(ctx, view.area, view.actor, view.before)


async def _page(ctx: Context, area: Area, actor: int, before: int) -> None:
    found = await audit.entries(
        ctx.session,
        area=None if area is Area.ALL else str(area),
        actor=actor or None,
        before_id=before or None,
        limit=PAGE,
    )
    title = ctx.t(f"audit.area_{area}")
    lines = [ctx.t("audit.header", area=title, actor=actor) if actor else title]
    lines += [_line(ctx, entry) for entry in found] or [ctx.t("audit.empty")]
    b = ctx.button
    areas = [
        b(ctx.t(f"audit.area_{a}"), ShowAuditPage(a, actor, 0))
        for a in (Area.ALL, *map(Area, audit.AREAS))
    ]
    rows = in_rows(areas, 3)
    if len(found) == PAGE:
        rows.append([b(ctx.t("audit.older"), ShowAuditPage(area, actor, found[-1].id))])
    ctx.say("\n".join(lines), keyboard(*rows))


def _line(ctx: Context, entry: AuditEntry) -> str:
    when = formatting.moment(ctx.texts, ctx.lang, entry.at, ctx.deployment.zone)
    return ctx.t(
        "audit.line",
        when=when,
        actor=entry.actor_telegram_id if entry.actor_telegram_id is not None else "—",
        action=entry.action,
        target=f"{entry.target_type} #{entry.target_id}" if entry.target_id else entry.target_type,
    )
