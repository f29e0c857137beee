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


def test_during_a_rotation_old_numbers_decrypt_and_new_ones_are_under_the_new_key() -> None:
    old_key, new_key = IdCipher.generate_key(), IdCipher.generate_key()
    old, both = IdCipher(old_key), IdCipher(new_key, [old_key])
    token = old.encrypt("350203199005171234")
    assert both.decrypt(token) == "350203199005171234"
    assert not both.is_current(token) and both.is_current(both.encrypt("350203199005171234"))
    assert both.key_of(token) == old.fingerprint
    assert both.key_of(IdCipher(IdCipher.generate_key()).encrypt("1")) is None
    assert both.former_indexes("350203199005171234") == [old.blind_index("350203199005171234")]
    assert IdCipher(new_key).fingerprint == both.fingerprint != old.fingerprint
    assert both.old_fingerprints == (old.fingerprint,)


def test_a_fingerprint_reveals_neither_the_key_nor_the_index_key() -> None:
    key = IdCipher.generate_key()
    fingerprint = IdCipher(key).fingerprint
    assert len(fingerprint) == 64 and key not in fingerprint
    assert fingerprint != IdCipher(key).blind_index("")


def test_a_malformed_old_key_is_named() -> None:
    with pytest.raises(ValueError, match="ID_ENCRYPTION_OLD_KEYS"):
        IdCipher(IdCipher.generate_key(), ["nope"])
