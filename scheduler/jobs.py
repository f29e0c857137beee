"""Timed and background work that no update triggers: duty rotas' coming dates made into
shifts, reminders before shifts, offers that expire, sign-up closing at its deadline,
coordinators' alerts and digests, group cards whose figures changed, and registrations
abandoned half-way, forgotten after 30 days. Each job runs in its own short transaction and
sends only after committing.

`Jobs.run_due()` runs everything that is due once; tests call it directly after moving the clock.
The runner calls `run_timed()` (all but reminders) on an interval, and sends reminders in a loop of
their own that sleeps until the next one falls due (`next_reminder_in`): a reminder goes out when
it is due, not at the next tick, and a long run of them holds up no other job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.activities import cards, closing, links, offers
from handlers.attendance import hours_review
from handlers.events import EditMessage, InlineButton, InlineKeyboard, Outbox, SendMessage
from handlers.notify import Notifier
from handlers.reminders import coordinator_alerts
from handlers.reminders.before_shift import remind
from handlers.services import Services
from models.activities import groups, signup
from models.activities.closing import close_due
from models.activities.groups import GroupCard
from models.activities.offers import expire_offers
from models.attendance.hours_review import mark_no_shows
from models.db import WrittenTogether, writing
from models.publishing import publication
from models.registration import erasure
from models.registration.tables import Volunteer
from models.reminders import before_shift
from models.reminders.before_shift import Outcome
from models.reminders.coordinator_alerts import digests_due, short_shifts
from models.reminders.tables import ReminderStatus
from models.rotas import generation

log = logging.getLogger(__name__)

# One edit per card, and per group, every 3 s stays within Telegram's 20 messages a minute
# to one group (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
CARD_EDIT_INTERVAL = timedelta(seconds=3)
CARDS_PER_RUN = 50
REMINDER_BATCH = 200
REMINDER_BATCHES_PER_RUN = 25
CONCURRENT_SENDS = 16
ALERTS_EVERY = timedelta(minutes=1)
DRAFTS_EVERY = timedelta(hours=1)  # a draft kept 30 days may well be kept an hour more
ROTAS_EVERY = timedelta(hours=1)  # rotas are made weeks ahead: an hour late costs nothing


@dataclass
class Jobs:
    services: Services

    def __post_init__(self) -> None:
        # Reminders go out concurrently; the adapter waits out Telegram's flood control.
        self._sending = asyncio.Semaphore(CONCURRENT_SENDS)
        self._next_alerts: datetime | None = None
        self._next_drafts: datetime | None = None
        self._next_rotas: datetime | None = None
        # Reminders are settled as their sends return, those that return together in one write.
        self._settled = WrittenTogether(
            self.services.sessions,
            before_shift.settle,
            "reminders %s: could not record how they ended; sent again once their lease ends",
        )

    async def run_due(self) -> None:
        """Everything that is due now, reminders included."""
        await self.run_timed()
        await self.send_reminders()

    async def run_timed(self) -> None:
        """Everything due now but reminders."""
        await self.services.button_signer()  # made outside the jobs' transactions, once
        await self.make_rota_shifts()
        await self.expire_offers()
        await self.close_signups()
        await self.mark_no_shows()
        await self.alert_coordinators()
        await self.refresh_cards()
        await self.expire_drafts()

    async def _notifier(self, session: AsyncSession, outbox: Outbox) -> Notifier:
        return Notifier(session, self.services, await self.services.button_signer(), outbox)

    async def send_reminders(self) -> int:
        """Send the reminders that are due, a batch at a time, each exactly once across
        processes (claimed with a lease); those no longer useful are recorded as missed. Each
        is settled as soon as its send returns, so a process stopped mid-batch leaves only the
        sends then in flight to be sent again."""
        sent = 0
        for _ in range(REMINDER_BATCHES_PER_RUN):
            claimed = await self._claim_reminders()
            if not claimed:
                break
            results = await asyncio.gather(
                *(self._deliver(reminder_id, outbox) for reminder_id, outbox in claimed)
            )
            sent += sum(results)
        return sent

    async def next_reminder_in(self, most_s: float) -> float:
        """Seconds until the next pending reminder falls due, from 0 (due now) to `most_s` (none
        sooner; reminders planned meanwhile are looked for then)."""
        d = self.services
        async with d.sessions() as session:
            due = await before_shift.next_due(session)
        if due is None:
            return most_s
        return min(max((due - d.clock.now()).total_seconds(), 0.0), most_s)

    async def _claim_reminders(self) -> list[tuple[int, Outbox]]:
        """Claim a batch (committed at once, so other processes skip it) and build each message;
        the ones not worth sending any more are settled as missed straight away."""
        d = self.services
        now = d.clock.now()
        async with writing(d.sessions) as session:
            ids = await before_shift.claim_due(session, now=now, limit=REMINDER_BATCH)
        if not ids:
            return []
        work, missed = [], []
        async with d.sessions() as session:  # reads only
            notify = await self._notifier(session, Outbox())
            for due in await before_shift.load_claimed(session, ids, now=now):
                if due.send:
                    work.append((due.reminder.id, remind(notify, due)))
                else:
                    missed.append(Outcome(due.reminder.id, ReminderStatus.MISSED, now))
        if missed:
            async with writing(d.sessions) as session:
                await before_shift.settle(session, missed)
        return work

    async def _deliver(self, reminder_id: int, outbox: Outbox) -> bool:
        async with self._sending:
            first, *rest = outbox.actions
            delivered = await self.services.send.perform(first) is not None
            if delivered:
                for action in rest:
                    await self.services.send.perform(action)
        status = ReminderStatus.SENT if delivered else ReminderStatus.MISSED
        await self._settled.add(Outcome(reminder_id, status, self.services.clock.now()))
        return delivered

    async def _tell(self, work: Callable[[AsyncSession, Notifier], Awaitable[int]]) -> int:
        """Run `work` in one transaction with a notifier, then send what it wrote (after the
        commit, so nobody hears of a change that was rolled back); how many it handled."""
        d = self.services
        outbox = Outbox()
        async with writing(d.sessions) as session:
            done = await work(session, await self._notifier(session, outbox))
        await self._send(outbox)
        return done

    async def expire_offers(self) -> int:
        """Lapse offers nobody answered, tell those people, and offer the places on."""
        d = self.services

        async def work(session: AsyncSession, notify: Notifier) -> int:
            expired = await expire_offers(session, now=d.clock.now(), policy=d.deployment.signup)
            for lapse in expired:
                await _tell_expired(notify, lapse.signup.volunteer_id, lapse.vacancy)
                await offers.announce(notify, lapse.vacancy)
            return len(expired)

        return await self._tell(work)

    async def close_signups(self) -> int:
        """Close sign-up where its deadline (or the shift's start) has come, and tell the people
        still waiting that no place came free."""
        d = self.services

        async def work(session: AsyncSession, notify: Notifier) -> int:
            closed = await close_due(session, now=d.clock.now())
            for item in closed:
                await closing.tell_turned_away(notify, item)
            return len(closed)

        return await self._tell(work)

    async def mark_no_shows(self) -> int:
        """Mark those who never checked in as no-shows once the check-in window has closed, and
        tell them how to have it corrected."""
        d = self.services

        async def work(session: AsyncSession, notify: Notifier) -> int:
            marked = await mark_no_shows(session, now=d.clock.now(), policy=d.deployment.attendance)
            for no_show in marked:
                await hours_review.tell_no_show(notify, no_show)
            return len(marked)

        return await self._tell(work)

    async def alert_coordinators(self) -> int:
        """Alert coordinators to shifts short of people and send the daily digests; looked for
        once a minute (each alert goes out once whatever the pace)."""
        d = self.services
        now = d.clock.now()
        if self._next_alerts is not None and now < self._next_alerts:
            return 0
        self._next_alerts = now + ALERTS_EVERY
        policy = d.deployment.alerts

        async def work(session: AsyncSession, notify: Notifier) -> int:
            shorts = await short_shifts(session, now=now, policy=policy)
            for short in shorts:
                await coordinator_alerts.short_of_people(notify, short)
            digests = await digests_due(session, now=now, policy=policy, zone=d.deployment.zone)
            for digest in digests:
                await coordinator_alerts.digest(notify, digest)
            return len(shorts) + len(digests)

        return await self._tell(work)

    async def make_rota_shifts(self) -> int:
        """Make duty rotas' dates within the coming weeks into shifts, with the holders of
        standing slots signed up (their reminders follow); looked for hourly, and each date is
        made once whichever process gets there first."""
        d = self.services
        now = d.clock.now()
        if self._next_rotas is not None and now < self._next_rotas:
            return 0
        self._next_rotas = now + ROTAS_EVERY
        async with writing(d.sessions) as session:
            made = await generation.generate(
                session,
                now=now,
                zone=d.deployment.zone,
                weeks_ahead=d.deployment.rota_weeks_ahead,
                policy=d.deployment.signup,
            )
        return len(made)

    async def expire_drafts(self) -> int:
        """Forget registrations abandoned half-way (`erasure.DRAFT_KEEP`); looked for hourly."""
        now = self.services.clock.now()
        if self._next_drafts is not None and now < self._next_drafts:
            return 0
        self._next_drafts = now + DRAFTS_EVERY
        async with writing(self.services.sessions) as session:
            return await erasure.expire_drafts(session, now=now)

    async def refresh_cards(self) -> int:
        """Post new group cards and edit those whose figures changed, within the group limits."""
        d = self.services
        now = d.clock.now()
        async with writing(d.sessions) as session:
            due = await groups.due_cards(
                session, edited_before=now - CARD_EDIT_INTERVAL, limit=CARDS_PER_RUN
            )
            recent = await groups.chats_edited_since(session, now - CARD_EDIT_INTERVAL)
            work: list[tuple[GroupCard, str, InlineKeyboard]] = []
            for card in due:
                if card.chat_id in recent:
                    continue  # this group had an edit moments ago; the next run takes it
                recent.add(card.chat_id)
                card.stale = False  # claimed: a sign-up from now on marks it stale again
                work.append((card, *await self._card(session, card)))
        done = 0
        for card, text, markup in work:
            done += await self._show(card, text, markup)
        return done

    async def _card(self, session: AsyncSession, card: GroupCard) -> tuple[str, InlineKeyboard]:
        """The card as the group should see it (in the deployment's language: a group is many
        people)."""
        d = self.services
        activity = await publication.get_activity(session, card.activity_id)
        views = await cards.shift_views(session, activity, None, now=d.clock.now())
        language = d.deployment.default_language
        text = await cards.card_text(session, d.texts, language, d.deployment.zone, activity, views)
        url = links.activity_url(d.bot_username, activity)
        label = d.texts.get(language, "cards.open_in_bot")
        return text, InlineKeyboard(rows=((InlineButton(label, url=url),),))

    async def _show(self, card: GroupCard, text: str, markup: InlineKeyboard) -> int:
        """Post or edit one card, and record what the group now shows."""
        if card.message_id is None:
            message_id = await self.services.send.perform(SendMessage(card.chat_id, text, markup))
        elif text != card.shown_text:
            message_id = await self.services.send.perform(
                EditMessage(card.chat_id, card.message_id, text, markup)
            )
        else:
            return 0
        d = self.services
        async with writing(d.sessions) as session:
            stored = await session.get(GroupCard, card.id)
            if stored is None:
                return 0
            if message_id is None:
                stored.stale = True  # failed: try again on a later run
            else:
                stored.message_id = message_id
                stored.shown_text = text
            stored.edited_at = d.clock.now()
        return 1

    async def _send(self, outbox: Outbox) -> None:
        for action in outbox.actions:
            await self.services.send.perform(action)


async def _tell_expired(notify: Notifier, volunteer_id: int, vacancy: signup.Vacancy) -> None:
    volunteer = await notify.session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.telegram_id is None:
        return
    activity = await publication.get_activity(notify.session, vacancy.shift.activity_id)
    language = volunteer.language
    notify.send(
        volunteer.telegram_id,
        notify.text(
            language,
            "offers.expired",
            title=activity.title,
            when=notify.when(language, vacancy.shift),
        ),
    )
