"""Offers of freed places: the first person waiting gets Accept / Decline buttons; when a place
stays free with nobody waiting, the team's coordinators are told, with a one-tap recruitment call.

`announce` is called wherever places are freed: a volunteer cancelling or declining, a
coordinator adding places, an offer expiring (the scheduler).
"""

from __future__ import annotations

from handlers.callbacks import OnSignup
from handlers.context import Context
from handlers.notify import Notifier, notifier
from handlers.publishing import manage
from handlers.router import Router
from models.activities import offers
from models.activities.signup import Vacancy
from models.activities.tables import Activity
from models.registration.tables import Volunteer
from models.teams import roles

router = Router()


async def announce(source: Context | Notifier, vacancy: Vacancy) -> None:
    """Send the offers a vacancy made, and tell the coordinators about places nobody waits for."""
    notify = source if isinstance(source, Notifier) else notifier(source)
    if not vacancy.offers and not vacancy.unfilled:
        return
    activity = await notify.session.get(Activity, vacancy.shift.activity_id)
    assert activity is not None
    for offer in vacancy.offers:
        volunteer = await notify.session.get(Volunteer, offer.volunteer_id)
        if volunteer is None or volunteer.telegram_id is None or not volunteer.reachable:
            continue  # the scheduler lets the offer lapse and passes it on
        assert offer.offer_expires_at is not None
        language, telegram_id = volunteer.language, volunteer.telegram_id
        notify.send(
            telegram_id,
            notify.text(
                language,
                "offers.offer",
                title=activity.title,
                when=notify.when(language, vacancy.shift),
                until=notify.moment(language, offer.offer_expires_at),
            ),
            [
                notify.button(telegram_id, language, "offers.accept", AcceptOffer(offer.id)),
                notify.button(telegram_id, language, "offers.decline", DeclineOffer(offer.id)),
            ],
        )
    if vacancy.unfilled:
        await _tell_coordinators(notify, activity, vacancy)


async def _tell_coordinators(notify: Notifier, activity: Activity, vacancy: Vacancy) -> None:
    for telegram_id in await roles.coordinator_ids(notify.session, activity.team_id):
        language = await notify.language_of(telegram_id)
        notify.send(
            telegram_id,
            notify.text(
                language,
                "offers.unfilled",
                count=vacancy.unfilled,
                title=activity.title,
                when=notify.when(language, vacancy.shift),
            ),
            [
                notify.button(
                    telegram_id,
                    language,
                    "offers.recruit",
                    manage.RecruitForShift(vacancy.shift.id),
                )
            ],
        )


class AcceptOffer(OnSignup, action="offer.yes", lasting=True):
    """The volunteer takes the place offered to them."""


@router.button(AcceptOffer, registered=True, refusal="offer_not_registered")
async def accept(ctx: Context, offer: AcceptOffer) -> None:
    """The volunteer took the place they were offered."""
    await ctx.apply_signup_rule(offers.accept_offer, offer.signup_id)
    ctx.edit_pressed(ctx.t("offers.accepted"))


class DeclineOffer(OnSignup, action="offer.no", lasting=True):
    """The volunteer passes the place offered to them on to the next person waiting."""


@router.button(DeclineOffer, registered=True, refusal="offer_not_registered")
async def decline(ctx: Context, offer: DeclineOffer) -> None:
    """The volunteer passed the place on to the next person waiting."""
    vacancy = await ctx.apply_signup_rule(offers.decline_offer, offer.signup_id)
    ctx.edit_pressed(ctx.t("offers.declined"))
    await announce(ctx, vacancy)
