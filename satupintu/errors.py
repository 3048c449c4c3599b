"""The one domain error: a rule refused what was asked (machine code, message, HTTP status).

Each context raises its own subclass from its own ``errors.py`` and says there which of its
codes answer with which HTTP status; the API's exception handler (``api/errors.py``) and the
pages' decorator (``pages.py``) turn any of them into an answer, each in one place.
"""

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """A refusal: ``code`` names the rule, ``message`` says it to the person (translated when
    raised), ``fields`` ties it to inputs, ``extra`` carries what the answer documents beside
    them (plain JSON values)."""

    default_status: ClassVar[int] = 400
    # The codes of this context that are not about the request's content, and their status.
    statuses: ClassVar[Mapping[str, int]] = {}

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.status = status or self.statuses.get(code, self.default_status)
        self.extra = extra or {}
