"""Citizen pages of complaints: file one (signed in or not), follow it with its secret link or,
signed in, under "my complaints"; the receipt of the secret and the reporter's own evidence."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satupintu.accounts.clientip import client_ip
from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.complaints import selectors, services
from satupintu.complaints.access import access_own_report
from satupintu.complaints.models import Report
from satupintu.counters import count_in_window
from satupintu.pages import refusals_as_messages
from satupintu.portal.forms import ReportForm
from satupintu.security import protect_file

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
                    "Your report %(id)s is filed. Keep its tracking ID and secret code below "
                    "(copy, print or download them): with them you follow the report."
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


def _page(request: HttpRequest, report: Report, **urls: str) -> HttpResponse:
    """A report as its reporter sees it, however they reached it (``urls``: where its forms
    and files go)."""
    return render(
        request,
        "portal/report.html",
        {
            "report": report,
            "events": report.events.all(),
            "attachments": report.attachments.all(),
            **urls,
        },
    )


def report_detail(request: HttpRequest, tracking_id: str, secret: str) -> HttpResponse:
    report = _report(tracking_id, secret)
    return _page(
        request,
        report,
        secret=secret,
        respond_url=reverse("portal:report-respond", args=[tracking_id, secret]),
        files_url=reverse("portal:report", args=[tracking_id, secret]) + "berkas/",
    )


def report_receipt(request: HttpRequest, tracking_id: str, secret: str) -> HttpResponse:
    """The receipt of a report as a text file to keep: what opens it again at /pengaduan/lacak/."""
    report = _report(tracking_id, secret)
    text = render_to_string(
        "portal/report_receipt.txt",
        {
            "report": report,
            "secret": secret,
            "lookup": request.build_absolute_uri(reverse("portal:report-lookup")),
            "follow": request.build_absolute_uri(
                reverse("portal:report", args=[tracking_id, secret])
            ),
        },
        request=request,
    )
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.tracking_id}.txt"'
    response["Cache-Control"] = "no-store"
    return response


def _evidence(report: Report, pk: int) -> FileResponse:
    attachment = get_object_or_404(report.attachments, pk=pk)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name
    )
    response["Cache-Control"] = "private, no-store"
    return protect_file(response, content_type=response.get("Content-Type", ""))


def report_file(request: HttpRequest, tracking_id: str, secret: str, pk: int) -> FileResponse:
    """Evidence is private: served to the holder of the report's secret, never by a public URL."""
    return _evidence(_report(tracking_id, secret), pk)


def _respond(request: HttpRequest, report: Report) -> None:
    action, text = request.POST.get("action"), request.POST.get("text", "")
    if action == "rate":
        rating = request.POST.get("rating", "").strip()
        # Anything but a number is no rating, which the service refuses with its message.
        services.report_rate(report=report, rating=int(rating) if rating.isdecimal() else 0)
    elif action == "reopen":
        services.report_reopen(report=report, text=text)
    else:
        services.report_reply(report=report, text=text)


@require_POST
@refusals_as_messages("portal:report", keep=("tracking_id", "secret"))
def report_respond(request: HttpRequest, tracking_id: str, secret: str) -> HttpResponse:
    """The reporter replies, rates the answer, or reopens the report."""
    _respond(request, _report(tracking_id, secret))
    return redirect("portal:report", tracking_id=tracking_id, secret=secret)


@login_required
def my_reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "My complaints": what the signed-in citizen filed under their name."""
    return render(
        request,
        "portal/my_reports.html",
        {"reports": selectors.reports_of_citizen(user=request.user)},
    )


@login_required
def my_report(request: AuthenticatedHttpRequest, tracking_id: str) -> HttpResponse:
    report = access_own_report(request.user, tracking_id)
    return _page(
        request,
        report,
        respond_url=reverse("portal:my-report-respond", args=[tracking_id]),
        files_url=reverse("portal:my-report", args=[tracking_id]) + "berkas/",
    )


@login_required
def my_report_file(request: AuthenticatedHttpRequest, tracking_id: str, pk: int) -> FileResponse:
    return _evidence(access_own_report(request.user, tracking_id), pk)


@login_required
@require_POST
@refusals_as_messages("portal:my-report", keep=("tracking_id",))
def my_report_respond(request: AuthenticatedHttpRequest, tracking_id: str) -> HttpResponse:
    _respond(request, access_own_report(request.user, tracking_id))
    return redirect("portal:my-report", tracking_id=tracking_id)
