"""The bare frameworks the benchmarks measure volbot against: what python-telegram-bot or aiogram
cost on their own, with no database and none of volbot's code, on the same sandbox.

`python bench/bare.py reply --framework ptb` is a bot written directly on the framework, the way
its documentation shows: the framework's own long polling with its defaults, one handler
answering every message with a fixed text (`bench/updates.py --bot bare`). python-telegram-bot
handles one update at a time by default, which is also its fastest here: with
`concurrent_updates(256)` (volbot's setting) and its pool of 256 connections, httpcore's pool
looks over every connection on each request, and the same bot costs about four times the CPU
per update under 500 users (measured: 5.9 ms against 1.4 ms).

`python bench/bare.py send --framework ptb --chats 100000001-100020000 --concurrency 16` is the
framework's own `send_message` in a loop, `--concurrency` at a time, to each chat once
(`bench/broadcast.py --sender bare`); it prints one JSON line when done.

Both read the sandbox's address and the token from TELEGRAM_API_BASE_URL and
TELEGRAM_BOT_TOKEN, as `volbot run` does, and run on uvloop (both frameworks support it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvloop

REPLY = "Hello from the bare bot."
POLL_TIMEOUT_S = 10  # as volbot's long polls

Send = Callable[[int], Awaitable[Any]]


def reply_ptb(token: str, api_url: str) -> None:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await update.get_bot().send_message(update.effective_chat.id, REPLY)

    app = Application.builder().token(token).base_url(f"{api_url}/bot").build()
    app.add_handler(MessageHandler(filters.ALL, answer))
    app.run_polling(poll_interval=0, timeout=POLL_TIMEOUT_S, close_loop=False)


async def reply_aiogram(token: str, api_url: str) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def answer(message: Message) -> None:
        await bot.send_message(message.chat.id, REPLY)

    await dispatcher.start_polling(bot, polling_timeout=POLL_TIMEOUT_S, handle_signals=True)


async def send_all(send: Send, chats: range, concurrency: int) -> dict[str, Any]:
    """`send` to each chat once, `concurrency` at a time (as volbot's sender keeps that many
    requests in flight); a 429 waits its retry_after and sends again, any other error counts
    as failed."""
    queue = iter(chats)
    failed = 0

    async def worker() -> None:
        nonlocal failed
        for chat in queue:
            while True:
                try:
                    await send(chat)
                except Exception as error:
                    if (retry := retry_after(error)) is not None:
                        await asyncio.sleep(retry)
                        continue
                    failed += 1
                break

    began, cpu = time.monotonic(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - began
    return {
        "sent": len(chats) - failed,
        "failed": failed,
        "seconds": round(elapsed, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
    }


def retry_after(error: Exception) -> float | None:
    """The seconds a 429 asks to wait (both frameworks name it retry_after), else None."""
    retry = getattr(error, "retry_after", None)
    if retry is None:
        return None
    return retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)


async def send_ptb(
    token: str, api_url: str, text: str, chats: range, concurrency: int
) -> dict[str, Any]:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    request = HTTPXRequest(connection_pool_size=concurrency)
    async with Bot(token, base_url=f"{api_url}/bot", request=request) as bot:
        return await send_all(lambda chat: bot.send_message(chat, text), chats, concurrency)


async def send_aiogram(
    token: str, api_url: str, text: str, chats: range, concurrency: int
) -> dict[str, Any]:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url), limit=concurrency)
    async with Bot(token, session=session) as bot:
        return await send_all(lambda chat: bot.send_message(chat, text), chats, concurrency)


def chat_range(value: str) -> range:
    first, _, last = value.partition("-")
    return range(int(first), int(last or first) + 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("role", choices=("reply", "send"))
    parser.add_argument("--framework", choices=("ptb", "aiogram"), default="ptb")
    parser.add_argument("--chats", type=chat_range, help="send: FIRST-LAST chat ids")
    parser.add_argument("--concurrency", type=int, default=16, help="send: requests in flight")
    parser.add_argument("--text", default=REPLY, help="send: the message")
    args = parser.parse_args(argv)
    token, api_url = os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_API_BASE_URL"]
    if args.role == "reply" and args.framework == "ptb":
        # PTB makes its own loop, so uvloop's loops are made the default kind.
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        reply_ptb(token, api_url)
    elif args.role == "reply":
        uvloop.run(reply_aiogram(token, api_url))
    else:
        if args.chats is None:
            parser.error("send needs --chats")
        sender = send_ptb if args.framework == "ptb" else send_aiogram
        sent = uvloop.run(sender(token, api_url, args.text, args.chats, args.concurrency))
        print(json.dumps(sent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
