"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""

import math
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from satupintu.booking.api.serializers import SlotSerializer
from satupintu.booking.errors import BookingError
from satupintu.errors import DomainError


def _flatten(detail: Any, name: str = "non_field_errors") -> dict[str, list[str]]:
    """Field errors as {field: [messages]}; errors of nested fields and list items get dotted
    names (``attachments.0``), so ``fields`` keeps one shape whatever the serializer."""
    fields: dict[str, list[str]] = {}

    def add(key: str, value: Any) -> None:
        for field, messages in _flatten(value, key).items():
            fields.setdefault(field, []).extend(messages)

    if isinstance(detail, dict):
        for key, value in detail.items():
            add(str(key) if name == "non_field_errors" else f"{name}.{key}", value)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                if item:
                    add(f"{name}.{index}", item)
            else:
                fields.setdefault(name, []).append(str(item))
    else:
        fields[name] = [str(detail)]
    return fields


def _refusal(refused: DomainError) -> Response:
    """A context's refusal: its code, message, fields and status, and what it carries beside
    them (a full slot's next free slots, which the schema of its 409 always has)."""
    extra = dict(refused.extra)
    if isinstance(refused, BookingError) and refused.status == status.HTTP_409_CONFLICT:
        extra["next_slots"] = SlotSerializer(refused.next_slots, many=True).data
    error = {"code": refused.code, "message": refused.message, "fields": refused.fields, **extra}
    return Response({"error": error}, status=refused.status)


class TooMany(exceptions.APIException):
    """A 429 whose wait is said in the user's language (DRF's own ``Throttled`` appends an
    English sentence that no catalogue translates); ``wait`` becomes ``Retry-After``."""

    status_code = 429
    default_code = "throttled"

    def __init__(self, *, wait: float | None, detail: str = "") -> None:
        self.wait = wait
        message = detail or _("Too many requests.")
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            again = ngettext(
                "Try again in %(minutes)d minute.", "Try again in %(minutes)d minutes.", minutes
            )
            message = f"{message} {again % {'minutes': minutes}}"
        super().__init__(message, self.default_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return _refusal(exc)
    if isinstance(exc, exceptions.Throttled) and not isinstance(exc, TooMany):
        exc = TooMany(wait=exc.wait)  # type: ignore[attr-defined]  # stub gap: set in __init__
    if isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):  # an access check's "you see it, but not this"
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        error = {"code": "invalid", "message": _("Some values are not valid."), "fields": fields}
    else:
        detail = getattr(exc, "detail", "")
        code = detail.code if hasattr(detail, "code") else "error"
        error = {"code": code, "message": str(detail), "fields": {}}
    response.data = {"error": error}
    return response
