"""Valid and invalid PRC resident ID numbers for tests."""

from __future__ import annotations

from datetime import date

from models.registration.validation import prc_id_check_char


def make_id(birth: date = date(1990, 5, 17), region: str = "350203", serial: str = "123") -> str:
    first17 = f"{region}{birth:%Y%m%d}{serial}"
    return first17 + prc_id_check_char(first17)


def with_wrong_check(number: str) -> str:
    wrong = next(c for c in "0123456789X" if c != number[-1])
    return number[:-1] + wrong
