"""Checks on what agencies upload to the catalog: form files and online form schemas."""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _

from satupintu.filecheck import FORM_KINDS, check_upload

FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "date",
    "email",
    "phone",
    "nik",
    "npwp",
    "select",
    "checkbox",
    "file",
)
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def validate_form_file(upload: File) -> None:
    """Accept a PDF or DOCX no larger than FORM_UPLOAD_MAX_BYTES whose content matches its name."""
    check_upload(upload, kinds=FORM_KINDS, max_bytes=settings.FORM_UPLOAD_MAX_BYTES)


def _label_ok(label: Any) -> bool:
    if isinstance(label, str):
        return bool(label.strip())
    return isinstance(label, dict) and isinstance(label.get("id"), str) and bool(label["id"])


def validate_form_schema(schema: Any) -> None:
    """An online form is a list of fields: {name, label, type, required?, choices?, help?}.

    ``label`` is a string or {"id": ..., "en": ...}; ``choices`` (a non-empty list of strings)
    is required for "select" fields.
    """
    if not isinstance(schema, list):
        raise ValidationError(_("The form schema must be a list of fields."), code="schema")
    seen: set[str] = set()
    for index, field in enumerate(schema, start=1):
        if not isinstance(field, dict):
            raise ValidationError(
                _("Field %(n)s must be an object."), code="schema", params={"n": index}
            )
        name = field.get("name")
        if not isinstance(name, str) or not FIELD_NAME.match(name):
            raise ValidationError(
                _("Field %(n)s needs a name of lower-case letters, digits and underscores."),
                code="schema",
                params={"n": index},
            )
        if name in seen:
            raise ValidationError(
                _("Field name %(name)s is used twice."), code="schema", params={"name": name}
            )
        seen.add(name)
        if not _label_ok(field.get("label")):
            raise ValidationError(
                _("Field %(name)s needs a label."), code="schema", params={"name": name}
            )
        if field.get("type") not in FIELD_TYPES:
            raise ValidationError(
                _("Field %(name)s has an unknown type; use one of %(types)s."),
                code="schema",
                params={"name": name, "types": ", ".join(FIELD_TYPES)},
            )
        if not isinstance(field.get("required", False), bool):
            raise ValidationError(
                _("Field %(name)s: required must be true or false."),
                code="schema",
                params={"name": name},
            )
        if field["type"] == "select":
            choices = field.get("choices")
            if not (
                isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices)
            ):
                raise ValidationError(
                    _("Field %(name)s is a select and needs a list of choices."),
                    code="schema",
                    params={"name": name},
                )
