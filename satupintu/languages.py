"""The reader's language: the switcher that remembers it, and links built in a given language.

Pages carry their language in the URL (``/`` Indonesian, ``/en/`` English). The choice made
with the switcher is remembered in the language cookie and, for a signed-in person, in the
account (whose language messages also follow); a page asked for without a prefix is sent to
the remembered language's prefix (``satupintu.middleware.LocaleMiddleware``).
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.i18n import set_language

from satupintu.accounts.models import User
from satupintu.accounts.services import user_language_set

# The account's language, kept in the session at sign-in: a browser without the language cookie
# follows it without a query on each page.
SESSION_LANGUAGE = "satupintu_language"


def language_valid(code: str | None) -> str | None:
    """``code`` if it is one of the site's languages, else None."""
    return code if code in dict(settings.LANGUAGES) else None


def remembered_language(request: HttpRequest) -> str | None:
    """The language this browser chose (the cookie), else the signed-in account's."""
    chosen = language_valid(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen is None and hasattr(request, "session"):
        chosen = language_valid(request.session.get(SESSION_LANGUAGE))
    return chosen


def language_choose(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (cookie, and the page in the chosen language), which also
    keeps the choice in the signed-in account so its messages follow it. A GET changes nothing,
    as Django's does."""
    # Django reads ``next`` in the active language, which is the default one here (this URL has
    # no prefix): an /en/ page would not be found and so never be translated back to Indonesian.
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    next_path = urlsplit(next_url or request.META.get("HTTP_REFERER", "")).path
    with translation.override(translation.get_language_from_path(next_path)):
        response = set_language(request)
    language = language_valid(request.POST.get("language"))
    if request.method == "POST" and language is not None and isinstance(request.user, User):
        user_language_set(user=request.user, language=language)
        request.session[SESSION_LANGUAGE] = language
    return response


def site_url(viewname: str, *, language: str, **kwargs: Any) -> str:
    """The absolute URL of ``viewname`` under ``language``'s prefix: a link in a message opens
    in its recipient's language whatever the language of the request that sent it."""
    with translation.override(language_valid(language) or settings.LANGUAGE_CODE):
        return settings.SITE_URL + reverse(viewname, **kwargs)
