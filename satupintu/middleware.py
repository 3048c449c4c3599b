"""Language selection: the portal by URL prefix, the API by the client's Accept-Language."""

from django.http import HttpRequest
from django.middleware import locale
from django.utils import translation


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's LocaleMiddleware, except that API requests follow Accept-Language.

    Portal pages carry their language in the URL (/ Indonesian, /en/ English); outside
    i18n_patterns Django would always answer in the default language, which is wrong for API
    clients that say which language they want.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith("/api/"):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)
