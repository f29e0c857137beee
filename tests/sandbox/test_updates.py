"""getUpdates: long polling, offsets, limits, allowed_updates and conflicts."""

from __future__ import annotations

import asyncio

from sandbox import BotApiSandbox
from tests.sandbox.conftest import Api, inline

WAIT_S = 10


async def test_a_long_poll_returns_an_update_enqueued_during_the_wait(
    sandbox: BotApiSandbox, api: Api
) -> None:
    user = sandbox.user(42)
    poll = asyncio.create_task(api.call("getUpdates", timeout=30))
    await sandbox.wait_for_poll(timeout=WAIT_S)
    assert not poll.done()
    update_id = await user.send("hello")
    status, body = await asyncio.wait_for(poll, WAIT_S)  # long before the 30 s poll timeout
    assert status == 200
    (update,) = body["result"]
    assert update["update_id"] == update_id == 1
    assert update["message"]["text"] == "hello"


async def test_a_poll_with_nothing_to_say_answers_an_empty_list(api: Api) -> None:
    assert await api.ok("getUpdates", timeout=0) == []


async def test_offset_confirms_and_drops_older_updates(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    ids = [await user.send(f"m{n}") for n in range(3)]
    assert ids == [1, 2, 3]
    assert [u["update_id"] for u in await api.ok("getUpdates")] == [1, 2, 3]
    # Unconfirmed updates are sent again.
    assert [u["update_id"] for u in await api.ok("getUpdates")] == [1, 2, 3]
    assert [u["update_id"] for u in await api.ok("getUpdates", offset=3)] == [3]
    assert await api.ok("getUpdates", offset=4) == []
    assert await api.ok("getUpdates") == []  # forgotten for good
    await user.send("later")
    assert [u["update_id"] for u in await api.ok("getUpdates", offset=-1)] == [4]


async def test_limit_caps_the_batch(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    for n in range(3):
        await user.send(f"m{n}")
    assert [u["update_id"] for u in await api.ok("getUpdates", limit=2)] == [1, 2]
    assert len(await api.ok("getUpdates", limit=1000)) == 3  # over 100 counts as 100


async def test_allowed_updates_filters_and_is_remembered(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    await api.ok("sendMessage", chat_id=42, text="t", reply_markup=inline([("A", "a")]))
    await user.send("a message")
    await user.press("A")
    updates = await api.ok("getUpdates", allowed_updates=["callback_query"])
    assert [list(u)[1] for u in updates] == ["callback_query"]
    await user.send("another message")
    await user.block()
    # The setting holds for later calls that do not repeat it; what it excludes is dropped.
    assert [list(u)[1] for u in await api.ok("getUpdates")] == ["callback_query"]
    await user.unblock()
    await user.send("after the reset")
    everything = await api.ok("getUpdates", allowed_updates=[])  # [] means the default set
    assert [list(u)[1] for u in everything] == ["callback_query", "my_chat_member", "message"]


async def test_message_ids_are_shared_by_both_sides_of_a_chat(
    sandbox: BotApiSandbox, api: Api
) -> None:
    user = sandbox.user(42)
    other = sandbox.user(43)
    await user.send("hi")
    reply = await api.ok("sendMessage", chat_id=42, text="hello")
    await user.send("again")
    await other.send("first in another chat")
    messages = [u["message"] for u in await api.ok("getUpdates")]
    assert [(m["chat"]["id"], m["message_id"]) for m in messages] == [(42, 1), (42, 3), (43, 1)]
    assert reply["message_id"] == 2


async def test_a_second_poll_ends_the_first(sandbox: BotApiSandbox, api: Api) -> None:
    first = asyncio.create_task(api.call("getUpdates", timeout=30))
    await sandbox.wait_for_poll(timeout=WAIT_S)
    assert await api.ok("getUpdates", timeout=0) == []
    status, body = await asyncio.wait_for(first, WAIT_S)
    assert (status, body["description"]) == (
        409,
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )


async def test_polling_is_refused_while_a_webhook_is_set(sandbox: BotApiSandbox, api: Api) -> None:
    waiting = asyncio.create_task(api.call("getUpdates", timeout=30))
    await sandbox.wait_for_poll(timeout=WAIT_S)
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    conflict = (
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )
    status, body = await asyncio.wait_for(waiting, WAIT_S)
    assert (status, body["description"]) == conflict
    assert await api.error("getUpdates") == conflict
    await api.ok("deleteWebhook")
    assert await api.ok("getUpdates") == []


async def test_stopping_the_sandbox_answers_a_waiting_poll(api: Api) -> None:
    sandbox = BotApiSandbox()
    url = await sandbox.start()
    api = type(api)(api.http, url, sandbox.token)
    poll = asyncio.create_task(api.call("getUpdates", timeout=30))
    await sandbox.wait_for_poll(timeout=WAIT_S)
    await sandbox.stop()
    status, body = await asyncio.wait_for(poll, WAIT_S)
    assert (status, body) == (200, {"ok": True, "result": []})
