"""System checks of accounts: lock-out and throttles need a cache shared by every worker."""

from typing import Any

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

PER_PROCESS = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register(checks.Tags.security)
def shared_cache_check(**kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.PRODUCTION or settings.CACHES["default"]["BACKEND"] not in PER_PROCESS:
        return []
    return [
        checks.Warning(
            _("The default cache is kept per process: lock-outs and throttles do not hold."),
            hint=_("Set CACHE_URL to a Redis shared by every worker, e.g. redis://host:6379/1."),
            id="accounts.W001",
        )
    ]
