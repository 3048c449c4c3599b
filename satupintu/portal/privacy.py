"""A citizen's own data (/akun/data/): download all of it (JSON or PDF), close the account."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.accounts.own_data import account_close, personal_data_export
from satupintu.cases.permits.render import html_to_pdf

SECTIONS = [
    ("bookings", gettext_noop("Visits")),
    ("applications", gettext_noop("Applications")),
    ("complaints", gettext_noop("Complaints")),
    ("consultations", gettext_noop("Consultations")),
    ("messages", gettext_noop("Messages")),
]


def _download(content: bytes, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = f"data-saya-{timezone.localdate():%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/my_data.html", {"errors": {}})


@login_required
def my_data_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = personal_data_export(user=request.user, what="portal:my-data-json")
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    return _download(content, "application/json", "json")


def _readable(value: Any) -> Any:
    """Nested answers (a form, a thread) as indented JSON, not Python's repr."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return value


@login_required
def my_data_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = personal_data_export(user=request.user, what="portal:my-data-pdf")
    sections = [
        (_(title), [{k: _readable(v) for k, v in item.items()} for item in data[key]])
        for key, title in SECTIONS
    ]
    profile = {k: _readable(v) for k, v in data["profile"].items()}
    html = render_to_string(
        "portal/pdf/my_data.html",
        {"generated_at": data["generated_at"], "profile": profile, "sections": sections},
    )
    return _download(html_to_pdf(html), "application/pdf", "pdf")


@login_required
@require_POST
def account_close_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        account_close(user=request.user, password=request.POST.get("password", ""))
    except ValidationError as refused:
        return render(request, "portal/my_data.html", {"errors": refused.message_dict}, status=400)
    logout(request)
    messages.success(request, _("Your account is closed and your personal data erased."))
    return redirect("portal:home")
