"""Staff sessions end after an idle time and after an absolute lifetime; citizens' do not."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.accounts.selectors import is_staff_person

# When the staff session began and when it was last used (Unix seconds); None for a citizen.
STARTED = "staff_session_started"
SEEN = "staff_session_seen"
# Writing the session on every request costs a write; the idle clock need not be finer.
SEEN_RESOLUTION = 60


def _start(request: HttpRequest, user: User) -> None:
    now = int(time.time())
    staff = is_staff_person(user=user)
    request.session[STARTED] = now if staff else None
    request.session[SEEN] = now if staff else None


@receiver(user_logged_in, dispatch_uid="accounts.staff_session_start")
def _staff_session_start(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any):
    if request is not None and hasattr(request, "session"):
        _start(request, user)


class StaffSessionMiddleware:
    """Signs staff out after ``STAFF_SESSION_IDLE_SECONDS`` without a request and
    ``STAFF_SESSION_MAX_SECONDS`` after they signed in, with a message saying why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            if STARTED not in request.session:  # a session from before these clocks existed
                _start(request, request.user)
            started = request.session[STARTED]
            if started is not None:
                self._check(request, started)
        return self.get_response(request)

    def _check(self, request: HttpRequest, started: int) -> None:
        now = int(time.time())
        seen = request.session.get(SEEN) or started
        if now - seen > settings.STAFF_SESSION_IDLE_SECONDS:
            logout(request)
            minutes = max(1, settings.STAFF_SESSION_IDLE_SECONDS // 60)
            messages.info(
                request,
                _("You were signed out after %(minutes)d minutes without activity. Sign in again.")
                % {"minutes": minutes},
            )
        elif now - started > settings.STAFF_SESSION_MAX_SECONDS:
            logout(request)
            hours = max(1, settings.STAFF_SESSION_MAX_SECONDS // 3600)
            messages.info(
                request,
                _("Signed out: a staff session lasts at most %(hours)d hours. Sign in again.")
                % {"hours": hours},
            )
        elif now - seen >= SEEN_RESOLUTION:
            request.session[SEEN] = now
