"""Indonesian identifiers (NIK, NPWP, NIB) and phone numbers: normalised, then checked.

Every form, serializer and service takes identifiers through these functions, so that a NIK
typed with full-width or other Unicode digits, spaces, dots or dashes is the same NIK before any
check or uniqueness test.
"""

import unicodedata
from datetime import date

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as stdnum_nik
from stdnum.id import npwp as stdnum_npwp

# Written between groups of digits on cards and letters; never part of the number.
SEPARATORS = frozenset(" .-/\t\u00a0\u2010\u2011\u2012\u2013\u2014\u2212")
NIB_DIGITS = 13
PHONE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def ascii_digits(value: str) -> str:
    """``value`` in NFKC form with every Unicode decimal digit (full-width, Arabic-Indic,
    Devanagari...) as its ASCII digit."""
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)


def _digits_only(value: str) -> str:
    return "".join(c for c in ascii_digits(value).strip() if c not in SEPARATORS)


def normalize_nik(value: str) -> str:
    """A NIK as ASCII digits without separators ("３２０１ 0112-3456.0001" becomes
    "3201011234560001"). Not checked: see ``validate_nik``."""
    return _digits_only(value)


def normalize_npwp(value: str) -> str:
    """An NPWP without its dots and dashes (15 or 16 ASCII digits as far as it is one)."""
    return _digits_only(value)


def normalize_nib(value: str) -> str:
    """An NIB (Nomor Induk Berusaha) as ASCII digits, separators removed."""
    return _digits_only(value)


def validate_nik(value: str) -> None:
    """A NIK (Nomor Induk Kependudukan) is 16 digits encoding region and birth date."""
    try:
        stdnum_nik.validate(normalize_nik(value))
    except StdnumError as exc:
        raise ValidationError(
            _("Enter a valid NIK: 16 digits as printed on the KTP-el."), code="invalid_nik"
        ) from exc


def nik_birth_date(value: str, *, today: date) -> date | None:
    """The birth date a NIK encodes (digits 7-12 as DDMMYY, women with 40 added to the day), or
    None when it encodes none. The year has two digits: of the two centuries, the latest date
    not after ``today`` (so never in the future, and at most a hundred years ago)."""
    nik = normalize_nik(value)
    if len(nik) != 16 or not (nik.isascii() and nik.isdigit()):
        return None
    day, month, year = int(nik[6:8]) % 40, int(nik[8:10]), int(nik[10:12])
    candidates = []
    for century in (2000, 1900):
        try:
            candidates.append(date(century + year, month, day))
        except ValueError:  # no such day (a 29 February of 1900, a month 13)
            continue
    past = [born for born in candidates if born <= today]
    return max(past, default=None)


def age_on(born: date, day: date) -> int:
    """Full years from ``born`` to ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def clean_nik(value: str) -> str:
    """The normalised NIK, or ValidationError."""
    nik = normalize_nik(value)
    validate_nik(nik)
    return nik


def clean_npwp(value: str) -> str:
    """The normalised NPWP (15 or 16 digits with a valid check digit), or ValidationError."""
    npwp = normalize_npwp(value)
    try:
        stdnum_npwp.validate(npwp)
    except StdnumError as exc:
        raise ValidationError(
            _("Enter a valid NPWP: 15 or 16 digits as printed on the card."), code="invalid_npwp"
        ) from exc
    return npwp


def clean_nib(value: str) -> str:
    """The normalised NIB (13 digits), "" for none, or ValidationError."""
    nib = normalize_nib(value)
    if nib and not (len(nib) == NIB_DIGITS and nib.isascii() and nib.isdigit()):
        raise ValidationError(_("An NIB has 13 digits."), code="invalid_nib")
    return nib


def normalize_phone(value: str) -> str:
    """A number WhatsApp and SMS can reach, in E.164 form, or ValidationError.

    An Indonesian mobile number, unless ``ALLOW_FOREIGN_PHONES`` accepts any valid number.
    """
    invalid = ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    try:
        number = phonenumbers.parse(ascii_digits(value).strip(), "ID")
    except phonenumbers.NumberParseException as exc:
        raise invalid from exc
    if not phonenumbers.is_valid_number(number):
        raise invalid
    if not settings.ALLOW_FOREIGN_PHONES and (
        phonenumbers.region_code_for_number(number) != "ID"
        or phonenumbers.number_type(number) not in PHONE_TYPES
    ):
        raise ValidationError(
            _("Enter an Indonesian mobile number (for WhatsApp and SMS), e.g. 0812 3456 7890."),
            code="not_mobile",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    normalize_phone(value)
