"""Citizen pages of complaints: file one (signed in or not), follow it with its secret link."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satupintu.accounts.clientip import client_ip
from satupintu.complaints import services
from satupintu.complaints.models import Report
from satupintu.counters import count_in_window
from satupintu.pages import refusals_as_messages
from satupintu.portal.forms import ReportForm

FLOOD_LIMIT, FLOOD_SECONDS = 5, 600


def _flooding(request: HttpRequest) -> bool:
    """More than FLOOD_LIMIT reports from one address in FLOOD_SECONDS."""
    return count_in_window(f"reports:from:{client_ip(request)}", FLOOD_SECONDS) > FLOOD_LIMIT


def report_new(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if _flooding(request):
            messages.error(
                request,
                _("Too many reports from your connection. Please try again in a few minutes."),
            )
            return render(request, "portal/report_new.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            user = request.user if request.user.is_authenticated else None
            filed = services.report_file(
                mall=data["mall"],
                kind=data["kind"],
                category=data["category"],
                title=data["title"],
                text=data["text"],
                event_date=data["event_date"],
                location=data["location"],
                agency=data["agency"],
                anonymous=data["anonymous"],
                confidential=data["confidential"],
                reporter=user,
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                attachments=data["attachments"],
            )
            messages.success(
                request,
                _(
                    "Your report %(id)s is filed. Keep this page's address: it is your only way "
                    "to follow the report."
                )
                % {"id": filed.report.tracking_id},
            )
            return redirect(filed.follow_path)
    return render(request, "portal/report_new.html", {"form": form})


def report_lookup(request: HttpRequest) -> HttpResponse:
    """Open a report with its tracking ID and secret code."""
    tracking = request.GET.get("id", "").strip().upper()
    secret = request.GET.get("kode", "").strip()
    if not (tracking and secret):
        return render(request, "portal/report_lookup.html")
    # What no follow-up link holds cannot make one (a slash, a length past any redirect's).
    if "/" not in tracking + secret and len(tracking) <= 50 and len(secret) <= 200:
        return redirect("portal:report", tracking_id=tracking, secret=secret)
    error = _("No report has this tracking ID and secret code.")
    return render(request, "portal/report_lookup.html", {"error": error}, status=404)


def _report(tracking_id: str, secret: str) -> Report:
    try:
        return services.report_for_secret(tracking_id=tracking_id, secret=secret)
    except Report.DoesNotExist as exc:
        raise Http404 from exc


def report_detail(request: HttpRequest, tracking_id: str, secret: str) -> HttpResponse:
    report = _report(tracking_id, secret)
    return render(
        request,
        "portal/report.html",
        {"report": report, "events": report.events.all(), "secret": secret},
    )


@require_POST
@refusals_as_messages("portal:report", keep=("tracking_id", "secret"))
def report_respond(request: HttpRequest, tracking_id: str, secret: str) -> HttpResponse:
    """The reporter replies, rates the answer, or reopens the report."""
    report = _report(tracking_id, secret)
    action, text = request.POST.get("action"), request.POST.get("text", "")
    if action == "rate":
        rating = request.POST.get("rating", "").strip()
        # Anything but a number is no rating, which the service refuses with its message.
        services.report_rate(report=report, rating=int(rating) if rating.isdecimal() else 0)
    elif action == "reopen":
        services.report_reopen(report=report, text=text)
    else:
        services.report_reply(report=report, text=text)
    return redirect("portal:report", tracking_id=tracking_id, secret=secret)
