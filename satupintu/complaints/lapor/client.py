"""The wire of SP4N-LAPOR!: its headers, the SPLP gateway's token, its ``results`` envelope.

Through SPLP (provider ``lapor-splp``) every request carries ``Authorization: Bearer <gateway
token>``; the token comes from ``options["token_url"]`` by the client-credentials grant with
Basic ``consumer_key:consumer_secret``, is kept in the shared cache until shortly before it
expires (``expires_in``, else the JWT's ``exp``), and is fetched again once when the gateway
refuses it (401, WSO2 code 900901/900902) in the middle of a sync. LAPOR!'s own headers ``auth:
Bearer <token>`` and ``token: {GUID}`` pass through the gateway untouched; direct (provider
``lapor``) they are the only ones.

Secrets (the integration's encrypted fields): ``auth_token``, ``token`` and, through SPLP,
``consumer_key``, ``consumer_secret``. None of them is ever logged or kept in an answer.
"""

import base64
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core.cache import cache

from satupintu.integrations.http import Answer, send
from satupintu.integrations.models import Integration
from satupintu.integrations.registry import CallFailed

SPLP = "lapor-splp"
DIRECT = "lapor"
PROVIDERS = (SPLP, DIRECT)
# The token is dropped this many seconds before the gateway would refuse it.
TOKEN_MARGIN = 60
# Without expires_in nor a readable exp: WSO2's default lifetime is an hour; keep it less.
TOKEN_FALLBACK_SECONDS = 600
GATEWAY_REFUSALS = {"900901", "900902"}
MAX_PAGES = 50  # of one listing in one sync: a loop in next_page_url ends here


def _gateway_code(answer: Answer) -> str:
    """WSO2's error code in a refusal: ``{"code": ...}`` or, older, ``{"fault": {"code": ...}}``."""
    body = answer.json()
    if not isinstance(body, dict):
        return ""
    fault = body.get("fault")
    if isinstance(fault, dict):
        body = fault
    return str(body.get("code", ""))


def _jwt_exp(token: str) -> float | None:
    """The ``exp`` of a JWT access token (read, not verified: it only says when to refresh)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
        return float(claims["exp"])
    except (ValueError, KeyError, TypeError):
        return None


def results(answer: Answer) -> dict[str, Any]:
    """The ``results`` object of an answer (empty when there is none)."""
    body = answer.json()
    if isinstance(body, dict) and isinstance(body.get("results"), dict):
        found: dict[str, Any] = body["results"]
        return found
    return {}


def short(answer: Answer) -> str:
    """The start of an answer, for the outbox's record (LAPOR! echoes no secret of ours)."""
    return answer.body[:500].decode("utf-8", "replace")


def settled(request: Callable[[], Answer]) -> Answer:
    """``request``'s answer, where a timeout is only an outage: a request that changes nothing
    LAPOR! would act on twice (a token, an upload before the report) is simply retried, never
    held for a person as the report's own POST is when its outcome is unknown."""
    try:
        return request()
    except CallFailed as failure:
        if not failure.unknown_outcome:
            raise
        raise CallFailed(failure.message, status_code=failure.status_code) from failure


class LaporClient:
    """Requests to the LAPOR! API of one integration (``base_url`` e.g.
    ``https://api-splp.layanan.go.id/lapor/3.0.0``)."""

    def __init__(self, integration: Integration) -> None:
        if integration.provider not in PROVIDERS:
            raise CallFailed(f"not a LAPOR! provider: {integration.provider}", retry=False)
        self.integration = integration
        self.token_fetches = 0
        self.timeout: float | None = None  # seconds per request; None: the deployment's default

    # The gateway's token -------------------------------------------------------------------

    @property
    def _token_key(self) -> str:
        # Another consumer key (credentials changed in the admin) is another cached token.
        consumer = hashlib.sha256(self.integration.secret("consumer_key").encode()).hexdigest()
        return f"integrations:lapor:{self.integration.pk}:splp-token:{consumer[:16]}"

    def _gateway_token(self, *, fresh: bool = False) -> str:
        if not fresh:
            cached = cache.get(self._token_key)
            if isinstance(cached, str) and cached:
                return cached
        token_url = str(self.integration.option("token_url") or "")
        if not token_url:
            raise CallFailed("SPLP: options.token_url is not set", retry=False)
        self.token_fetches += 1
        answer = settled(
            lambda: send(
                "POST",
                token_url,
                data={"grant_type": "client_credentials"},
                auth=(
                    self.integration.secret("consumer_key"),
                    self.integration.secret("consumer_secret"),
                ),
                timeout=self.timeout,
            )
        )
        body = answer.json()
        if answer.status != 200 or not isinstance(body, dict) or not body.get("access_token"):
            error = body.get("error", "") if isinstance(body, dict) else ""
            raise CallFailed(
                f"SPLP token refused (HTTP {answer.status} {error or _gateway_code(answer)})",
                status_code=answer.status,
                answer=short(answer) if answer.status != 200 else "",
            )
        token = str(body["access_token"])
        lifetime: float = TOKEN_FALLBACK_SECONDS
        if (
            isinstance(body.get("expires_in"), int | float | str)
            and str(body["expires_in"]).isdigit()
        ):
            lifetime = float(body["expires_in"])
        elif (exp := _jwt_exp(token)) is not None:
            lifetime = exp - time.time()
        keep = int(lifetime - TOKEN_MARGIN)
        if keep > 0:
            cache.set(self._token_key, token, timeout=keep)
        return token

    def forget_token(self) -> None:
        cache.delete(self._token_key)

    # Requests ----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.integration.base_url.rstrip("/") + path

    def _headers(self, gateway_token: str) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "auth": f"Bearer {self.integration.secret('auth_token')}",
            "token": self.integration.secret("token"),
        }
        if gateway_token:
            headers["Authorization"] = f"Bearer {gateway_token}"
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        files: list[tuple[str, tuple[str | None, bytes]]] | None = None,
    ) -> Answer:
        """One request; through SPLP a refused token is fetched again and the request sent
        once more. A refusal that stays, a 5xx or a 429 raises CallFailed (retried later); any
        other answer is returned for the caller to read."""
        url = self.url(path)
        if params:
            url = f"{url}?{urlencode(params)}"
        splp = self.integration.provider == SPLP

        def sent(token: str) -> Answer:
            return send(
                method,
                url,
                json=json,
                data=data,
                files=files,
                headers=self._headers(token),
                timeout=self.timeout,
            )

        answer = sent(self._gateway_token() if splp else "")
        if splp and answer.status == 401 and _gateway_code(answer) in GATEWAY_REFUSALS:
            self.forget_token()
            answer = sent(self._gateway_token(fresh=True))
        if answer.status == 401:
            code = _gateway_code(answer)
            raise CallFailed(
                f"SP4N-LAPOR! refused the credentials (HTTP 401{' ' + code if code else ''})",
                status_code=401,
                answer=short(answer),
            )
        if answer.status >= 500 or answer.status == 429:
            raise CallFailed(
                f"SP4N-LAPOR! answered HTTP {answer.status}",
                status_code=answer.status,
                answer=short(answer),
            )
        return answer

    def pages(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every row of a paged listing: ``results.data[]`` and ``results.next_page_url``, or the
        same in a Laravel paginator at ``results.data`` (both forms are read). The next page is
        asked of our own base URL by its ``page`` number, whatever host the link names."""
        rows: list[dict[str, Any]] = []
        page = 1
        for _ in range(MAX_PAGES):
            answer = self.request("GET", path, params={**(params or {}), "page": page})
            if answer.status != 200:
                raise CallFailed(
                    f"SP4N-LAPOR! answered HTTP {answer.status} to a listing",
                    status_code=answer.status,
                    answer=short(answer),
                )
            found = results(answer)
            data = found.get("data")
            if isinstance(data, dict) and isinstance(data.get("data"), list):
                # A Laravel paginator inside ``results.data``: the rows and the link are in it.
                found, data = data, data["data"]
            rows += [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []
            following = found.get("next_page_url")
            if not following or not isinstance(following, str):
                break
            numbers = parse_qs(urlsplit(following).query).get("page", [])
            if not numbers or not numbers[0].isdigit() or int(numbers[0]) <= page:
                break
            page = int(numbers[0])
        return rows
