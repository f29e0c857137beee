"""/delete_me: a volunteer erases their personal data, after confirming."""

from __future__ import annotations

from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.registration.register import Answer
from handlers.router import Router
from models.registration import volunteers

router = Router()


@router.command("delete_me", registered=True)
async def ask_to_confirm(ctx: Context) -> None:
    """The user asked to erase their data: say what it means and ask to confirm."""
    ctx.finish()  # buttons of any earlier question become stale
    ctx.say(
        ctx.t("erase.confirm"),
        keyboard(
            [ctx.button(ctx.t("erase.yes_button"), ConfirmErasure(Answer.YES))],
            [ctx.button(ctx.t("erase.no_button"), ConfirmErasure(Answer.NO))],
        ),
    )


class ConfirmErasure(Button, action="erase"):
    """The volunteer confirmed erasing their data (yes), or called it off (no)."""

    answer: Answer


@router.button(ConfirmErasure, registered=True, refusal="erase_not_registered")
async def answer(ctx: Context, erasure: ConfirmErasure) -> None:
    """The user confirmed or called off the erasure."""
    if erasure.answer is not Answer.YES:
        ctx.edit_pressed(ctx.t("erase.kept"))
        return
    await volunteers.erase(ctx.session, ctx.registered_volunteer, ctx.clock.now())
    ctx.volunteer = None
    ctx.state.language = None
    ctx.finish()
    ctx.edit_pressed(ctx.t("erase.done"))
