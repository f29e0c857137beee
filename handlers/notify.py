"""Messages to people other than the one whose update is being handled (offers, cancellations,
coordinators' notices), each in the recipient's own language and with buttons signed for them.

Handlers get one from `notifier(ctx)`; scheduled jobs build one from the same parts, so an
offer reads the same whether a cancellation or an expiry freed the place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import formatting
from handlers.callbacks import Button, ButtonSigner
from handlers.context import Context
from handlers.events import InlineButton, InlineKeyboard, Outbox, SendMessage
from handlers.services import Services, UsesServices
from models.activities.tables import Shift
from models.registration import volunteers


@dataclass
class Notifier(UsesServices):
    session: AsyncSession
    services: Services
    signer: ButtonSigner
    outbox: Outbox

    def text(self, language: str, key: str, /, **params: Any) -> str:
        """A catalog text; datetimes among the params are shown in the deployment's zone."""
        return self.texts.get(language, key, **formatting.localized(params, self.deployment.zone))

    def when(self, language: str, shift: Shift) -> str:
        return formatting.when(self.texts, language, shift, self.deployment.zone)

    def moment(self, language: str, at: datetime) -> str:
        return formatting.moment(self.texts, language, at, self.deployment.zone)

    async def language_of(self, telegram_id: int) -> str:
        """The language of someone who may never have registered (a coordinator): theirs if
        known, else the deployment's."""
        language = await volunteers.language_of(self.session, telegram_id)
        return language or self.deployment.default_language

    def button(
        self,
        telegram_id: int,
        language: str,
        label_key: str,
        button: Button,
        **label_params: Any,
    ) -> InlineButton:
        """A lasting button (see `callbacks.Button`) signed for the recipient."""
        if not button.lasting:
            raise ValueError(f"{button.action!r}: a message to someone needs a lasting button")
        data = button.pack(self.signer, telegram_id, 0)
        label = self.texts.get(language, label_key, **label_params)
        return InlineButton(label=label, callback_data=data)

    def send(self, telegram_id: int, text: str, buttons: list[InlineButton] | None = None) -> None:
        markup = InlineKeyboard(rows=(tuple(buttons),)) if buttons else None
        # A private chat's id is the user's id.
        self.outbox.add(SendMessage(chat_id=telegram_id, text=text, markup=markup))


def notifier(ctx: Context) -> Notifier:
    """The notifier for messages that go out with this update's reply."""
    return Notifier(ctx.session, ctx.services, ctx.signer, ctx.outbox)
