"""The button-signing key outlives a refused first update: it is made in a transaction of its
own, so the update's rollback cannot leave this process with a key no other process has."""

from __future__ import annotations

from sqlalchemy import select

from bot.local.harness import RunningBot
from handlers.callbacks import ButtonSigner
from models.conversation import BUTTON_KEY, AppSecret
from tests.e2e import steps


async def test_a_refused_first_update_keeps_the_key(bot: RunningBot) -> None:
    stranger = bot.person(1001)
    assert (await stranger.send("/audit")).text == "Only admins can do that."  # rolled back
    async with steps.database(bot) as session:
        stored = await session.scalar(select(AppSecret.value).where(AppSecret.name == BUTTON_KEY))
    assert stored is not None
    in_use = await bot.jobs.services.button_signer()
    assert in_use.pack(1001, 0, "my.ics", 7) == ButtonSigner(stored).pack(1001, 0, "my.ics", 7)
