"""HTTP to outside systems: one place for timeouts, redirects, size limits and errors."""

import ipaddress
import json as jsonlib
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

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


DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class FetchRules:
    """Where the links an outside system hands us may point, so a pushed link cannot make us
    fetch from elsewhere (SSRF): https or the system's own scheme; its base URL's host and
    port, or a host of its allow-list (``host`` or ``host:port``); and no private, loopback or
    link-local address unless its base URL is one itself (a fake on loopback, a VPN host)."""

    schemes: frozenset[str]
    origins: frozenset[tuple[str, int]]
    base_host: str

    @property
    def private_ok(self) -> bool:
        return bool(self.base_host) and not _all_global(_addresses(self.base_host, None) or [])


def _host(name: str) -> str:
    return name.strip().lower().rstrip(".")


def fetch_rules(base_url: str, allowed_hosts: Iterable[str] = ()) -> FetchRules:
    """The rules for a system at ``base_url`` whose files may also come from ``allowed_hosts``."""
    try:
        base = urlsplit(base_url.strip())
        base_port = base.port
    except ValueError:
        base, base_port = urlsplit(""), None
    scheme = base.scheme.lower()
    schemes = {"https"} | ({scheme} if scheme in DEFAULT_PORTS else set())
    origins: set[tuple[str, int]] = set()
    if base.hostname and scheme in DEFAULT_PORTS:
        origins.add((_host(base.hostname), base_port or DEFAULT_PORTS[scheme]))
    for entry in allowed_hosts:
        if not isinstance(entry, str) or not entry.strip():
            continue
        text = entry.strip()
        try:
            parsed = urlsplit(text if "//" in text else f"//{text}")
            port = parsed.port
        except ValueError:
            continue
        if not parsed.hostname:
            continue
        host = _host(parsed.hostname)
        if port is not None:
            origins.add((host, port))
        else:
            origins.update((host, default) for default in DEFAULT_PORTS.values())
    return FetchRules(
        schemes=frozenset(schemes),
        origins=frozenset(origins),
        base_host=_host(base.hostname or "") if scheme in DEFAULT_PORTS else "",
    )


def _addresses(host: str, port: int | None) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses ``host`` resolves to; empty when it does not resolve."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses = []
    for *_rest, sockaddr in found:
        try:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            continue
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        addresses.append(address)
    return addresses


def _all_global(addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    return all(a.is_global and not a.is_multicast for a in addresses)


def url_refusal(url: str, rules: FetchRules, *, resolve: bool = True) -> str | None:
    """Why ``url`` may not be fetched under ``rules`` (a short English reason), or None.
    Without ``resolve`` the host's addresses are not looked up (checked again at the fetch)."""
    if any(ord(c) <= 0x20 or c == "\\" for c in url):
        return "link refused: spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "link refused: not a URL"
    scheme = parts.scheme.lower()
    if scheme not in rules.schemes:
        return f"link refused: scheme {scheme or '-'} not allowed"
    if parts.username is not None or parts.password is not None:
        return "link refused: credentials in the link"
    host = _host(parts.hostname or "")
    if not host:
        return "link refused: no host"
    if (host, port or DEFAULT_PORTS[scheme]) not in rules.origins:
        return "link refused: host not allowed for this integration"
    if not resolve:
        return None
    addresses = _addresses(host, port or DEFAULT_PORTS[scheme])
    if not addresses:
        return "link refused: host not found"
    if not _all_global(addresses) and not rules.private_ok:
        return PRIVATE_REFUSED
    return None


PRIVATE_REFUSED = "link refused: private address"


def _guarded(base: type[HTTPConnection], private_ok: bool) -> type[HTTPConnection]:
    """``base`` checking the address it actually connected to, so a host that resolved to a
    public address when checked and to a private one when connecting (DNS rebinding) is
    refused before anything is sent."""

    class Guarded(base):  # type: ignore[misc,valid-type]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            try:
                peer = ipaddress.ip_address(str(sock.getpeername()[0]).split("%", 1)[0])
            except (OSError, ValueError) as exc:
                sock.close()
                raise NewConnectionError(self, "link refused: unknown peer") from exc
            if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
                peer = peer.ipv4_mapped
            if not private_ok and not _all_global([peer]):
                sock.close()
                raise NewConnectionError(self, PRIVATE_REFUSED)
            return sock

    return Guarded


class GuardedAdapter(HTTPAdapter):
    """Connections that refuse a private, loopback or link-local peer (unless ``private_ok``)."""

    def __init__(self, *, private_ok: bool) -> None:
        self.private_ok = private_ok
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        pools = {
            "http": type(
                "GuardedHTTPPool",
                (HTTPConnectionPool,),
                {"ConnectionCls": _guarded(HTTPConnection, self.private_ok)},
            ),
            "https": type(
                "GuardedHTTPSPool",
                (HTTPSConnectionPool,),
                {"ConnectionCls": _guarded(HTTPSConnection, self.private_ok)},
            ),
        }
        self.poolmanager.pool_classes_by_scheme = pools


def guarded_session(*, private_ok: bool) -> requests.Session:
    """A session whose connections go only to public addresses (unless ``private_ok``)."""
    session = requests.Session()
    adapter = GuardedAdapter(private_ok=private_ok)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def fetch(
    url: str,
    *,
    rules: FetchRules,
    max_bytes: int,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
) -> bytes:
    """GET ``url``'s body, refusing more than ``max_bytes`` without reading it all. The link
    must pass ``rules`` (else CallFailed, not retried, nothing requested); a redirect is
    refused, never followed."""
    refusal = url_refusal(url, rules)
    if refusal is not None:
        raise CallFailed(refusal, retry=False)
    try:
        with (
            guarded_session(private_ok=rules.private_ok) as session,
            session.get(
                url,
                headers={"User-Agent": USER_AGENT, **(headers or {})},
                timeout=timeout if timeout is not None else settings.INTEGRATIONS_TIMEOUT,
                allow_redirects=False,
                stream=True,
            ) as response,
        ):
            if 300 <= response.status_code < 400:
                raise CallFailed(
                    f"redirect refused (HTTP {response.status_code})",
                    status_code=response.status_code,
                    retry=False,
                )
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
    except requests.exceptions.ConnectionError as exc:
        if PRIVATE_REFUSED in str(exc):
            raise CallFailed(PRIVATE_REFUSED, retry=False) from exc
        raise CallFailed(f"no connection: {type(exc).__name__}") from exc
    except (requests.exceptions.RequestException, ValueError) as exc:
        raise CallFailed(f"no connection: {type(exc).__name__}") from exc
