"""Numbers people type, read strictly: ASCII digits, or the full-width ones a Chinese input
method gives (NFKC makes them ASCII), of a bounded length. Python's own `int` and `float` take
far more than a person means — `inf`, `nan`, `1e309`, `1_000`, superscripts, other scripts'
digits, 5,000-digit numbers that `int` refuses with an error — so typed text never reaches them
unchecked."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

_DECIMAL = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?|\.[0-9]{1,6}")


def typed(text: str) -> str:
    """`text` as the person meant it: full-width digits and punctuation made ASCII, trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def whole_number(text: str, *, digits: int = 9) -> int | None:
    """The whole number of at most `digits` digits that `text` is, or None."""
    cleaned = typed(text)
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= digits:
        return int(cleaned)
    return None


def decimal_number(text: str) -> Decimal | None:
    """The finite, non-negative decimal `text` is (`2.5`, `2,5`, `.5`), or None."""
    cleaned = typed(text).replace(",", ".")
    return Decimal(cleaned) if _DECIMAL.fullmatch(cleaned) else None
