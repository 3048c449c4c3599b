"""Public tracking of an application: its number and the last four digits of the phone."""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from satupintu.api.throttling import page_throttle_wait
from satupintu.cases.tracking import TooManyGuesses, track_guarded


def tracking(request: HttpRequest) -> HttpResponse:
    """Counted per client with the API's tracking (one counter), and per tracking number."""
    number = request.GET.get("nomor", "").strip()
    last4 = request.GET.get("hp", "").strip()
    asked = bool(number and last4)
    context = {
        "number": number,
        "asked": asked,
        "tracking": None,
        "refused": "",
        "errors": _empty_fields(request, number=number, last4=last4),
    }
    if not asked:
        # A form sent with a field left empty says which; it looks nothing up.
        status = 400 if context["errors"] else 200
        return render(request, "portal/tracking.html", context, status=status)
    wait = page_throttle_wait(request, scope="auth")
    try:
        if wait is not None:
            raise TooManyGuesses
        context["tracking"] = track_guarded(tracking_number=number, phone_last4=last4)
    except TooManyGuesses:
        wait = wait if wait is not None else settings.TRACKING_LOCKOUT_SECONDS
        minutes = max(1, math.ceil(wait / 60))
        context["refused"] = ngettext(
            "Too many tries. Try again in %(minutes)d minute.",
            "Too many tries. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        response = render(request, "portal/tracking.html", context, status=429)
        response["Retry-After"] = str(math.ceil(wait))
        return response
    status = 404 if context["tracking"] is None else 200
    return render(request, "portal/tracking.html", context, status=status)


def _empty_fields(request: HttpRequest, *, number: str, last4: str) -> dict[str, str]:
    """What the sent form left empty, by field; nothing when the form was not sent at all."""
    if "nomor" not in request.GET and "hp" not in request.GET:
        return {}
    errors = {}
    if not number:
        errors["nomor"] = _("Enter the tracking number, as on your receipt.")
    if not last4:
        errors["hp"] = _("Enter the last four digits of the applicant's phone.")
    return errors
