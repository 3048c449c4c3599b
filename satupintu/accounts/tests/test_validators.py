import pytest
from django.core.exceptions import ValidationError

from satupintu.accounts.validators import normalize_phone, validate_nik


def test_valid_nik_passes():
    validate_nik("3271014501900001")


@pytest.mark.parametrize(
    "value", ["327101450190000", "32710145019000012", "3271013201900001", "32710a4501900001", ""]
)
def test_malformed_nik_is_refused_with_a_message_in_indonesian(value):
    with pytest.raises(ValidationError) as error:
        validate_nik(value)
    assert "NIK" in error.value.messages[0]
    assert "16 digit" in error.value.messages[0]


@pytest.mark.parametrize("value", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890"])
def test_indonesian_mobile_numbers_are_stored_in_e164(value):
    assert normalize_phone(value) == "+6281234567890"


@pytest.mark.parametrize("value", ["12", "nomor saya", "+1 202"])
def test_invalid_phone_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        normalize_phone(value)
