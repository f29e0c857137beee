"""Injected faults and blocked users: the failures a bot must survive."""

from __future__ import annotations

import aiohttp
import pytest

from sandbox import BotApiSandbox
from tests.sandbox.conftest import Api

WAIT_S = 10


@pytest.fixture(autouse=True)
def _users(sandbox: BotApiSandbox) -> None:
    sandbox.user(42)
    sandbox.user(43)


async def test_a_429_fault_carries_retry_after_once(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.faults.add("sendMessage", kind="429", retry_after=7)
    status, body = await api.call("sendMessage", chat_id=42, text="hi")
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
    )
    await api.ok("sendMessage", chat_id=42, text="hi")
    assert [m.text for m in sandbox.delivered()] == ["hi"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("403", (403, "Forbidden: bot was blocked by the user")),
        ("400", (400, "Bad Request: injected fault")),
        ("500", (500, "Internal Server Error")),
    ],
)
async def test_error_faults(
    sandbox: BotApiSandbox, api: Api, kind: str, expected: tuple[int, str]
) -> None:
    sandbox.faults.add("sendMessage", kind=kind)  # type: ignore[arg-type]
    assert await api.error("sendMessage", chat_id=42, text="hi") == expected
    assert sandbox.delivered() == []
    assert sandbox.calls[-1].status == expected[0]


async def test_faults_match_method_chat_and_count(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.faults.add(kind="500", chat_id=43, count=2)
    await api.ok("sendMessage", chat_id=42, text="to 42")
    await api.ok("getUpdates")  # a method-less fault leaves polling alone
    assert (await api.error("sendMessage", chat_id=43, text="x"))[0] == 500
    assert (await api.error("sendChatAction", chat_id=43, action="typing"))[0] == 500
    await api.ok("sendMessage", chat_id=43, text="to 43")
    assert sandbox.faults.pending == []


async def test_get_updates_can_be_faulted_by_name(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.faults.add("getupdates", kind="500")
    assert (await api.error("getUpdates"))[0] == 500
    assert await api.ok("getUpdates") == []


async def test_clear_drops_pending_faults(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.faults.add("sendMessage", kind="500", count=5)
    sandbox.faults.clear()
    await api.ok("sendMessage", chat_id=42, text="fine")


def test_bad_fault_arguments_are_refused(sandbox: BotApiSandbox) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        sandbox.faults.add(kind="418")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count"):
        sandbox.faults.add(kind="500", count=0)


async def test_a_timeout_holds_then_fails_without_sending(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.faults.add("sendMessage", kind="timeout", hang_seconds=0.05)
    assert await api.error("sendMessage", chat_id=42, text="lost") == (
        500,
        "Internal Server Error",
    )
    assert sandbox.delivered() == []


async def test_a_timed_out_send_may_still_arrive(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.faults.add("sendMessage", kind="timeout", hang_seconds=60, deliver=True)
    user = sandbox.user(42)
    short = aiohttp.ClientTimeout(total=0.5)
    with pytest.raises(TimeoutError):
        async with api.http.post(
            api.url("sendMessage"), data={"chat_id": "42", "text": "arrived"}, timeout=short
        ) as response:
            await response.read()
    message = await user.wait_for_message(timeout=WAIT_S)
    assert message.text == "arrived"
    # stop() answers the held request at once (aiohttp would cancel it, unlogged, after 2 s).
    await sandbox.stop()
    assert (sandbox.calls[-1].method, sandbox.calls[-1].status) == ("sendMessage", 500)


async def test_a_blocked_user_gets_nothing(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    sent = await api.ok("sendMessage", chat_id=42, text="before")
    update_id = await user.block()
    (update,) = await api.ok("getUpdates")
    assert update["update_id"] == update_id
    member = update["my_chat_member"]
    assert member["chat"]["id"] == 42 and member["from"]["id"] == 42
    assert member["old_chat_member"]["status"] == "member"
    assert member["new_chat_member"] == {
        "user": {
            "id": 123456789,
            "is_bot": True,
            "first_name": "Volbot Sandbox",
            "username": "volbot_sandbox_bot",
        },
        "status": "kicked",
        "until_date": 0,
    }
    blocked = (403, "Forbidden: bot was blocked by the user")
    assert await api.error("sendMessage", chat_id=42, text="hello?") == blocked
    assert await api.error("sendChatAction", chat_id=42, action="typing") == blocked
    edit = {"chat_id": 42, "message_id": sent["message_id"], "text": "changed"}
    assert await api.error("editMessageText", **edit) == blocked
    with pytest.raises(ValueError, match="blocked"):
        await user.send("I blocked you")

    await user.unblock()
    after = await api.ok("getUpdates", offset=update_id + 1)
    assert after[0]["my_chat_member"]["new_chat_member"]["status"] == "member"
    await api.ok("sendMessage", chat_id=42, text="welcome back")
