"""Request-wide guards: the language, bad input refused early, the database down answered 503."""

import json
import re
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.middleware import locale
from django.template.loader import render_to_string
from django.urls import get_script_prefix, is_valid_path
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from satupintu.languages import remembered_language

# Neither PostgreSQL text nor UTF-8 holds these: NUL, and UTF-16 surrogates standing alone.
BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
# Deeper JSON than any client of ours sends; the parser's recursion is bounded well before
# Python's own limit.
JSON_MAX_DEPTH = 32
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's LocaleMiddleware, except that API requests follow Accept-Language and that a
    page asked for without a language prefix opens in the remembered language.

    Portal pages carry their language in the URL (/ Indonesian, /en/ English); outside
    i18n_patterns Django would always answer in the default language, which is wrong for API
    clients that say which language they want. A reader who chose English (the cookie, or the
    account's language once signed in) and follows a link without the prefix, from a message,
    a bookmark or a form's redirect, is sent to the same page under /en/.
    """

    # MiddlewareMixin answers with what process_request returns; the stubs type Django's as None.
    def process_request(self, request: HttpRequest) -> HttpResponse | None:  # type: ignore[override]
        if request.path_info.startswith("/api/"):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
            return None
        super().process_request(request)
        return self._to_remembered_language(request)

    def _to_remembered_language(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD"):
            return None  # a form's data would be lost in a redirect
        if translation.get_language_from_path(request.path_info):
            return None  # the URL says its language: it wins
        language = remembered_language(request)
        if language is None or language == settings.LANGUAGE_CODE:
            return None
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        # Only pages under i18n_patterns have the prefixed twin (not the API, admin, media...).
        with translation.override(language):  # i18n_patterns match the active language's prefix
            if not is_valid_path(f"/{language}{request.path_info}", urlconf):
                return None
        script_prefix = get_script_prefix()
        target = request.get_full_path().replace(script_prefix, f"{script_prefix}{language}/", 1)
        redirect = self.response_redirect_class(target)
        patch_vary_headers(redirect, ("Cookie",))
        return redirect

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        if not translation.get_language_from_path(request.path_info):
            # The unprefixed page's language depends on the cookie and the session.
            patch_vary_headers(response, ("Cookie",))
        return response


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def refusal(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """The answer to a request refused before any view: the API's error body or a short page.

    The page is rendered without the request's context: it must not need the database.
    """
    if is_api(request):
        return JsonResponse(
            {"error": {"code": code, "message": message, "fields": {}}}, status=status
        )
    page = render_to_string(f"{status}.html", {"message": message})
    return HttpResponse(page, status=status)


def _bad_text(value: str) -> bool:
    return BAD_CHARACTERS.search(value) is not None


def _json_refusal(value: Any) -> str:
    """Why the parsed JSON ``value`` is refused, or ""; walks it without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > JSON_MAX_DEPTH:
            return "too_deep"
        if isinstance(item, str):
            if _bad_text(item):
                return "bad_characters"
        elif isinstance(item, dict):
            for key, child in item.items():
                if _bad_text(key):
                    return "bad_characters"
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return ""


def _bad_fields(data: QueryDict) -> bool:
    return any(
        _bad_text(key) or any(_bad_text(value) for value in values) for key, values in data.lists()
    )


def _form_refusal(request: HttpRequest) -> str:
    if _bad_fields(request.POST):
        return "bad_characters"
    for key, files in request.FILES.lists():
        if _bad_text(key) or any(_bad_text(f.name or "") for f in files):
            return "bad_characters"
    return ""


def _body_refusal(request: HttpRequest) -> str:
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            return _form_refusal(request)
        except MultiPartParserError:
            return "malformed"
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            value = json.loads(request.body)
        except RecursionError:
            return "too_deep"
        except ValueError:
            return ""  # Malformed JSON: the view's parser says what is wrong with it.
        return _json_refusal(value)
    return ""


class BadInputMiddleware:
    """Refuses with a 400, before any view or query, what no field may hold.

    NUL characters and lone surrogates in the path, the query string, a header, a form field, an
    uploaded file's name or a JSON value; JSON nested deeper than ``JSON_MAX_DEPTH``. Django's own
    body size limits (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS) still apply.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = self.refusal_reason(request)
        if reason == "too_deep":
            return refusal(request, 400, "invalid", _("The JSON is nested too deeply."))
        if reason == "malformed":
            return refusal(request, 400, "invalid", _("The request could not be understood."))
        if reason:
            message = _("The request holds characters that are not allowed (NUL or surrogates).")
            return refusal(request, 400, "invalid", message)
        return self.get_response(request)

    @staticmethod
    def refusal_reason(request: HttpRequest) -> str:
        if _bad_text(request.path) or _bad_fields(request.GET):
            return "bad_characters"
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and _bad_text(value):
                return "bad_characters"
        return _body_refusal(request)


def database_down(request: HttpRequest) -> HttpResponse:
    """503 while the database does not answer: the API's error body, or a short page."""
    response = refusal(
        request,
        503,
        "unavailable",
        _("The service is temporarily unavailable. Please try again in a few minutes."),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseDownMiddleware:
    """Turns a lost or refused database connection into a 503 instead of a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_DOWN):
            return database_down(request)
        return None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a request Django itself refuses (too big a body, too many fields...)."""
    return refusal(request, 400, "invalid", _("The request could not be understood."))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database gone between the view and the answer is still a 503."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return database_down(request)
    return refusal(request, 500, "server_error", _("Something went wrong on our side."))
