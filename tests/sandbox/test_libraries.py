"""The real libraries against the sandbox over HTTP: python-telegram-bot 22 and aiogram 3."""

from __future__ import annotations

import pytest
import telegram
from aiogram import Bot as AiogramBot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BufferedInputFile
from aiogram.types import InlineKeyboardButton as AiogramButton
from aiogram.types import InlineKeyboardMarkup as AiogramKeyboard
from telegram.error import BadRequest, Forbidden, RetryAfter

from sandbox import BotApiSandbox, Limits
from tests.sandbox.conftest import ManualMonotonic

USER = 42
# PTB warns that RetryAfter.retry_after will become a timedelta; nothing here depends on it.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_python_telegram_bot(sandbox: BotApiSandbox, monotonic: ManualMonotonic) -> None:
    user = sandbox.user(USER, "Ann")
    url = sandbox.url
    bot = telegram.Bot(sandbox.token, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot")
    async with bot:  # initialize() calls getMe
        assert bot.username == "volbot_sandbox_bot"
        keyboard = telegram.InlineKeyboardMarkup(
            [[telegram.InlineKeyboardButton("Sign up", callback_data="signup|7")]]
        )
        sent = await bot.send_message(USER, "Saturday clean-up", reply_markup=keyboard)
        assert sent.reply_markup == keyboard and sent.chat.id == USER

        document = await bot.send_document(USER, b"a,b\n", filename="roster.csv", caption="list")
        assert document.document is not None and document.document.file_name == "roster.csv"
        file = await bot.get_file(document.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"a,b\n"

        await user.press("Sign up")
        (update,) = await bot.get_updates(timeout=5)
        assert update.callback_query is not None and update.callback_query.data == "signup|7"
        await bot.answer_callback_query(update.callback_query.id, text="Signed up")
        await bot.edit_message_text(
            "Saturday clean-up ✅", chat_id=USER, message_id=sent.message_id
        )
        # PTB drops Telegram's "Bad Request: " prefix and capitalises the rest.
        with pytest.raises(BadRequest, match=r"^Message is not modified"):
            await bot.edit_message_text(
                "Saturday clean-up ✅", chat_id=USER, message_id=sent.message_id
            )

        sandbox.faults.add("sendMessage", kind="429", retry_after=5)
        with pytest.raises(RetryAfter, match="Retry in 5"):
            await bot.send_message(USER, "too fast")

        await user.block()
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(USER, "hello?")

    labels = [m.text for m in user.messages()]
    assert labels == ["Saturday clean-up ✅", "list"]
    assert user.callback_answers[0].text == "Signed up"


async def test_python_telegram_bot_meets_the_real_flood_limit(monotonic: ManualMonotonic) -> None:
    sandbox = BotApiSandbox(limits=Limits(chat_burst=2), monotonic=monotonic)
    url = await sandbox.start()
    sandbox.user(USER)
    try:
        bot = telegram.Bot(sandbox.token, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot")
        async with bot:
            await bot.send_message(USER, "one")
            await bot.send_message(USER, "two")
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "three")
            monotonic.advance(1)
            await bot.send_message(USER, "three")
    finally:
        await sandbox.stop()


async def test_aiogram(sandbox: BotApiSandbox) -> None:
    user = sandbox.user(USER, "Ann")
    assert sandbox.url is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url))
    bot = AiogramBot(sandbox.token, session=session)
    try:
        me = await bot.get_me()
        assert (me.id, me.username) == (123456789, "volbot_sandbox_bot")
        keyboard = AiogramKeyboard(
            inline_keyboard=[[AiogramButton(text="Sign up", callback_data="signup|7")]]
        )
        sent = await bot.send_message(USER, "Saturday clean-up", reply_markup=keyboard)
        assert sent.reply_markup is not None
        (button,) = sent.reply_markup.inline_keyboard[0]
        assert (button.text, button.callback_data) == ("Sign up", "signup|7")

        document = await bot.send_document(
            USER, BufferedInputFile(b"a,b\n", "roster.csv"), caption="list"
        )
        assert document.document is not None and document.document.file_name == "roster.csv"
        file = await bot.get_file(document.document.file_id)
        assert file.file_path is not None
        downloaded = await bot.download_file(file.file_path)
        assert downloaded is not None and downloaded.read() == b"a,b\n"

        await user.press("Sign up")
        (update,) = await bot.get_updates(timeout=5, allowed_updates=["callback_query"])
        assert update.callback_query is not None and update.callback_query.data == "signup|7"
        await bot.answer_callback_query(update.callback_query.id, text="Signed up")

        too_long = [[AiogramButton(text="x", callback_data="d" * 65)]]
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(
                USER, "x", reply_markup=AiogramKeyboard(inline_keyboard=too_long)
            )

        sandbox.faults.add("sendMessage", kind="429", retry_after=5)
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(USER, "too fast")
        assert caught.value.retry_after == 5

        await user.block()
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(USER, "hello?")
    finally:
        await bot.session.close()

    assert [m.text for m in user.messages()] == ["Saturday clean-up", "list"]
    assert user.callback_answers[0].text == "Signed up"
