"""/delete_me: anyone erases what the bot holds about them, after confirming — a registered
volunteer, someone half-way through registering, a resident who asked for help."""

from __future__ import annotations

from handlers.activities import offers
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.registration.register import Answer
from handlers.router import Router
from models.registration import erasure

router = Router()


@router.command("delete_me")
async def ask_to_confirm(ctx: Context) -> None:
    """The user asked to erase their data: say what it means and ask to confirm."""
    if ctx.volunteer is not None:
        ctx.finish()  # buttons of any earlier question become stale
        question = "erase.confirm"
    else:
        # Someone registering keeps their answers if they call it off; /start goes on.
        question = "erase.confirm_unregistered"
    ctx.say(
        ctx.t(question),
        keyboard(
            [ctx.button(ctx.t("erase.yes_button"), ConfirmErasure(Answer.YES))],
            [ctx.button(ctx.t("erase.no_button"), ConfirmErasure(Answer.NO))],
        ),
    )


class ConfirmErasure(Button, action="erase"):
    """The user confirmed erasing their data (yes), or called it off (no)."""

    answer: Answer


@router.button(ConfirmErasure)
async def answer(ctx: Context, erasure_answer: ConfirmErasure) -> None:
    """The user confirmed or called off the erasure."""
    if erasure_answer.answer is not Answer.YES:
        ctx.edit_pressed(ctx.t("erase.kept"))
        return
    done = ctx.t("erase.done")  # in their language, while it is still known
    erased = await erasure.erase(
        ctx.session, ctx.user_id, now=ctx.clock.now(), policy=ctx.deployment.signup
    )
    ctx.volunteer = None
    ctx.edit_pressed(done)
    for vacancy in erased.vacancies:
        await offers.announce(ctx, vacancy)
