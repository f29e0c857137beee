from datetime import date

import pytest

from models.errors import InvalidInput
from models.registration.validation import (
    mask_id_number,
    normalize_name,
    normalize_phone,
    parse_prc_id,
)
from tests.ids import make_id, with_wrong_check

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("王小明", "王小明"),
        ("  Mary-Jane   O'Neil ", "Mary-Jane O'Neil"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("Wang\u202e Xiaoming", "Wang Xiaoming"),  # a direction override is dropped
        ("\u200bLi\u2060 Hua\ufeff", "Li Hua"),  # zero-width characters too
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("Nguye\u0302\u0303n", "Nguyễn"),  # typed decomposed: composed, not refused
        ("བསྒྲུབས", "བསྒྲུབས"),  # Tibetan stacks three marks on one letter
    ],
)
def test_names_are_accepted_and_tidied(typed: str, stored: str) -> None:
    assert normalize_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("x" * 5000, "name_too_long"),
        ("😀😀", "name_invalid"),
        ("王小明😀", "name_invalid"),
        ("Agent 007", "name_invalid"),
        ("   ", "name_invalid"),
        ("...", "name_invalid"),
        ("\u3164", "name_invisible"),  # a Hangul filler: a "letter" that shows nothing
        ("\u115f\u3164 \u200b", "name_invisible"),
        ("\u200b\u200c\u200d\u2060\ufeff", "name_invisible"),
        ("\u202e\u2066", "name_invisible"),
        ("Z" + "\u0336\u0301\u0300" * 10, "name_marks"),  # "zalgo": marks piled on a letter
        ("\u0301\u0301", "name_invalid"),  # marks on nothing
    ],
)
def test_bad_names_are_refused_with_a_reason(typed: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize_name(typed)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138 0013 8000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),  # a shared Telegram contact has no plus
        ("+852 5123 4567", "+85251234567"),
    ],
)
def test_phone_numbers_are_stored_in_e164(typed: str, stored: str) -> None:
    assert normalize_phone(typed, "CN") == stored


@pytest.mark.parametrize("typed", ["12345", "call me", "138001380001234", ""])
def test_invalid_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize_phone(typed, "CN")
    assert refused.value.code == "phone_invalid"


def test_a_valid_id_number_gives_birth_date_and_mask() -> None:
    number = make_id(date(1990, 5, 17))
    parsed = parse_prc_id(number.lower(), TODAY)
    assert parsed.birth_date == date(1990, 5, 17)
    assert parsed.masked == number[:4] + "*" * 10 + number[-4:]


def test_the_published_sample_id_with_x_check_character_is_valid() -> None:
    assert parse_prc_id("11010519491231002x", TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        (with_wrong_check(make_id()), "id_check_digit"),
        ("35020319900517123", "id_format"),
        ("3502031990051712345", "id_format"),
        ("35020319901317123X", "id_birth_date"),
        (make_id(date(2030, 1, 1)), "id_birth_date"),
        ("abcdefghijklmnopqr", "id_format"),
    ],
)
def test_bad_id_numbers_are_refused_with_a_reason(typed: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_prc_id(typed, TODAY)
    assert refused.value.code == code


def _in_digits(number: str, zero: str) -> str:
    """`number` written with another script's digits (`zero` is that script's 0)."""
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in number)


@pytest.mark.parametrize(
    "typed",
    [
        _in_digits(make_id(), "\uff10"),  # full-width, as Chinese keyboards type them
        _in_digits(make_id(), "\u0660"),  # Arabic-Indic
        _in_digits(make_id(), "\u09e6"),  # Bengali
        " ".join([make_id()[:6], make_id()[6:14], make_id()[14:]]),
        make_id()[:6] + "-" + make_id()[6:],
    ],
)
def test_id_numbers_in_any_digits_are_stored_in_ascii(typed: str) -> None:
    assert parse_prc_id(typed, TODAY).number == make_id()


def test_a_full_width_x_check_character_is_an_ascii_x() -> None:
    typed = _in_digits("11010519491231002", "\uff10") + "\uff58"
    assert parse_prc_id(typed, TODAY).number == "11010519491231002X"


def test_mask_keeps_only_the_first_and_last_four() -> None:
    assert mask_id_number("350203199005171234") == "3502**********1234"
