"""Logs an operator can read and a machine can parse, with no personal data in them.

A terminal gets one readable line per record; anything else (a file, journald, a log shipper)
gets one JSON object per line. Either way a filter on the handler redacts ID numbers, phone
numbers and the bot token from every record, whichever library logged it: logs are kept longer,
copied further and read by more people than the database they describe.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

LOG_FORMATS = ("auto", "json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# These libraries log every HTTP request at INFO; that is noise for an operator. aiosqlite logs
# every database call at DEBUG with its parameters (names, birth dates: nothing redaction knows).
# Alembic lists its plugins at INFO when first imported (seven lines before `volbot sandbox`'s
# banner); its warnings, and the migrations it runs, still show.
NOISY_LOGGERS = ("httpx", "httpcore", "aiohttp.access", "aiosqlite", "alembic.runtime.plugins")

# Digits that are part of a longer number, or the decimals of an amount, are not personal data:
# Telegram ids (up to 12 digits here), chat ids such as -1001234567890, times, money.
_NUMBER_START = r"(?<!\d)(?<!\d\.)"
_NUMBER_END = r"(?!\d|\.\d)"
# A number typed in groups: a space or a hyphen between any two digits. The whole run must be
# the number (no digit group before or after it), so that ids listed side by side are kept.
# Nor part of a word (a uuid's `a456-426614174000`).
_RUN_START = r"(?<![\dA-Za-z_.])(?<!\d[ -])"
_RUN_END = r"(?![ -]?\d|\.\d|[A-Za-z_])"


def _grouped(digits: int) -> str:
    return rf"(?:\d[ -]?){{{digits - 1}}}"


REDACTIONS = (
    # First the token (in httpx's URLs), so its bot id is not taken for a phone number alone.
    (re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}"), "[token]"),
    # Resident ID numbers (GB 11643): 17 digits and a check digit or X; 15 digits before 1999.
    (re.compile(rf"{_NUMBER_START}(?:\d{{17}}[\dXx]|\d{{15}}){_NUMBER_END}"), "[id]"),
    # International numbers as people write them; E.164 allows at most 15 digits.
    (re.compile(rf"\+\d(?:[ ()-]{{0,2}}\d){{6,14}}{_NUMBER_END}"), "[phone]"),
    # Chinese mobile numbers, with or without the country code, maybe grouped 3-4-4.
    (
        re.compile(rf"{_NUMBER_START}(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{{4}}[ -]?\d{{4}}{_NUMBER_END}"),
        "[phone]",
    ),
    # The same typed in other groups (`110105 19491231 002X`, `1 3 8 0 0 1 3 8 0 0 0`).
    (re.compile(rf"{_RUN_START}(?:{_grouped(18)}[\dXx]|{_grouped(15)}\d){_RUN_END}"), "[id]"),
    (
        re.compile(rf"{_RUN_START}(?:\+?8[ -]?6[ -]?)?1[ -]?[3-9](?:[ -]?\d){{9}}{_RUN_END}"),
        "[phone]",
    ),
)
# Full-width digits, X, plus, hyphen and spaces (as a Chinese input method types them) are read
# as their ASCII forms, so that `１３８００１３８０００` is a phone number like any other.
_ASCII_FORMS = str.maketrans(
    {chr(ord("０") + digit): str(digit) for digit in range(10)}
    | {"Ｘ": "X", "ｘ": "x", "＋": "+", "－": "-", "\u3000": " ", "\u00a0": " "}
)

# What every record has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_TRACEBACKS = logging.Formatter()


def configure_logging(level: str, fmt: str, stream: TextIO | None = None) -> None:
    """Send records at `level` and above to `stream` (stderr): JSON lines for `json`, readable
    lines for `text`, and for `auto` text on a terminal and JSON otherwise.

    Like logging.basicConfig, it leaves a root logger that already has handlers (pytest's) alone.
    """
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format {fmt!r} is not one of {', '.join(LOG_FORMATS)}")
    stream = sys.stderr if stream is None else stream
    handler = logging.StreamHandler(stream)
    as_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    handler.setFormatter(_JsonLines() if as_json else logging.Formatter(TEXT_FORMAT))
    # The record factory redacts records wherever they go; the handler's filter also sees the
    # `extra=` fields, which logging adds to a record after the factory made it.
    install_redaction()
    handler.addFilter(RedactPersonalData())
    logging.basicConfig(level=level.upper(), handlers=[handler])
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def install_redaction() -> None:
    """Redact every log record as it is made, whoever handles it afterwards (our handler,
    journald, pytest's capture). Safe to call more than once."""
    make = logging.getLogRecordFactory()
    if getattr(make, "redacts", False):
        return
    scrub = RedactPersonalData()

    def redacted(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        scrub.filter(record)
        return record

    redacted.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacted)


def redact(text: str) -> str:
    """`text` with resident ID numbers, phone numbers and bot tokens replaced by placeholders;
    full-width ones too (a text with any is given with its full-width digits made ASCII)."""
    redacted = _redact_ascii(text)
    if text.isascii():
        return redacted
    as_ascii = text.translate(_ASCII_FORMS)
    redacted_forms = _redact_ascii(as_ascii)
    return redacted if redacted_forms == as_ascii else redacted_forms


def _redact_ascii(text: str) -> str:
    for pattern, placeholder in REDACTIONS:
        text = pattern.sub(placeholder, text)
    return text


class RedactPersonalData(logging.Filter):
    """Redacts a record's message, traceback and extra fields in place. On a handler it sees the
    records of every logger, ours and the libraries'; `install_redaction` applies it to every
    record as it is made."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(_message(record)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key in vars(record).keys() - _RECORD_ATTRIBUTES:
            setattr(record, key, _scrub(getattr(record, key)))
        return True


class _JsonLines(logging.Formatter):
    """One JSON object per record: ts, level, logger, msg, exc, stack, then `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in line and _serialisable(value):
                line[key] = value
        return json.dumps(line, ensure_ascii=False)


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # arguments that do not fit the format: logging must not raise for that
        return f"{record.msg} {record.args!r}"


def _scrub(value: object) -> object:
    """`value` with personal data redacted from each string and whole number in it."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int) and not isinstance(value, bool):
        digits = str(value)
        return value if redact(digits) == digits else redact(digits)
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def _serialisable(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
