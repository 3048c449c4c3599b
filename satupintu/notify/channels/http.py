"""JSON over HTTPS to a provider, with its failures sorted into transient and permanent."""

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from satupintu.notify.channels.base import PermanentError, TransientError


def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    token: str,
    timeout: float,
    is_transient: Callable[[int, dict[str, Any]], bool] = lambda status, body: False,
) -> dict[str, Any]:
    """POST ``payload``; 429, 5xx and unreachable are transient, other 4xx permanent unless
    ``is_transient(status, error_body)`` says otherwise."""
    request = urllib.request.Request(  # noqa: S310 - the URL comes from our settings
        url,
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            body = {}
        detail = f"HTTP {exc.code}: {json.dumps(body)[:500]}"
        if exc.code == 429 or exc.code >= 500 or is_transient(exc.code, body):
            raise TransientError(detail) from exc
        raise PermanentError(detail) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc
