"""Validators for Indonesian identifiers: NIK, NPWP, NIB and phone numbers."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as stdnum_nik


def validate_nik(value: str) -> None:
    """A NIK (Nomor Induk Kependudukan) is 16 digits encoding region and birth date."""
    try:
        stdnum_nik.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("Enter a valid NIK: 16 digits as printed on the KTP-el."), code="invalid_nik"
        ) from exc


def normalize_phone(value: str) -> str:
    """Return an Indonesian phone number in E.164 form, or raise ValidationError."""
    try:
        number = phonenumbers.parse(value, "ID")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    normalize_phone(value)
