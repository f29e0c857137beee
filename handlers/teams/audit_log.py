"""/audit, for admins: the newest entries of the audit log (who, what, when), filtered by area
with buttons and by the person who acted (`/audit 123456789`), a page at a time."""

from __future__ import annotations

from handlers import formatting
from handlers.callbacks import Press
from handlers.context import Context, in_rows, keyboard
from handlers.router import Router
from models import audit
from models.audit import AuditEntry
from models.errors import InvalidInput, NotAllowed
from models.teams import roles

router = Router()
PAGE = 20
ALL = "all"


async def _require_admin(ctx: Context) -> None:
    if not await roles.is_admin(ctx.session, ctx.user_id, ctx.deployment.admin_ids):
        raise NotAllowed("not_admin")


@router.command("audit")
async def show_log(ctx: Context) -> None:
    """An admin asked for the audit log (optionally of one person, by Telegram id)."""
    await _require_admin(ctx)
    typed = ctx.event.command_args.strip()
    if typed and not typed.isdigit():
        raise InvalidInput("audit_actor_format")
    await _page(ctx, ALL, int(typed) if typed else 0, 0)


@router.button("au.page", lasting=True)
async def page(ctx: Context, press: Press) -> None:
    """The admin chose an area, or asked for older entries."""
    await _require_admin(ctx)
    area, actor, before = press.args[0], int(press.args[1]), int(press.args[2])
    if area != ALL and area not in audit.AREAS:
        raise InvalidInput("audit_area_unknown")
    await _page(ctx, area, actor, before)


async def _page(ctx: Context, area: str, actor: int, before: int) -> None:
    found = await audit.entries(
        ctx.session,
        area=None if area == ALL else area,
        actor=actor or None,
        before_id=before or None,
        limit=PAGE,
    )
    title = ctx.t(f"audit.area_{area}")
    lines = [ctx.t("audit.header", area=title, actor=actor) if actor else title]
    lines += [_line(ctx, entry) for entry in found] or [ctx.t("audit.empty")]
    b = ctx.lasting_button
    areas = [b(ctx.t(f"audit.area_{a}"), "au.page", a, actor, 0) for a in (ALL, *audit.AREAS)]
    rows = in_rows(areas, 3)
    if len(found) == PAGE:
        rows.append([b(ctx.t("audit.older"), "au.page", area, actor, found[-1].id)])
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
