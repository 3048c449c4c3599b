"""Public tracking of an application: its number and the last four digits of the phone."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from satupintu.cases.selectors import track


def tracking(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("nomor", "").strip()
    last4 = request.GET.get("hp", "").strip()
    found = track(tracking_number=number, phone_last4=last4) if number and last4 else None
    return render(
        request,
        "portal/tracking.html",
        {"number": number, "asked": bool(number and last4), "tracking": found},
        status=404 if number and last4 and found is None else 200,
    )
