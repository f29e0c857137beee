"""Checks of what volunteers type: names, phone numbers, PRC resident ID numbers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers

from models.errors import InvalidInput
from models.numbers import typed
from models.visible_text import visible

NAME_MAX_CHARS = 64
NAME_PUNCTUATION = frozenset(" ·・.'-")  # "Mary-Jane O'Neil", "阿卜杜·热合曼"
# Combining marks on one letter: Tibetan stacks three (བསྒྲུབས), Vietnamese two once decomposed;
# dozens ("zalgo") make a name spill over the lines around it.
NAME_MARKS_PER_LETTER = 4

PRC_ID_LENGTH = 18
# GB 11643-1999: the 18th character is an ISO 7064 MOD 11-2 check over the first 17 digits.
PRC_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PRC_ID_CHECK_CHARS = "10X98765432"
PRC_ID_PATTERN = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
PRC_ID_EARLIEST_BIRTH = date(1900, 1, 1)


def normalize_name(text: str) -> str:
    """A real name: letters (any script) with the punctuation names use; no digits or emoji,
    at least one letter that shows, few marks on each letter; invisible characters dropped."""
    name = " ".join(visible(unicodedata.normalize("NFC", text)).split())
    if len(name) > NAME_MAX_CHARS:
        raise InvalidInput("name_too_long", max=NAME_MAX_CHARS)
    if not name and text.strip():
        raise InvalidInput("name_invisible")
    has_letter, on_letter, marks = False, False, 0
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("M"):
            marks += 1
            if not on_letter:
                raise InvalidInput("name_invalid")  # a mark on a space or on nothing
            if marks > NAME_MARKS_PER_LETTER:
                raise InvalidInput("name_marks")
            continue
        marks = 0
        on_letter = category.startswith("L")
        has_letter = has_letter or on_letter
        if not (on_letter or char in NAME_PUNCTUATION):
            raise InvalidInput("name_invalid")
    if not has_letter:
        raise InvalidInput("name_invalid")
    return name


def normalize_phone(text: str, region: str) -> str:
    """A valid phone number in E.164 form (`+8613800138000`)."""
    raw = text.strip()
    # Telegram's shared contacts carry international numbers without the leading plus.
    if raw.isdigit() and len(raw) > 11:
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput("phone_invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class PrcId:
    number: str
    birth_date: date

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def prc_id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, PRC_ID_WEIGHTS, strict=True))
    return PRC_ID_CHECK_CHARS[total % 11]


def normalize_id_number(text: str) -> str:
    """The ID number as ASCII digits and `X`, however it was typed: full-width (１２３, what
    Chinese input methods give), another script's digits (٣٥٠), with spaces or dashes. Done before
    any check, the blind index or storage, so one number has one form and one owner."""
    kept = []
    for char in typed(text):
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            kept.append(str(digit))
        elif char in "Xx":
            kept.append("X")
    return "".join(kept)


def parse_prc_id(text: str, today: date) -> PrcId:
    """An 18-character PRC resident ID with a valid birth date and check character."""
    number = normalize_id_number(text)
    if not PRC_ID_PATTERN.match(number):
        raise InvalidInput("id_format")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInput("id_birth_date") from None
    if not PRC_ID_EARLIEST_BIRTH <= birth <= today:
        raise InvalidInput("id_birth_date")
    if prc_id_check_char(number[:17]) != number[17]:
        raise InvalidInput("id_check_digit")
    return PrcId(number=number, birth_date=birth)


def mask_id_number(number: str) -> str:
    """`3502**********1234`: enough to recognise one's own number, not to use it."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
