"""A citizen's own data (/akun/data/): download all of it (JSON or PDF), close the account."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satupintu.accounts.own_data import account_close, personal_data_export
from satupintu.cases.issuing import _pdf as html_to_pdf


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
def my_data_json(request: HttpRequest) -> HttpResponse:
    data = personal_data_export(user=request.user, what="portal:my-data-json")
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    return _download(content, "application/json", "json")


@login_required
def my_data_pdf(request: HttpRequest) -> HttpResponse:
    data = personal_data_export(user=request.user, what="portal:my-data-pdf")
    html = render_to_string("portal/pdf/my_data.html", {"data": data})
    return _download(html_to_pdf(html), "application/pdf", "pdf")


@login_required
@require_POST
def account_close_view(request: HttpRequest) -> HttpResponse:
    try:
        account_close(user=request.user, password=request.POST.get("password", ""))
    except ValidationError as refused:
        return render(request, "portal/my_data.html", {"errors": refused.message_dict}, status=400)
    logout(request)
    messages.success(request, _("Your account is closed and your personal data erased."))
    return redirect("portal:home")
