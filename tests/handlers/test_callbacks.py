from enum import StrEnum

import pytest

from handlers.callbacks import (
    CALLBACK_DATA_MAX_BYTES,
    Button,
    ButtonSigner,
    ForgedButton,
    Press,
)

signer = ButtonSigner(b"k" * 32)


def test_a_packed_button_unpacks_for_its_user() -> None:
    data = signer.pack(1001, 7, "f.theme", 3)
    assert signer.unpack(1001, data) == Press(action="f.theme", args=("3",), version=7)
    assert len(data.encode()) <= CALLBACK_DATA_MAX_BYTES


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: data.replace("f.theme", "f.avail"),
        lambda data: data.replace("|3|", "|4|"),
        lambda data: data[:-1] + ("A" if data[-1] != "A" else "B"),
        lambda data: "reg.confirm|7",
        lambda data: "",
        lambda data: "no separators at all",
    ],
)
def test_tampered_buttons_are_recognised(tamper) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ForgedButton):
        signer.unpack(1001, tamper(signer.pack(1001, 7, "f.theme", 3)))


def test_a_button_made_for_one_user_is_forged_for_another() -> None:
    with pytest.raises(ForgedButton):
        signer.unpack(2002, signer.pack(1001, 7, "f.theme", 3))


def test_packing_refuses_data_over_telegrams_limit() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        signer.pack(1001, 1, "x" * 60)


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class _PickTest(Button, action="test.pick", lasting=True):
    item_id: int
    colour: Colour
    chosen: bool
    note: str = ""


class _StepTest(Button, action="test.step"):
    page: int


def test_a_typed_button_packs_in_field_order_and_parses_back() -> None:
    button = _PickTest(item_id=-100123, colour=Colour.BLUE, chosen=True, note="x")
    assert button.args() == ("-100123", "blue", "1", "x")
    data = button.pack(signer, 1001, version=9)
    press = signer.unpack(1001, data)
    assert press.version == 0  # lasting: valid at any step
    assert _PickTest.parse(press.args) == button
    assert _PickTest.parse(("5", "red", "0")) == _PickTest(5, Colour.RED, False)  # default note
    # A trailing field at its default is not sent: the payload is what it has always been.
    assert _PickTest(5, Colour.RED, False).args() == ("5", "red", "0")


def test_a_step_button_carries_the_step_version() -> None:
    press = signer.unpack(1001, _StepTest(page=2).pack(signer, 1001, version=9))
    assert (press.action, press.args, press.version) == ("test.step", ("2",), 9)


@pytest.mark.parametrize(
    "args",
    [
        (),  # missing fields
        ("5", "red"),
        ("5", "red", "0", "note", "one too many"),
        ("five", "red", "0"),  # not a number
        ("5.0", "red", "0"),
        ("", "red", "0"),
        ("5", "green", "0"),  # not one of the enum's values
        ("5", "red", "yes"),  # booleans are 1 or 0
        ("1" * 40, "red", "0"),  # an integer no chat or row id can be
    ],
)
def test_arguments_that_describe_no_button_are_refused(args: tuple[str, ...]) -> None:
    with pytest.raises(ForgedButton):
        _PickTest.parse(args)


class _OnItem(Button):
    item_id: int


class _OpenItem(_OnItem, action="test.open", lasting=True):
    pass


class _RateItem(_OnItem, action="test.rate"):
    stars: int


def test_kinds_of_one_family_carry_its_fields_first() -> None:
    assert _OpenItem(7).args() == ("7",)
    assert _RateItem.parse(("7", "5")) == _RateItem(item_id=7, stars=5)
    assert not hasattr(_OnItem, "action")  # a family is no kind of button itself


def test_two_kinds_of_button_cannot_share_an_action() -> None:
    with pytest.raises(ValueError, match="two kinds"):

        class _Again(Button, action="test.step"):
            page: int


GOOD = signer.pack(1001, 7, "f.theme", 3)
MALFORMED = [
    GOOD[:-8] + "ÄÖÜ日本語éé",  # a signature of non-ASCII characters
    GOOD[:-1] + "é",
    "f.théme|3|7|" + GOOD[-8:],  # non-ASCII elsewhere
    GOOD.replace("|7|", "|٧|"),  # a version in other digits
    GOOD.replace("|7|", "|²|"),
    GOOD.replace("|7|", "|-7|"),
    GOOD.replace("|7|", "||"),
    GOOD.replace("|7|", "|" + "9" * 5000 + "|"),  # a version no int() takes
    "f.theme|3|7|" + "A" * 5000,  # overlong
    "|".join(["x"] * 40),  # too many fields
    "|" + GOOD[-8:],  # no payload
    "f.theme|" + GOOD[-8:],  # no version
    GOOD + "|",
    "\x00" * 64,
    "\ud800|7|AAAAAAAA",  # a lone surrogate
]


@pytest.mark.parametrize("data", MALFORMED)
def test_any_malformed_payload_is_a_forged_button(data: str) -> None:
    with pytest.raises(ForgedButton):
        signer.unpack(1001, data)


@pytest.mark.parametrize("version", ["²", "٧", "-7", "", "7.0", "9" * 30])
def test_a_signed_payload_with_a_version_that_is_no_number_is_forged(version: str) -> None:
    """Only the key's holder could sign these; even so, nothing but ForgedButton comes out."""
    parts = ["f.theme", "3", version]
    payload = "|".join(parts)
    with pytest.raises(ForgedButton):
        signer.unpack(1001, f"{payload}|{signer._sign(1001, payload)}")


def test_a_signed_payload_without_a_version_is_forged() -> None:
    with pytest.raises(ForgedButton):
        signer.unpack(1001, f"f.theme|{signer._sign(1001, 'f.theme')}")
