"""Checking out of a shift: the button on the reminder sent to a volunteer who is still checked
in after their shift ended. The check-out time starts their service record."""

from __future__ import annotations

from handlers import formatting
from handlers.callbacks import Press
from handlers.context import Context
from handlers.router import Router
from models import attendance
from models.errors import NotAllowed

router = Router()


@router.button("att.out", lasting=True)
async def check_out(ctx: Context, press: Press) -> None:
    """The volunteer checked out."""
    if ctx.volunteer is None:
        raise NotAllowed("not_your_signup")
    record = await attendance.check_out(
        ctx.session, ctx.volunteer, int(press.args[0]), now=ctx.clock.now()
    )
    assert record.checked_out_at is not None
    at = formatting.moment(ctx.texts, ctx.lang, record.checked_out_at, ctx.deployment.zone)
    ctx.edit_pressed(ctx.t("attendance.checked_out", at=at))
