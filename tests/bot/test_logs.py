"""Logs: JSON lines for machines, readable lines on a terminal, and no personal data in either."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy.exc import IntegrityError

from bot.logs import NOISY_LOGGERS, configure_logging, install_redaction, redact
from models.db import create_engine, session_factory
from tests.models.world import volunteer_row

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ID_NUMBER = "11010519491231002X"
TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"  # the example in Telegram's Bot API docs
TEXT_LINE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "  # asctime, in the machine's zone
log = logging.getLogger("volbot.test")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger without pytest's handlers (configure_logging, like basicConfig, leaves a
    root that has handlers alone); the root and the libraries' loggers as they were afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    for handler in handlers:
        root.removeHandler(handler)
    try:
        yield root
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, noisy_level in levels.items():
            logging.getLogger(name).setLevel(noisy_level)


@contextmanager
def logging_to(fmt: str, stream: io.StringIO | None = None) -> Iterator[io.StringIO]:
    stream = io.StringIO() if stream is None else stream
    with bare_root():
        configure_logging("info", fmt, stream)
        yield stream


def json_lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


@time_machine.travel(NOW, tick=False)
def test_json_lines_have_the_keys_and_the_serialisable_extra_fields() -> None:
    with logging_to("json") as out:
        log.info(
            "%s signed up for shift %d",
            "Alice",
            42,
            extra={"shift_id": 42, "team": {"name": "Haicang"}, "session": object()},
        )
        log.warning("shift 42 is\nshort")

    assert json_lines(out) == [
        {
            "ts": "2026-11-23T10:00:00.000+00:00",
            "level": "INFO",
            "logger": "volbot.test",
            "msg": "Alice signed up for shift 42",
            "shift_id": 42,
            "team": {"name": "Haicang"},
        },
        {
            "ts": "2026-11-23T10:00:00.000+00:00",
            "level": "WARNING",
            "logger": "volbot.test",
            "msg": "shift 42 is\nshort",
        },
    ]


def test_an_exception_is_one_json_line_with_its_traceback() -> None:
    with logging_to("json") as out:
        try:
            raise ValueError("shift 42 is full")
        except ValueError:
            log.exception("could not sign up")

    [line] = json_lines(out)
    assert set(line) == {"ts", "level", "logger", "msg", "exc"}
    assert line["msg"] == "could not sign up"
    exc = str(line["exc"])
    assert exc.startswith("Traceback (most recent call last):\n")
    assert exc.endswith("\nValueError: shift 42 is full")


@pytest.mark.parametrize(
    ("fmt", "stream", "as_json"),
    [
        ("auto", io.StringIO, True),
        ("auto", FakeTerminal, False),
        ("json", FakeTerminal, True),
        ("text", io.StringIO, False),
    ],
)
def test_auto_is_text_on_a_terminal_and_json_elsewhere(
    fmt: str, stream: type[io.StringIO], as_json: bool
) -> None:
    with logging_to(fmt, stream()) as out:
        log.info("hello")

    if as_json:
        assert json.loads(out.getvalue())["msg"] == "hello"
    else:
        assert re.fullmatch(f"{TEXT_LINE}INFO volbot.test: hello\n", out.getvalue())


def test_the_level_holds_and_http_libraries_only_log_warnings() -> None:
    with logging_to("json") as out:
        log.debug("detail")
        logging.getLogger("httpx").info("HTTP Request: POST /getUpdates")
        logging.getLogger("aiohttp.access").info("GET /metrics 200")
        logging.getLogger("httpcore").warning("connection lost")
        log.info("kept")

    assert [(line["logger"], line["msg"]) for line in json_lines(out)] == [
        ("httpcore", "connection lost"),
        ("volbot.test", "kept"),
    ]


def test_an_unknown_format_is_refused() -> None:
    with bare_root(), pytest.raises(ValueError, match="'yaml' is not one of auto, json, text"):
        configure_logging("INFO", "yaml", io.StringIO())


def test_a_root_logger_with_handlers_is_left_alone() -> None:
    with bare_root() as root:
        existing = logging.NullHandler()
        root.addHandler(existing)
        root.setLevel(logging.WARNING)  # whatever the run's is (DEBUG when `make test` keeps logs)
        configure_logging("DEBUG", "json", io.StringIO())

        assert root.handlers == [existing]
        assert root.level == logging.WARNING


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (f"身份证 {ID_NUMBER} 已登记", "身份证 [id] 已登记"),
        ("id=11010519491231002x,", "id=[id],"),
        ("110105194912310021", "[id]"),
        ("old card 130503670401001.", "old card [id]."),
        ("手机13800138000", "手机[phone]"),
        ("call 13800138000.", "call [phone]."),
        ("138-0013-8000 or 139 1234 5678", "[phone] or [phone]"),
        ("8613800138000, +8613800138000", "[phone], [phone]"),
        ("+86 138 0013 8000", "[phone]"),
        ("+852 6123-4567 (HK)", "[phone] (HK)"),
        ("+1 (555) 123-4567", "[phone]"),
        ("+44 20 7946 0958", "[phone]"),
        (
            f"POST https://api.telegram.org/bot{TOKEN}/getMe",
            "POST https://api.telegram.org/bot[token]/getMe",
        ),
    ],
)
def test_id_numbers_phones_and_tokens_are_redacted(text: str, redacted: str) -> None:
    assert redact(text) == redacted


# How people type them: grouped with spaces or hyphens, or in full-width characters (a Chinese
# input method's), or both.
TYPED_FORMS = [
    ("110105 19491231 002X", "[id]"),
    ("1101 0519 4912 3100 2X", "[id]"),
    ("110105-19491231-002x", "[id]"),
    ("身份证１１０１０５１９４９１２３１００２Ｘ。", "身份证[id]。"),
    ("１１０１０５　１９４９１２３１　００２ｘ", "[id]"),
    ("130503 670401 001", "[id]"),
    ("1 3 8 0 0 1 3 8 0 0 0", "[phone]"),
    ("1380 013 8000", "[phone]"),
    ("手机：１３８００１３８０００", "手机：[phone]"),
    ("１３８　００１３　８０００", "[phone]"),
    ("＋８６ １３８－００１３－８０００", "[phone]"),
    ("+86 1 3 8 0 0 1 3 8 0 0 0", "[phone]"),
]


@pytest.mark.parametrize(("text", "redacted"), TYPED_FORMS)
def test_spaced_hyphenated_and_full_width_forms_are_redacted(text: str, redacted: str) -> None:
    assert redact(text) == redacted


def test_typed_forms_are_redacted_at_debug_too() -> None:
    stream = io.StringIO()
    with bare_root():
        configure_logging("debug", "text", stream)
        for text, _ in TYPED_FORMS:
            log.debug("user typed %s", text)
            logging.getLogger("telegram.ext.ExtBot").debug("sendMessage {'text': '%s'}", text)

    written = stream.getvalue()
    assert written.count(" DEBUG ") == 2 * len(TYPED_FORMS)
    for text, _ in TYPED_FORMS:
        assert text not in written
    messages = [line.split(": ", 1)[1] for line in written.splitlines()]
    assert not [m for m in messages if re.search(r"[0-9０-９]", m)]


def test_database_calls_are_not_logged_with_their_parameters_even_at_debug() -> None:
    """aiosqlite logs each call, SQL parameters (names, birth dates) and all, at DEBUG."""
    with logging_to("json") as out:
        logging.getLogger().setLevel(logging.DEBUG)
        logging.getLogger("aiosqlite").debug("executing %s", "('Wang Xiaoming', '1949-12-31')")
    assert "Wang Xiaoming" not in out.getvalue()


@pytest.mark.parametrize(
    "text",
    [
        "user 123456789 sent update 7000000001 in chat -1001234567890 (message 12)",
        "user 99999 and user 999999999999",
        "shift at 2026-11-23T10:00:00+08:00, logged 2026-11-23 10:00:00,123",
        "¥12,800.00 paid; 13800.50 refunded; budget 13800138000.00",
        "1732355200000 ms, 1732355200 s",
        "16 digits 1234567890123456, 17 digits 12345678901234567, 19 digits 1234567890123456789",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "+2 hours, 1/13 shifts, 13:00-17:00",
        "2026-11-23 10:00:00 user 123456789 update 7000000001",
        "members 1001 1002 1003 1004 1005, places 12 13",
        "ｉｄ 12345６7 ok",
    ],
)
def test_ids_times_and_amounts_are_kept(text: str) -> None:
    assert redact(text) == text


def test_messages_args_tracebacks_and_extra_fields_are_redacted() -> None:
    with logging_to("json") as out:
        log.info(f"ID {ID_NUMBER}, phone +86 138 0013 8000")
        log.info("volunteer %s, phone %s, user %d", ID_NUMBER, 13800138000, 123456789)
        try:
            raise ValueError(f"bad ID {ID_NUMBER} for 13800138000")
        except ValueError:
            log.exception("could not register user %d", 123456789)
        log.info(
            "saved",
            extra={"mobile": 13800138000, "card": {"ids": [ID_NUMBER]}, "user_id": 123456789},
        )
        log.info("shift %d", "13800138000")  # arguments that do not fit: still logged, redacted

    lines = json_lines(out)
    assert [line["msg"] for line in lines] == [
        "ID [id], phone [phone]",
        "volunteer [id], phone [phone], user 123456789",
        "could not register user 123456789",
        "saved",
        "shift %d ('[phone]',)",
    ]
    assert str(lines[2]["exc"]).endswith("\nValueError: bad ID [id] for [phone]")
    assert {key: lines[3][key] for key in ("mobile", "card", "user_id")} == {
        "mobile": "[phone]",
        "card": {"ids": ["[id]"]},
        "user_id": 123456789,
    }
    # The traceback quotes the line that raised, phone number and all.
    assert "13800138000" not in out.getvalue()
    assert ID_NUMBER not in out.getvalue()


def test_text_logs_of_any_library_are_redacted() -> None:
    with logging_to("text") as out:
        logging.getLogger("httpx").warning(
            'HTTP Request: POST https://api.telegram.org/bot%s/getMe "HTTP/1.1 401"', TOKEN
        )
        try:
            raise ValueError(f"bad ID {ID_NUMBER}")
        except ValueError:
            logging.getLogger("aiogram.event").exception("Cause exception while process update")

    first, *traceback = out.getvalue().splitlines()
    assert re.fullmatch(
        f"{TEXT_LINE}WARNING httpx: HTTP Request: POST "
        r'https://api.telegram.org/bot\[token\]/getMe "HTTP/1.1 401"',
        first,
    )
    assert traceback[-1] == "ValueError: bad ID [id]"
    assert "ABC-DEF" not in out.getvalue()
    assert ID_NUMBER not in out.getvalue()


def test_once_installed_every_record_is_redacted_whoever_handles_it() -> None:
    """A handler that is not ours (pytest's capture, journald's) gets redacted records too."""
    install_redaction()
    install_redaction()  # a second call changes nothing
    out = io.StringIO()
    foreign = logging.StreamHandler(out)
    foreign.setFormatter(logging.Formatter("%(message)s"))
    library = logging.getLogger("some.library")
    library.addHandler(foreign)
    try:
        library.warning("user %s typed %s", 123456789, ID_NUMBER)
        try:
            raise RuntimeError("phone 13800138000")
        except RuntimeError:
            library.exception("failed")
    finally:
        library.removeHandler(foreign)
    written = out.getvalue()
    assert written.startswith("user 123456789 typed [id]\nfailed\nTraceback")
    assert written.rstrip().endswith("RuntimeError: phone [phone]")
    assert ID_NUMBER not in written and "13800138000" not in written


async def test_a_database_error_is_logged_without_its_parameters(database_url: str) -> None:
    """An IntegrityError's text names the statement, not the values (name, birth date)."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            session.add(volunteer_row(4242, name="Wang Xiaoming", birth_date=date(1949, 12, 31)))
            await session.commit()
            session.add(volunteer_row(4242, name="Zhang Sanfeng", birth_date=date(1950, 1, 2)))
            with logging_to("json") as out, pytest.raises(IntegrityError):
                try:
                    await session.commit()
                except IntegrityError:
                    log.exception("registration failed")
                    raise
    finally:
        await engine.dispose()
    [line] = json_lines(out)
    assert "INSERT INTO volunteers" in str(line["exc"])
    for personal in ("Zhang Sanfeng", "1950-01-02", "1950, 1, 2"):
        assert personal not in out.getvalue()
