"""Logs: one JSON object per line, a request id followed into Celery tasks, no personal data.

Every line goes through two filters on the handler (settings.LOGGING): ``RequestIdFilter``
stamps the id of the request (or task) being served; ``PersonalDataFilter`` masks NIKs, phone
numbers, email addresses and the secrets a URL path can carry, in the message, the traceback
and every text field, whatever logger wrote it. ``JsonFormatter`` writes the line.

Paths in logs (README "Logs"): of a request Django resolved, every value captured by a ``str``
or ``path`` converter or a regular expression becomes ``*`` (codes, tracking IDs, claim and
reset secrets, signed links), ids (``int``) and slugs stay; of a path that resolved to nothing,
only segments that are words of our URLs, lowercase words (a slug, a file name) or numbers of up
to 9 digits (an id) stay, every other segment becomes ``*``. The query string is never logged.
"""

import json
import logging
import logging.config
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver, get_resolver

REQUEST_ID_HEADER = "X-Request-ID"
# The header a proxy sends is taken only if it is this (what request ids look like: UUIDs,
# nginx's $request_id, hex or base32 strings); anything else is replaced by our own.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# The Celery message header carrying the id from the web process to the worker.
TASK_HEADER = "request_id"
MASK = "*"

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_task: ContextVar[tuple[str, str] | None] = ContextVar("task", default=None)

logger = logging.getLogger("satupintu.request")


def current_request_id() -> str | None:
    return _request_id.get()


@contextmanager
def request_id_set(value: str | None) -> Iterator[None]:
    """``value`` is the request id of every line written inside the block."""
    token = _request_id.set(value)
    try:
        yield
    finally:
        _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    """The proxy's request id if it is sane (length, characters, no personal data), else ours."""
    if value and SANE_REQUEST_ID.fullmatch(value) and mask_personal_data(value) == value:
        return value
    return new_request_id()


# -- personal data -----------------------------------------------------------------------------

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Not the decimals of a number ("0.8123456789012345s"): (?<!\d\.).
NIK = re.compile(r"(?<!\d)(?<!\d\.)\d{16}(?!\d)")
# Indonesian mobile numbers as people write them: +62 812-3456-7890, 62812..., 0812 3456 7890,
# 0812.3456.7890, %2B62812... (URL-encoded).
PHONE = re.compile(r"(?<!\d)(?<!\d\.)(?:\+|%2B)?(?:62|0)[\s.-]?8(?:[\s.()-]?\d){7,11}(?!\d)", re.I)
# Any other run of 15 or more digits (an NPWP, a NIK written with separators) is no one's business.
LONG_NUMBER = re.compile(r"(?<!\d)(?<!\d\.)\d(?:[\s.-]?\d){14,}(?!\d)")


# Four digits in a row (single separators allowed): what every number below begins with.
DIGIT_RUN = re.compile(r"\d(?:[\s.()-]?\d){3}")
DECIMAL = re.compile(r"\d+\.\d+")


def _unless_decimal(mask: str) -> Callable[[re.Match[str]], str]:
    """A replacement that spares a decimal number (a duration: ``0.8123456789s``)."""
    return lambda match: match[0] if DECIMAL.fullmatch(match[0]) else mask


def mask_personal_data(text: str) -> str:
    """``text`` with email addresses, NIKs, phone numbers and long numbers masked."""
    # Most lines hold no "@" and no long number: cheap tests spare them the expressions.
    if "@" in text or "%40" in text:
        text = EMAIL.sub("[email]", text)
    if DIGIT_RUN.search(text):
        text = NIK.sub("[nik]", text)
        text = PHONE.sub(_unless_decimal("[phone]"), text)
        text = LONG_NUMBER.sub(_unless_decimal("[number]"), text)
    return text


# -- paths -------------------------------------------------------------------------------------

SAFE_SEGMENT = re.compile(r"[a-z][a-z_-]{0,49}(?:\.[a-z0-9]{1,5})?|\d{1,9}")
CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
KEPT_CONVERTERS = {"int", "slug"}


@cache
def _url_words() -> frozenset[str]:
    """Every literal segment of our URL patterns (``2fa``, ``v1``, ``open311``...)."""
    words: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            for part in str(pattern.pattern).strip("^$").split("/"):
                if part and not re.search(r"[<>()\[\]\\?*+^$|{}]", part):
                    words.add(part)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)

    walk(get_resolver().url_patterns)
    return frozenset(words)


def mask_unknown_path(path: str) -> str:
    """A path no URL pattern matched: only segments that cannot be a secret stay."""
    words = _url_words()
    return "/".join(
        part if not part or part in words or SAFE_SEGMENT.fullmatch(part) else MASK
        for part in path.split("/")
    )


def path_for_log(request: HttpRequest) -> str:
    """``request.path`` as logs may show it (the rule in this module's docstring)."""
    match = getattr(request, "resolver_match", None)
    path = request.path
    if match is None:
        return mask_personal_data(mask_unknown_path(path))
    route = match.route or ""
    converters = {m["name"]: m["converter"] or "str" for m in CONVERTER.finditer(route)}
    secrets = {
        str(value)
        for name, value in [*match.kwargs.items(), *enumerate(match.args)]
        if converters.get(str(name)) not in KEPT_CONVERTERS and not isinstance(value, int)
    }
    secrets.discard("")
    for secret in [value for value in secrets if "/" in value]:  # a <path:...> value
        path = path.replace(f"/{secret}", f"/{MASK}")
    if secrets:
        path = "/".join(_masked_segment(part, secrets) for part in path.split("/"))
    return mask_personal_data(path)


def _masked_segment(part: str, secrets: set[str]) -> str:
    if part in secrets:
        return MASK
    stem, dot, extension = part.partition(".")  # requests/LPR-2026-000001.json
    return f"{MASK}.{extension}" if dot and stem in secrets else part


# -- logging -----------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request (``request_id``) or the task it serves."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            # Django's warnings of 4xx/5xx are written after the middleware is done: their
            # record holds the request, which holds its id.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id()
        task = _task.get()
        if task is not None and not hasattr(record, "task_id"):
            record.task_name, record.task_id = task
        return True


# LogRecord's own attributes; anything else on a record came from ``extra=``.
RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


class PersonalDataFilter(logging.Filter):
    """The last line of defence: masks personal data and URL secrets in the message, the
    traceback and the text fields of every record, whoever wrote it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a log call whose arguments do not fit its format: still masked
            message = f"{record.msg} {record.args}"
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest) and request.path in message:
            # Django's own warnings (404, 403, CSRF) name the path.
            message = message.replace(request.path, path_for_log(request))
        elif record.name == "django.server" and record.args:
            # runserver's line: "GET /path?query HTTP/1.1" 200 1234
            message = re.sub(r'"(\S+) (\S+)', _server_request_line, message, count=1)
        record.msg, record.args = mask_personal_data(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        fields = vars(record)
        for key in fields.keys() - RECORD_ATTRIBUTES:
            if isinstance(fields[key], str):
                fields[key] = mask_personal_data(fields[key])
        return True


def _server_request_line(match: re.Match[str]) -> str:
    path = match[2].split("?", 1)[0]
    return f'"{match[1]} {mask_unknown_path(path)}'


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, then the record's
    own fields (``extra=``: method, path, view, status, duration_ms...) and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        fields = vars(record)
        for key in sorted(fields.keys() - RECORD_ATTRIBUTES - line.keys()):
            if isinstance(fields[key], str | int | float | bool):
                line[key] = fields[key]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The human format of the demo and development: time, level, logger, request id, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_id = request_id or current_request_id() or "-"
        try:
            return super().format(record)
        finally:
            record.request_id = request_id  # other handlers see the record as it was


# -- the request -------------------------------------------------------------------------------


class RequestLogMiddleware:
    """Gives each request an id (the proxy's ``X-Request-ID`` if sane, else a new one), answers
    with it in the same header, and writes one access line when the response is ready: method,
    path (secrets masked), view name, status and duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        with request_id_set(request_id):
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[REQUEST_ID_HEADER] = request_id
            if not logger.isEnabledFor(logging.INFO):
                return response
            match = getattr(request, "resolver_match", None)
            path = path_for_log(request)
            logger.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "view": match.view_name if match else "",
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
        return response


# -- Celery ------------------------------------------------------------------------------------

_task_tokens: dict[str, tuple[Any, Any]] = {}


def task_publishing(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """before_task_publish: the request id travels in the task's message headers."""
    request_id = current_request_id()
    if headers is not None and request_id is not None:
        headers.setdefault(TASK_HEADER, request_id)


def _header(task: Any) -> str | None:
    request = getattr(task, "request", None)
    value = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(
        TASK_HEADER
    )
    return value if isinstance(value, str) else None


def task_starting(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """task_prerun: the worker takes the id from the headers; a task run in-process (eager)
    keeps the id of the request that ran it."""
    if task_id is None:
        return
    request_id = _header(task) or current_request_id()
    _task_tokens[task_id] = (
        _request_id.set(request_id),
        _task.set((getattr(task, "name", "") or "", task_id)),
    )


def task_finished(task_id: str | None = None, **kwargs: Any) -> None:
    """task_postrun: back to what was there before the task (nothing, in a worker)."""
    tokens = _task_tokens.pop(task_id or "", None)
    if tokens is not None:
        request_token, task_token = tokens
        _task.reset(task_token)
        _request_id.reset(request_token)


def worker_logging(**kwargs: Any) -> None:
    """setup_logging: a worker logs as the web processes do (settings.LOGGING), not in
    Celery's own format."""
    from django.conf import settings

    configure(settings.LOGGING)


def configure(config: dict[str, Any]) -> None:
    """LOGGING_CONFIG: settings.LOGGING, and Python's warnings written as log lines too (in
    the same format, masked) rather than raw on stderr."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)
