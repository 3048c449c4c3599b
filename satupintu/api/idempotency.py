"""The Idempotency-Key header, read the same way by every endpoint that takes one."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request

IDEMPOTENCY_KEY_MAX = 100


def idempotency_key(request: Request) -> str:
    """The request's Idempotency-Key (``""`` without one); a longer one than the column holds
    is refused, never cut (two different keys would otherwise become the same)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise exceptions.ValidationError(
            {
                "non_field_errors": [
                    _("The Idempotency-Key may have at most %(n)s characters.")
                    % {"n": IDEMPOTENCY_KEY_MAX}
                ]
            }
        )
    return key
