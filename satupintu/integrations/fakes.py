"""Local stand-ins for outside systems: real HTTP servers on loopback that speak each system's
protocol, for the tests and for a hands-on try (``manage.py run_fakes``).

A fake subclasses FakeServer and answers in ``handle``; it runs in a daemon thread::

    with FakeOss() as oss:            # oss.base_url == "http://127.0.0.1:<port>"
        ...
        assert oss.requests[-1].json()["IZINSTATUS"]["kd_status"] == "50"
"""

import email.parser
import email.policy
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class Headers(dict[str, str]):
    """Request headers; looked up case-insensitively."""

    def get_header(self, name: str, default: str = "") -> str:
        lowered = name.lower()
        return next((v for k, v in self.items() if k.lower() == lowered), default)


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get_header(name, default)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def form(self) -> tuple[dict[str, str], dict[str, bytes]]:
        """A urlencoded or multipart body as (fields, files)."""
        content_type = self.header("Content-Type")
        if content_type.startswith("application/x-www-form-urlencoded"):
            parsed = urllib.parse.parse_qs(self.body.decode("utf-8", "replace"))
            return {k: v[-1] for k, v in parsed.items()}, {}
        if not content_type.startswith("multipart/form-data"):
            return {}, {}
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + self.body
        )
        fields: dict[str, str] = {}
        files: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            if part.get_filename() is not None:
                files[name] = content
            else:
                fields[name] = content.decode("utf-8", "replace")
        return fields, files


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """A real HTTP server on 127.0.0.1 answering with ``handle``. ``delay`` seconds are waited
    before each answer (to make a client time out); ``requests`` keeps what came in."""

    name = "fake"

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.delay = 0.0
        self.requests: list[FakeRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def handle(self, request: FakeRequest) -> FakeResponse:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urllib.parse.urlsplit(self.path)
                request = FakeRequest(
                    method=self.command,
                    path=split.path,
                    query=urllib.parse.parse_qs(split.query),
                    headers=Headers(self.headers.items()),
                    body=body,
                )
                with fake._lock:
                    fake.requests.append(request)
                if fake.delay:
                    time.sleep(fake.delay)
                try:
                    response = fake.handle(request)
                except Exception as exc:  # a bug in a fake shows as its 500, with the reason
                    response = FakeResponse(500, {"error": f"fake failed: {exc!r}"})
                payload = response.body
                headers = dict(response.headers)
                if isinstance(payload, dict | list):
                    payload = json.dumps(payload).encode()
                    headers.setdefault("Content-Type", "application/json")
                try:
                    self.send_response(response.status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_fakes: dict[str, Callable[[], FakeServer]] = {}


def register_fake(name: str, factory: Callable[[], FakeServer]) -> None:
    """Make ``manage.py run_fakes`` start this fake too."""
    _fakes[name] = factory


def registered_fakes() -> dict[str, Callable[[], FakeServer]]:
    return dict(_fakes)
