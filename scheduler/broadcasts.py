"""The broadcast sender: delivers recruitment calls from the outbox at Telegram's pace.

Each process runs one. It claims recipients in small batches (never more than the policy's
`in_flight_bound` rows `sending` at once: a round trip's sends at the rate), reserves their send
times in the budget every process shares (`models.broadcasts.send_budget`), sends each at its time,
and records each outcome as soon as its send returns (outcomes that arrive together are written in
one transaction). A 429 pauses every send, here and, through the budget, in the other processes.
Telegram's 5xx answers and connections that failed before the request went out are tried again with
back-off, a few times, then recorded as failed with the reason.

`run()` sends until nothing is left to claim; the runner calls it in a loop, tests call it
directly. `stop()` makes it take no more and return once the sends in hand are recorded, so a
stopped process leaves nothing locked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts import control, progress
from handlers.events import Action, Attempt, AttemptKind, EditMessage, Outbox, SendMessage
from handlers.notify import Notifier
from handlers.services import Services
from models.activities.tables import Activity
from models.broadcasts import outbox, send_budget
from models.broadcasts import progress as broadcast_progress
from models.broadcasts.outbox import Outcome, Recipient
from models.broadcasts.send_budget import BroadcastPolicy
from models.broadcasts.tables import Broadcast, BroadcastStatus, DeliveryStatus

log = logging.getLogger(__name__)

RECORD_BATCH = 500
BACKOFF_S = 0.5  # first wait before trying a failed send again; doubles each time
PROGRESS_LOOK_S = 1.0  # how often (at most) to look for progress messages to edit


@dataclass(frozen=True)
class Notice:
    """A claimed call and the activity its button opens."""

    broadcast: Broadcast
    activity: Activity | None


@dataclass
class BroadcastSender:
    services: Services
    # How many messages this process sent outside broadcasts so far (replies, reminders).
    others_sent: Callable[[], int] = lambda: 0
    wall: Callable[[], float] = time.time
    _in_flight: int = 0
    _stopping: bool = False
    _paused_until: float = 0.0
    _others_counted: int = 0
    _cursor: dict[int, int] = field(default_factory=dict)
    _progress_looked: float = 0.0

    def __post_init__(self) -> None:
        self._notices: dict[int, Notice] = {}  # the calls this run sends, read once
        self._room = asyncio.Condition()
        self._outcomes: asyncio.Queue[tuple[Outcome, asyncio.Future[None]] | None] = asyncio.Queue()

    @property
    def policy(self) -> BroadcastPolicy:
        return self.services.deployment.broadcasts

    # ---- the loop --------------------------------------------------------------------------

    async def run(self) -> int:
        """Send everything claimable now; how many messages were sent."""
        self._progress_looked = 0.0  # look at progress messages at once, then once a second
        self._notices.clear()
        await self._start_due()
        recorder = asyncio.create_task(self._record_outcomes())
        sent: list[bool] = []
        try:
            async with asyncio.TaskGroup() as tasks:
                while not self._stopping:
                    await self._show_progress()
                    room = await self._room_for_batch()
                    claimed = await self._claim(room)
                    if not claimed:
                        if self._in_flight == 0:
                            break
                        await self._a_send_settled()
                        continue
                    slots = await self._reserve(len(claimed))
                    for index, (notice, recipient) in enumerate(claimed):
                        tasks.create_task(self._send(notice, recipient, slots.at(index), sent))
        finally:
            await self._outcomes.put(None)
            await recorder
        await self._finish()
        return sum(sent)

    def stop(self) -> None:
        """Claim nothing more, for good; `run` returns once the sends in hand are recorded."""
        self._stopping = True

    def pause(self, seconds: float) -> None:
        """Telegram answered 429: hold every send here for `seconds`, and tell the others."""
        until = self.wall() + seconds
        if until > self._paused_until:
            self._paused_until = until
            asyncio.get_running_loop().create_task(self._share_pause(until))

    async def _share_pause(self, until: float) -> None:
        d = self.services
        async with d.sessions() as session, session.begin():
            for lane in (send_budget.STANDARD, send_budget.PAID):
                await send_budget.pause(session, until, lane=lane)

    # ---- claiming and pacing -------------------------------------------------------------

    async def _room_for_batch(self) -> int:
        """Wait until half the in-flight bound is free (or nothing is in flight): claiming in
        batches keeps the database work per message small."""
        bound = self.policy.in_flight_bound
        batch = max(1, bound // 2)
        async with self._room:
            await self._room.wait_for(
                lambda: self._in_flight == 0 or bound - self._in_flight >= batch
            )
            return bound - self._in_flight

    async def _a_send_settled(self) -> None:
        in_flight = self._in_flight
        async with self._room:
            await self._room.wait_for(lambda: self._in_flight < in_flight)

    async def _claim(self, room: int) -> list[tuple[Notice, Recipient]]:
        """Recipients of the first running call with any left; the sends of dead senders are
        taken back (as uncertain) only once a call has no pending recipient left, so the claims
        of a call in full flow cost no extra statement."""
        d = self.services
        async with d.sessions() as session, session.begin():
            for broadcast_id in await outbox.running(session):
                found = await self._claim_from(session, broadcast_id, room)
                if not found and await outbox.take_back_expired(
                    session, broadcast_id, now=d.clock.now(), uncertain=self.policy.uncertain
                ):
                    found = await self._claim_from(session, broadcast_id, room)
                if found:
                    call = await self._notice(session, broadcast_id)
                    self._in_flight += len(found)
                    return [(call, recipient) for recipient in found]
        return []

    async def _notice(self, session: AsyncSession, broadcast_id: int) -> Notice:
        """The call and its activity, read once per run (neither changes once it is sent)."""
        if broadcast_id not in self._notices:
            broadcast = await outbox.get(session, broadcast_id)
            activity = (
                await session.get(Activity, broadcast.activity_id)
                if broadcast.activity_id
                else None
            )
            self._notices[broadcast_id] = Notice(broadcast, activity)
        return self._notices[broadcast_id]

    async def _claim_from(
        self, session: AsyncSession, broadcast_id: int, room: int
    ) -> list[Recipient]:
        d = self.services
        for after in (self._cursor.get(broadcast_id, 0), 0):
            found = await outbox.claim(
                session,
                broadcast_id,
                now=d.clock.now(),
                limit=room,
                after_id=after,
                lease=self.policy.lease,
            )
            if found:
                self._cursor[broadcast_id] = found[-1].delivery_id
                return found
            if after == 0:
                break
        return []

    async def _reserve(self, count: int) -> send_budget.Slots:
        d = self.services
        policy = self.policy
        lane = send_budget.PAID if policy.paid else send_budget.STANDARD
        others = 0
        if not policy.paid:  # paid broadcasts do not share the standard budget
            total = self.others_sent()
            others, self._others_counted = total - self._others_counted, total
        async with d.sessions() as session, session.begin():
            return await send_budget.reserve(
                session,
                count,
                rate=policy.send_rate,
                now=self.wall(),
                lane=lane,
                others=others,
            )

    async def _wait_for(self, at: float) -> None:
        """Sleep until the slot; a pause that came after it was given moves it on."""
        while True:
            delay = at - self.wall()
            if delay > 0:
                await asyncio.sleep(delay)
            if self._paused_until <= at:
                return
            at = (await self._reserve(1)).first

    # ---- sending and recording -------------------------------------------------------------

    async def _send(self, call: Notice, recipient: Recipient, at: float, sent: list[bool]) -> None:
        try:
            await self._wait_for(at)
            notice = progress.notice(
                self.services.texts,
                recipient.language,
                call.broadcast,
                recipient.telegram_id,
                activity=call.activity,
                bot_username=self.services.bot_username,
                paid=self.policy.paid,
            )
            outcome = self._outcome(recipient, await self._try(notice))
            done = asyncio.get_running_loop().create_future()
            await self._outcomes.put((outcome, done))
            await done
            sent.append(outcome.status == DeliveryStatus.SENT)
        except Exception:
            # The row stays `sending` until its lease ends, then counts as uncertain.
            log.exception("broadcast %s: a send failed unexpectedly", call.broadcast.id)
        finally:
            async with self._room:
                self._in_flight -= 1
                self._room.notify_all()

    async def _try(self, notice: Action) -> Attempt:
        """Send, trying again (with back-off) what Telegram failed or never received."""
        for number in range(self.policy.attempts):
            attempt = await self.services.send.attempt(notice)
            if attempt.kind != AttemptKind.TRANSIENT or number == self.policy.attempts - 1:
                return attempt
            await asyncio.sleep(BACKOFF_S * 2**number)
        raise AssertionError("unreachable: the last try returns")

    def _outcome(self, recipient: Recipient, attempt: Attempt) -> Outcome:
        delivery = recipient.delivery_id
        if attempt.kind == AttemptKind.SENT:
            return Outcome(delivery, DeliveryStatus.SENT, message_id=attempt.message_id)
        if attempt.kind == AttemptKind.FLOOD:  # not delivered: it goes back in the queue
            return Outcome(delivery, DeliveryStatus.PENDING, error=attempt.reason)
        if attempt.kind == AttemptKind.UNREACHABLE:
            return Outcome(delivery, DeliveryStatus.BLOCKED, error=attempt.reason)
        if attempt.kind == AttemptKind.UNCERTAIN:
            status = (
                DeliveryStatus.PENDING
                if self.policy.uncertain == "resend"
                else DeliveryStatus.UNCERTAIN
            )
            return Outcome(delivery, status, error=attempt.reason, uncertain=True)
        return Outcome(delivery, DeliveryStatus.FAILED, error=attempt.reason)

    async def _record_outcomes(self) -> None:
        """Write outcomes as they come, those that came together in one transaction."""
        d = self.services
        while (item := await self._outcomes.get()) is not None:
            batch = [item]
            while len(batch) < RECORD_BATCH and not self._outcomes.empty():
                more = self._outcomes.get_nowait()
                if more is None:
                    await self._outcomes.put(None)  # finish after this batch
                    break
                batch.append(more)
            try:
                async with d.sessions() as session, session.begin():
                    outcomes = [outcome for outcome, _ in batch]
                    await outbox.record(session, outcomes, now=d.clock.now())
            except Exception as error:
                for _, done in batch:
                    done.set_exception(error)
            else:
                for _, done in batch:
                    done.set_result(None)

    # ---- starting, progress and the report -----------------------------------------------

    async def _start_due(self) -> None:
        """Start the calls due now; those held (their author lost the role) are told about."""
        d = self.services
        told, signer = Outbox(), await d.button_signer()  # the signer before the transaction
        async with d.sessions() as session, session.begin():
            admins = tuple(d.deployment.admin_ids)
            for broadcast in await outbox.start_due(session, now=d.clock.now(), admin_ids=admins):
                if broadcast.status == BroadcastStatus.HELD:
                    log.info("broadcast %s held: its author lost the role", broadcast.id)
                    await control.tell_held(Notifier(session, d, signer, told), broadcast)
                else:
                    log.info("broadcast %s started: %s recipients", broadcast.id, broadcast.total)
        for action in told.actions:
            await d.send.perform(action)

    async def _show_progress(self) -> None:
        """Edit the coordinators' progress messages (each at most once per `progress_every`)."""
        if self.wall() - self._progress_looked < PROGRESS_LOOK_S:
            return
        self._progress_looked = self.wall()
        d = self.services
        edits = []
        async with d.sessions() as session, session.begin():
            due = await broadcast_progress.progress_due(
                session, now=d.clock.now(), every=self.policy.progress_every
            )
            for broadcast in due:
                edits.append(await self._progress_edit(session, broadcast))
        for edit in edits:
            await self.services.send.perform(edit)

    async def _progress_edit(self, session: AsyncSession, broadcast: Broadcast) -> EditMessage:
        d = self.services
        figures = await outbox.figures(session, broadcast.id)
        language = await progress.language_of(session, broadcast.created_by, d.deployment)
        assert broadcast.progress_chat_id is not None and broadcast.progress_message_id
        return EditMessage(
            broadcast.progress_chat_id,
            broadcast.progress_message_id,
            progress.progress_text(
                d.texts, language, d.deployment.zone, broadcast, figures,
                now=d.clock.now(), rate=self.policy.send_rate,
            ),
            control.controls(
                d.texts, language, await d.button_signer(), broadcast, broadcast.created_by
            ),
        )  # fmt: skip

    async def _finish(self) -> None:
        """Close the calls nobody is left for, and give their coordinators the report."""
        d = self.services
        actions: list[Action] = []
        async with d.sessions() as session, session.begin():
            for broadcast in await outbox.finish_done(session, now=d.clock.now()):
                figures = await outbox.figures(session, broadcast.id)
                language = await progress.language_of(session, broadcast.created_by, d.deployment)
                report = progress.report_text(d.texts, language, broadcast, figures)
                if broadcast.progress_message_id is not None:
                    assert broadcast.progress_chat_id is not None
                    actions.append(
                        EditMessage(
                            broadcast.progress_chat_id, broadcast.progress_message_id, report
                        )
                    )
                actions.append(SendMessage(broadcast.created_by, report))
                log.info("broadcast %s done: %s", broadcast.id, figures.by_status)
        for action in actions:
            await self.services.send.perform(action)
