"""python-telegram-bot's requests over aiohttp (bot/adapters/ptb_request.py): a failed send is
told apart as never sent (tried again) or perhaps delivered (not sent twice blindly)."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.adapters.ptb_request import AiohttpRequest, may_have_arrived
from bot.local.harness import free_port


async def test_a_request_never_sent_and_one_that_may_have_arrived_are_told_apart() -> None:
    request = AiohttpRequest(read_timeout=0.2, connect_timeout=1.0)
    await request.initialize()
    try:
        # Nobody listens: no connection was made, nothing was sent.
        with pytest.raises(NetworkError) as refused:
            await request.do_request(f"http://127.0.0.1:{free_port()}/bot1:x/sendMessage", "POST")
        assert not may_have_arrived(refused.value)

        # A server that takes the request and never answers: it may have been delivered.
        async def silent(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
            await reader.read(1)
            await asyncio.sleep(5)

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            data = RequestData([RequestParameter.from_input("text", "hello")])
            with pytest.raises(TimedOut) as timed_out:
                await request.do_request(f"http://127.0.0.1:{port}/sendMessage", "POST", data)
            assert may_have_arrived(timed_out.value)
    finally:
        await request.shutdown()
