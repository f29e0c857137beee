"""Files both ways: multipart uploads as each library sends them, getFile and the download."""

from __future__ import annotations

import struct

import aiohttp

from sandbox import BotApiSandbox
from tests.sandbox.conftest import Api

CSV = b"name,district\nWang,Haicang\n"


def png(width: int, height: int) -> bytes:
    """The first bytes of a PNG: enough for its size."""
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height)
    )


async def test_a_document_part_named_after_the_parameter(sandbox: BotApiSandbox, api: Api) -> None:
    """python-telegram-bot sends the file as the `document` part itself."""
    user = sandbox.user(42)
    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("document", CSV, filename="roster.csv", content_type="text/csv")
    status, body = await api.call_form("sendDocument", form)
    assert status == 200, body
    document = body["result"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == (
        "roster.csv",
        "text/csv",
        len(CSV),
    )
    assert document["file_id"] and document["file_unique_id"]

    file = await api.ok("getFile", file_id=document["file_id"])
    assert file["file_size"] == len(CSV) and file["file_path"].endswith(".csv")
    assert await api.download(file["file_path"]) == (200, CSV)

    last = user.last_message()
    assert last is not None and last.document is not None
    assert (last.kind, last.document.filename, last.document.content) == (
        "document",
        "roster.csv",
        CSV,
    )


async def test_a_document_attached_by_reference(sandbox: BotApiSandbox, api: Api) -> None:
    """aiogram names the part at random and passes `attach://<name>`."""
    sandbox.user(42)
    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("document", "attach://Xq3kLm0aZ9")
    form.add_field("caption", "today")
    form.add_field("Xq3kLm0aZ9", b"%PDF-1.7", filename="hours.pdf")
    status, body = await api.call_form("sendDocument", form)
    assert status == 200, body
    assert body["result"]["document"]["file_name"] == "hours.pdf"
    assert body["result"]["caption"] == "today"

    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("document", "attach://missing")
    form.add_field("other", b"x", filename="x.bin")
    status, body = await api.call_form("sendDocument", form)
    assert status == 400


async def test_a_sent_file_can_be_sent_again_by_id(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42)
    sandbox.user(43)
    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("document", CSV, filename="roster.csv")
    _, body = await api.call_form("sendDocument", form)
    file_id = body["result"]["document"]["file_id"]
    again = await api.ok("sendDocument", chat_id=43, document=file_id)
    assert again["document"]["file_id"] == file_id
    assert sandbox.delivered(43)[0].document is not None


async def test_a_users_upload_can_be_fetched_by_the_bot(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    await user.upload("cert.pdf", b"%PDF-1.4 certificate", "application/pdf", caption="mine")
    (update,) = await api.ok("getUpdates")
    message = update["message"]
    assert message["caption"] == "mine"
    document = message["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == (
        "cert.pdf",
        "application/pdf",
        20,
    )
    file = await api.ok("getFile", file_id=document["file_id"])
    assert await api.download(file["file_path"]) == (200, b"%PDF-1.4 certificate")


async def test_photos_both_ways(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    await user.send_photo(png(640, 480), caption="the site")
    (update,) = await api.ok("getUpdates")
    (size,) = update["message"]["photo"]
    assert (size["width"], size["height"], update["message"]["caption"]) == (640, 480, "the site")
    file = await api.ok("getFile", file_id=size["file_id"])
    assert await api.download(file["file_path"]) == (200, png(640, 480))

    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("photo", png(100, 50), filename="map.png", content_type="image/png")
    status, body = await api.call_form("sendPhoto", form)
    assert status == 200, body
    assert body["result"]["photo"][0]["width"] == 100
    last = user.last_message()
    assert last is not None and (last.kind, last.photo) == ("photo", png(100, 50))


async def test_an_oversized_photo_is_refused(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42)
    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("photo", b"\0" * (10 * 1024 * 1024 + 1), filename="huge.jpg")
    status, body = await api.call_form("sendPhoto", form)
    assert (status, body["description"]) == (413, "Request Entity Too Large")


async def test_downloads_need_the_token_and_a_real_path(api: Api) -> None:
    assert (await api.download("documents/file_1.csv", token="1:wrong"))[0] == 401
    assert (await api.download("documents/nothing.csv"))[0] == 404
