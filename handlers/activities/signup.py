"""Signing up: one tap on a shift takes a place, or a place in the waiting list when it is
full; the card is redrawn with the new figures."""

from __future__ import annotations

from handlers import formatting
from handlers.activities import browse
from handlers.callbacks import OnShift
from handlers.context import Context
from handlers.help_requests import triage
from handlers.notify import notifier
from handlers.router import Router
from models.activities import signup
from models.activities.signup import Placed
from models.help_requests import tables

router = Router()


class SignUp(OnShift, action="su.join", lasting=True):
    """The volunteer takes a place on a shift, or a place in its waiting list when it is full
    (on activity cards, and in coordinators' calls for volunteers)."""


@router.button(SignUp, registered=True, refusal="signup_not_registered")
async def sign_up(ctx: Context, choice: SignUp) -> None:
    """The volunteer tapped a shift on an activity card."""
    placed = await ctx.apply_signup_rule(signup.sign_up, choice.shift_id)
    shift, activity = placed.shift, placed.activity
    when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
    # browse makes the sign-up buttons and this redraws its card: each imports the other's
    # module, not its names, so either may be imported first.
    await browse.show_card(ctx, activity, edit=True)
    await tell_requester(ctx, placed)
    if placed.position is None:
        ctx.say(ctx.t("signup.confirmed", title=activity.title, when=when))
    else:
        ctx.say(ctx.t("signup.waiting", title=activity.title, when=when, position=placed.position))


async def tell_requester(ctx: Context, placed: Placed) -> None:
    """A volunteer took a place on a shift: when its activity was made from a help request, the
    resident who asked is told. The sign-up handlers call this after each sign-up."""
    if placed.position is not None:
        return
    shift = placed.shift
    request = await tables.for_activity(ctx.session, shift.activity_id)
    if request is None:
        return
    notify = notifier(ctx)
    language = await triage.requester_language(notify, request.requester_telegram_id)
    count = await tables.coming(ctx.session, shift.activity_id)
    when = notify.when(language, shift)
    await triage.tell_requester(
        notify, request, "help_requests.told_signup", when=when, count=count
    )
