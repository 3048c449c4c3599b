"""gunicorn's own lines (its error log, and its access log if turned on) as the app writes
its: JSON in production, request id, personal data and URL secrets masked (README "Logs").

gunicorn.conf.py names it: ``logger_class = "satupintu.logs_gunicorn.Logger"``.
"""

import os
import traceback
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gunicorn import glogging

from satupintu.logs import (
    REQUEST_ID_HEADER,
    JsonFormatter,
    PersonalDataFilter,
    RequestIdFilter,
    mask_unknown_path,
)


def _masked_url(url: str) -> str:
    """A referer: its path masked, its query dropped."""
    if not url or url == "-":
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, mask_unknown_path(parts.path), "", ""))


class Logger(glogging.Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")
        from django.conf import settings

        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(RequestIdFilter())
                handler.addFilter(PersonalDataFilter())
                if settings.LOG_FORMAT == "json":
                    handler.setFormatter(JsonFormatter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        """The request's atoms with its path masked and its query string dropped, in every
        atom that carries them (%(r)s, %(U)s, %(q)s, the referer, the environ's)."""
        atoms = super().atoms(resp, req, environ, request_time)
        path = mask_unknown_path(environ.get("PATH_INFO") or "")
        atoms["U"], atoms["q"] = path, ""
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        atoms["f"] = atoms["{referer}i"] = _masked_url(atoms.get("f", "-"))
        for name in ("raw_uri", "request_uri", "path_info", "query_string", "http_referer"):
            atoms.pop(f"{{{name}}}e", None)
        return atoms

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """gunicorn's access line, with the id the app answered with (X-Request-ID)."""
        if not self.access_log_enabled:
            return
        atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        headers = dict((k.lower(), v) for k, v in (resp.headers or []))
        request_id = headers.get(REQUEST_ID_HEADER.lower())
        try:
            self.access_log.info(
                self.cfg.access_log_format, atoms, extra={"request_id": request_id}
            )
        except Exception:
            self.error(traceback.format_exc())
