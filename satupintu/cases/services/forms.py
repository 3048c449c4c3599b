"""What people write into a case: the answers to the service's form, checked server-side, and
the longest notes, places and findings officers and applicants may write."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from satupintu.accounts.validators import clean_nib, clean_nik, clean_npwp
from satupintu.cases.errors import CaseError
from satupintu.catalog.models import Service

# Longest answer to one field of an online form, and the longest notes, places and findings
# officers and applicants write: longer ones are refused with a message, never cut.
FORM_VALUE_MAX = 2000
NOTE_MAX = 4000
CANCEL_NOTE_MAX = 2000
PLACE_MAX = 300
FINDINGS_MAX = 8000

# Identifier fields of online forms: normalised (Unicode digits, separators) and checked.
IDENTIFIERS = {"nik": clean_nik, "npwp": clean_npwp}
# What the platform itself keeps among the answers (no schema field can start with "_"): the
# outcome of the NIB check against OSS. Never taken from what an applicant sends.
NIB_CHECK = "_nib_check"
RESERVED = (NIB_CHECK,)


def answers_only(data: dict[str, Any]) -> dict[str, Any]:
    """The answers an applicant (or a client of the API) sent, without the platform's own keys."""
    return {k: v for k, v in data.items() if isinstance(k, str) and k not in RESERVED}


def check_length(text: str, *, limit: int) -> None:
    """CaseError if ``text`` is longer than ``limit`` characters."""
    if len(text.strip()) > limit:
        raise CaseError(
            "too_long",
            _("The text has %(n)s characters; at most %(limit)s are allowed.")
            % {"n": len(text.strip()), "limit": limit},
        )


def validate_form(service: Service, data: dict[str, Any]) -> dict[str, Any]:
    """The answers to the service's form schema, checked server-side; unknown keys are dropped."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in service.form_schema:
        name = field["name"]
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            if field.get("required"):
                errors[name] = _("This field is required.")
            continue
        if isinstance(value, str) and len(value) > FORM_VALUE_MAX:
            errors[name] = _("At most %(limit)s characters are allowed (%(n)s given).") % {
                "limit": FORM_VALUE_MAX,
                "n": len(value),
            }
            continue
        if field.get("type") in IDENTIFIERS:
            try:
                value = IDENTIFIERS[field["type"]](str(value))
            except ValidationError as exc:
                errors[name] = exc.messages[0]
                continue
        if field.get("type") == "select" and value not in field.get("choices", []):
            errors[name] = _("Choose one of the options.")
            continue
        clean[name] = value
    if errors:
        raise ValidationError(errors)
    for key in RESERVED:
        if isinstance(data.get(key), dict):
            clean[key] = data[key]
    return clean


def nib_field(nib: str) -> str:
    """The application's NIB, normalised; ValidationError on the ``nib`` field if invalid."""
    try:
        return clean_nib(nib or "")
    except ValidationError as invalid:
        raise ValidationError({"nib": invalid.messages}) from invalid
