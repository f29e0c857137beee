import pytest

from models.crypto import IdCipher


def test_id_numbers_round_trip_and_the_ciphertext_does_not_contain_them() -> None:
    cipher = IdCipher(IdCipher.generate_key())
    token = cipher.encrypt("350203199005171234")
    assert b"350203199005171234" not in token
    assert cipher.decrypt(token) == "350203199005171234"


def test_blind_index_is_stable_per_key_and_differs_between_keys() -> None:
    one, other = IdCipher(IdCipher.generate_key()), IdCipher(IdCipher.generate_key())
    assert one.blind_index("350203199005171234") == one.blind_index("350203199005171234")
    assert one.blind_index("350203199005171234") != other.blind_index("350203199005171234")
    assert one.blind_index("350203199005171234") != one.blind_index("350203199005171235")


def test_a_malformed_key_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="volbot keygen"):
        IdCipher("not a key")


def test_decrypting_under_another_key_fails_plainly() -> None:
    token = IdCipher(IdCipher.generate_key()).encrypt("350203199005171234")
    with pytest.raises(ValueError, match="another ID_ENCRYPTION_KEY"):
        IdCipher(IdCipher.generate_key()).decrypt(token)
