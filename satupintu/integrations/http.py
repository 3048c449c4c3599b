"""HTTP to outside systems: one place for timeouts, redirects, size limits and errors."""

import json as jsonlib
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

from satupintu.integrations.registry import CallFailed

USER_AGENT = "SatuPintu/1"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body as JSON; None when it is not JSON."""
        try:
            return jsonlib.loads(self.body)
        except ValueError:
            return None

    def header(self, name: str) -> str:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), "")

    def text(self, limit: int = 2000) -> str:
        return self.body[:limit].decode("utf-8", "replace")


def send(
    method: str,
    url: str,
    *,
    json: Any = None,
    data: Any = None,
    files: Any = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float | None = None,
) -> Answer:
    """Make one request and return whatever status came back; redirects are answers, not
    followed. No connection: CallFailed(retry=True). No answer in time: CallFailed with
    ``unknown_outcome`` (the request may have been carried out)."""
    try:
        response = requests.request(
            method,
            url,
            json=json,
            data=data,
            files=files,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            auth=auth,
            timeout=timeout if timeout is not None else settings.INTEGRATIONS_TIMEOUT,
            allow_redirects=False,
        )
    except requests.exceptions.ConnectTimeout as exc:
        raise CallFailed(f"no connection: {type(exc).__name__}") from exc
    except requests.exceptions.Timeout as exc:
        raise CallFailed("no answer in time", unknown_outcome=True) from exc
    except (requests.exceptions.RequestException, ValueError) as exc:
        raise CallFailed(f"no connection: {type(exc).__name__}") from exc
    return Answer(response.status_code, dict(response.headers), response.content)


def fetch(
    url: str,
    *,
    max_bytes: int,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
) -> bytes:
    """GET ``url``'s body, refusing more than ``max_bytes`` without reading it all."""
    try:
        with requests.get(
            url,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=timeout if timeout is not None else settings.INTEGRATIONS_TIMEOUT,
            allow_redirects=False,
            stream=True,
        ) as response:
            if response.status_code != 200:
                raise CallFailed(
                    f"HTTP {response.status_code}",
                    status_code=response.status_code,
                    retry=response.status_code >= 500,
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise CallFailed("file too large", status_code=200, retry=False)
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise CallFailed("file too large", status_code=200, retry=False)
                chunks.append(chunk)
            return b"".join(chunks)
    except requests.exceptions.Timeout as exc:
        raise CallFailed("no answer in time") from exc
    except (requests.exceptions.RequestException, ValueError) as exc:
        raise CallFailed(f"no connection: {type(exc).__name__}") from exc
