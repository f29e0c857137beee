"""What a handler is given for one update: the event, the database session, the user's
conversation state, their language, and helpers that turn catalog keys into replies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import Button, ButtonSigner
from handlers.events import (
    AnswerButton,
    EditMessage,
    Incoming,
    InlineButton,
    InlineKeyboard,
    Markup,
    Outbox,
    SendMessage,
)
from handlers.flows import Flow
from handlers.services import Download, Services, UsesServices
from models import audit, db
from models.activities.signup import SignupPolicy
from models.conversation import ConversationState, lock_state
from models.crypto import IdCipher
from models.errors import NotAllowed
from models.registration.tables import Volunteer

S = TypeVar("S", bound=StrEnum)
K = TypeVar("K")
T_co = TypeVar("T_co", covariant=True)


class SignupRule(Protocol[T_co]):
    """A rule a volunteer acts by on a shift or on their place on one (`models.activities`: sign
    up, cancel, take or pass on an offered place)."""

    def __call__(
        self,
        session: AsyncSession,
        volunteer: Volunteer,
        target_id: int,
        /,
        *,
        now: datetime,
        policy: SignupPolicy,
    ) -> Awaitable[T_co]: ...


@dataclass
class Context(UsesServices):
    event: Incoming
    session: AsyncSession
    state: ConversationState
    volunteer: Volunteer | None
    services: Services
    signer: ButtonSigner
    # Opens a deep link (`/start <payload>`) with whichever feature serves its prefix.
    open_link: Callable[[Context, str], Awaitable[None]]
    opens_for_anyone: Callable[[str], bool]
    outbox: Outbox = field(default_factory=Outbox)
    # Work to do once the update's transaction has committed (`after_commit`).
    afterwards: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    # ---- the shared services (texts, deployment, clock, bot_username: `UsesServices`) ---------

    @property
    def cipher(self) -> IdCipher | None:
        return self.services.cipher

    @property
    def download(self) -> Download | None:
        """Fetches a file the user sent."""
        return self.services.download

    # ---- language and text ------------------------------------------------------------------

    @property
    def lang(self) -> str:
        if self.volunteer is not None:
            return self.volunteer.language
        return self.state.language or self.deployment.default_language

    def t(self, key: str, /, **params: Any) -> str:
        return self.texts.get(self.lang, key, **params)

    # ---- conversation state -----------------------------------------------------------------

    @property
    def user_id(self) -> int:
        return self.event.sender.id

    @property
    def registered_volunteer(self) -> Volunteer:
        """The user's volunteer record, in a handler for registered volunteers only (routed with
        `registered=True`, so the router has refused everyone else)."""
        if self.volunteer is None:
            raise NotAllowed("not_registered")
        return self.volunteer

    async def apply_signup_rule(self, rule: SignupRule[T_co], target_id: int) -> T_co:
        """The registered volunteer acts by a sign-up rule on a shift, or on their place on one
        (`target_id`), now and under the deployment's sign-up policy."""
        return await rule(
            self.session,
            self.registered_volunteer,
            target_id,
            now=self.clock.now(),
            policy=self.deployment.signup,
        )

    def go(self, flow: Flow, step: str) -> None:
        """Move to a step the flow's declaration allows from here; buttons made for earlier
        steps become stale."""
        flow.check_move(self.state.flow, self.state.step, step)
        self.state.flow = flow.name
        self.state.step = str(step)
        self.state.version += 1

    def finish(self) -> None:
        self.state.flow = None
        self.state.step = None
        self.state.data = {}
        self.state.version += 1

    def step_in(self, steps: type[S]) -> S:
        """The step the user is at, as one of `steps` (called where routing put them at one)."""
        if self.state.step is None:
            raise ValueError("not at any step")
        return steps(self.state.step)

    def in_step(self, flow: Flow, step: str) -> bool:
        return self.state.flow == flow.name and self.state.step == step

    # ---- replies ----------------------------------------------------------------------------

    def button(self, label: str, button: Button) -> InlineButton:
        """A button signed for this user; unless it is lasting, bound to the current step."""
        data = button.pack(self.signer, self.user_id, self.state.version)
        return InlineButton(label=label, callback_data=data)

    def choices(
        self, labels: Mapping[K, str], button: Callable[[K], Button], per_row: int = 1
    ) -> list[list[InlineButton]]:
        """A button per choice (an activity, a team, a shift…): `labels` names each by what its
        button carries, `button` makes the button; `per_row` to a row."""
        return in_rows([self.button(label, button(key)) for key, label in labels.items()], per_row)

    def deep_link(self, payload: str) -> str:
        return f"https://t.me/{self.bot_username}?start={payload}"

    def say(self, text: str, markup: Markup | None = None) -> None:
        self.outbox.add(SendMessage(chat_id=self.event.chat_id, text=text, markup=markup))

    def reply(self, text: str, markup: InlineKeyboard | None = None, *, edit: bool) -> None:
        """Say it anew, or (`edit`) in place of the message whose button was pressed."""
        if edit:
            self.edit_pressed(text, markup)
        else:
            self.say(text, markup)

    def edit_pressed(self, text: str, markup: InlineKeyboard | None = None) -> None:
        """Replace the message whose button was just pressed (falls back to a new message)."""
        press = self.event.press
        if press is None or press.message_id is None:
            self.say(text, markup)
            return
        self.outbox.add(
            EditMessage(
                chat_id=self.event.chat_id, message_id=press.message_id, text=text, markup=markup
            )
        )

    def after_commit(self, work: Callable[[], Awaitable[None]]) -> None:
        """Do `work` once this update's transaction has committed, still in the user's turn:
        long work (an export) that must hold no lock meanwhile, as the update's transaction
        does (on SQLite, the database's one write lock). It may not use `self.session`: it
        reads with `reading()`, writes with `writing()`, and adds to the outbox as usual. A
        domain error it raises is answered as any other."""
        self.afterwards.append(work)

    def reading(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session of its own in a read-only transaction (for `after_commit` work)."""
        return db.reading(self.services.sessions)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A short transaction of its own (for `after_commit` work), committed at the end or
        rolled back by an error. Within it `self.session` and `self.state` are its own (the
        user's state loaded again), so the usual helpers (`finish`, `audit`) work."""
        async with db.writing(self.services.sessions) as session:
            committed = self.session, self.state
            self.session = session
            self.state = await lock_state(session, self.user_id, self.clock.now())
            try:
                yield session
            finally:
                self.session, self.state = committed

    def audit(self, action: str, target_type: str, target_id: int, **after: object) -> None:
        """Record, in this update's transaction, an action of the user's that changes nothing
        stored (a call sent, a file handed out) but must be in the audit log."""
        audit.record(
            self.session,
            self.user_id,
            action,
            (target_type, target_id),
            self.clock.now(),
            after=after,
        )

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        if self.event.press is not None:
            self.outbox.add(
                AnswerButton(query_id=self.event.press.query_id, text=text, alert=alert)
            )


def keyboard(*rows: list[InlineButton] | tuple[InlineButton, ...]) -> InlineKeyboard | None:
    """The rows that have buttons; None when none has (Telegram refuses an empty keyboard)."""
    kept = tuple(tuple(row) for row in rows if row)
    return InlineKeyboard(rows=kept) if kept else None


def in_rows(buttons: list[InlineButton], per_row: int) -> list[list[InlineButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
