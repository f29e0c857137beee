import pytest

from handlers.callbacks import CALLBACK_DATA_MAX_BYTES, ButtonSigner, ForgedButton, Press

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
