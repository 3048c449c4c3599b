"""A second factor (TOTP, with recovery codes) after the password: required of every staff
member before the back office, the admin or the API, optional for citizens (once they enrol,
they are asked too)."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import user_has_device

from satupintu.accounts.models import User
from satupintu.accounts.selectors import is_staff_person

# Whether this session's person must give a second factor (worked out once per sign-in).
NEEDED = "two_factor_needed"
# Pages reachable before the second factor: giving or setting it up, signing out.
EXEMPT = {
    "portal:two-factor",
    "portal:two-factor-enrol",
    "portal:logout",
    "portal:login",
    "admin:login",
    "admin:logout",
}


def needs_second_factor(*, user: User) -> bool:
    return is_staff_person(user=user) or user_has_device(user)


@receiver(user_logged_in, dispatch_uid="accounts.two_factor_needed")
def _remember_need(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[NEEDED] = needs_second_factor(user=user)


class TwoFactorMiddleware:
    """Sends a signed-in person who must give a second factor and has not to the page that asks
    for it (or sets it up), with the page they wanted as ``next``; the API answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not settings.TWO_FACTOR_REQUIRED or not request.user.is_authenticated:
            return None
        if request.user.is_verified():  # type: ignore[attr-defined]  # OTPMiddleware adds it
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT:
            return None
        if NEEDED not in request.session:  # signed in before the second factor existed
            request.session[NEEDED] = needs_second_factor(user=request.user)
        if not request.session[NEEDED]:
            return None
        if request.path_info.startswith("/api/"):
            message = _("Give your second factor in the browser first.")
            return JsonResponse(
                {"error": {"code": "two_factor_required", "message": message, "fields": {}}},
                status=403,
            )
        target = "portal:two-factor" if user_has_device(request.user) else "portal:two-factor-enrol"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
