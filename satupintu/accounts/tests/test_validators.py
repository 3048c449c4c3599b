import pytest
from django.core.exceptions import ValidationError

from satupintu.accounts.validators import (
    clean_nib,
    clean_nik,
    clean_npwp,
    normalize_nik,
    normalize_phone,
    validate_nik,
)


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


NIK = "3271014501900001"
# The same NIK as people type or paste it: full-width digits (Japanese/Chinese keyboards),
# Arabic-Indic and Devanagari digits, grouped with spaces, dots or dashes, non-breaking spaces.
SAME_NIK = [
    "３２７１０１４５０１９００００１",
    "٣٢٧١٠١٤٥٠١٩٠٠٠٠١",
    "३२७१०१४५०१९०००0१",
    "3271 0145 0190 0001",
    "3271.0145.0190.0001",
    "3271-0145-0190-0001",
    "3271\u00a00145\u00a00190\u00a00001",
    " ３２７１-０１４５ 0190.0001 ",
]


@pytest.mark.parametrize("typed", SAME_NIK)
def test_a_nik_in_other_digits_or_with_separators_is_the_same_nik(typed):
    assert normalize_nik(typed) == NIK
    assert clean_nik(typed) == NIK
    validate_nik(typed)


@pytest.mark.parametrize(
    "typed", ["３２７１０１４５０１９０００", "3271_0145_0190_0001", "3271O14501900001"]
)
def test_a_nik_that_stays_wrong_after_normalising_is_refused(typed):
    with pytest.raises(ValidationError):
        clean_nik(typed)


def test_npwp_and_nib_are_normalised_then_checked():
    assert clean_npwp("01.300.066.6-091.000") == "013000666091000"
    assert clean_npwp("０１３０００６６６０９１０００") == "013000666091000"
    with pytest.raises(ValidationError):
        clean_npwp("01.300.066.7-091.000")  # wrong check digit
    assert clean_nib("１２３４ ５６７８９-０１２３") == "1234567890123"
    assert clean_nib("") == ""
    for wrong in ("123456789012", "12345678901234", "12345678901ab"):
        with pytest.raises(ValidationError):
            clean_nib(wrong)


@pytest.mark.parametrize(
    "value", ["０８１２-３４５６-７８９０", "+62 812 3456 7890", "0812.3456.7890"]
)
def test_phone_digits_are_normalised_too(value):
    assert normalize_phone(value) == "+6281234567890"


@pytest.mark.parametrize(
    "value",
    [
        "021 5550123",  # a Jakarta landline: no WhatsApp, no SMS
        "+1 650 253 0000",  # a valid US number
        "+44 7911 123456",  # a valid UK mobile
        "+65 8123 4567",  # a valid Singapore mobile
    ],
)
def test_only_indonesian_mobile_numbers_unless_the_setting_allows_more(value, settings):
    settings.ALLOW_FOREIGN_PHONES = False
    with pytest.raises(ValidationError) as refused:
        normalize_phone(value)
    assert "0812" in refused.value.messages[0]
    settings.ALLOW_FOREIGN_PHONES = True
    assert normalize_phone(value).startswith("+")
