"""Citizen-facing pages: search, a mall, an agency, a service; a citizen's inbox and settings."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from satupintu.accounts import selectors as accounts
from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.accounts.models import ApiToken
from satupintu.accounts.services import api_token_revoke
from satupintu.catalog import selectors as catalog
from satupintu.catalog.models import Service
from satupintu.complaints import selectors as complaints
from satupintu.db import replica
from satupintu.malls import selectors as malls
from satupintu.malls.models import Agency, Mall
from satupintu.notify import selectors as notify_selectors
from satupintu.notify import services as notify_services
from satupintu.portal.forms import SearchForm

RESULTS_PER_PAGE = 20


def _mall_or_404(slug: str) -> Mall:
    try:
        return malls.mall_get(slug=slug)
    except Mall.DoesNotExist as exc:
        raise Http404 from exc


def _search(request: HttpRequest, mall: Mall | None = None) -> dict:
    form = SearchForm(request.GET or None, within_mall=mall is not None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if mall is None and form.is_valid():
        mall = form.cleaned_data["mall"]
    page = None
    if query:
        # The catalog changes seldom: the search may lag behind it by the replica's delay.
        results = catalog.service_search(query=query, mall=mall, using=replica())
        page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return {"form": form, "query": query, "page": page}


def home(request: HttpRequest) -> HttpResponse:
    context = _search(request)
    context["malls"] = malls.mall_list()
    return render(request, "portal/home.html", context)


def mall_detail(request: HttpRequest, slug: str) -> HttpResponse:
    mall = _mall_or_404(slug)
    context = _search(request, mall=mall)
    context.update(
        mall=mall,
        agencies=catalog.agency_list(mall=mall),
        announcements=malls.announcement_current(mall=mall),
    )
    return render(request, "portal/mall.html", context)


def agency_detail(request: HttpRequest, slug: str, agency_slug: str) -> HttpResponse:
    mall = _mall_or_404(slug)
    try:
        agency = catalog.agency_with_services(mall=mall, slug=agency_slug)
    except Agency.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "portal/agency.html",
        {
            "mall": mall,
            "agency": agency,
            "announcements": malls.announcement_current(mall=mall),
        },
    )


def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        service = catalog.service_detail(service_id=pk)
    except Service.DoesNotExist as exc:
        raise Http404 from exc
    mall = service.agency.mall
    return render(
        request,
        "portal/service.html",
        {
            "service": service,
            "mall": mall,
            "agency": service.agency,
            "announcements": malls.announcement_current(mall=mall),
            "faqs": complaints.faqs(service_id=service.pk),
        },
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "not_found", "message": _("Not found."), "fields": {}}},
            status=404,
        )
    return render(request, "404.html", status=404)


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The citizen's inbox: every message Satu Pintu sent them. Opening it reads them."""
    page = Paginator(notify_selectors.inbox(user=request.user), RESULTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    unread = {m.pk for m in page if m.read_at is None}
    notify_services.inbox_mark_read(user=request.user)
    return render(request, "portal/inbox.html", {"page": page, "unread": unread})


@login_required
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The citizen's API tokens (apps signed in as them): seen without secrets, revoked."""
    if request.method == "POST":
        try:
            api_token_revoke(user=request.user, token_id=int(request.POST.get("token", "")))
        except (ValueError, ApiToken.DoesNotExist):
            messages.error(request, _("That token is not yours or is already revoked."))
        else:
            messages.success(request, _("Revoked. Apps using that token are signed out."))
        return redirect("portal:api-tokens")
    tokens = accounts.api_token_list(user=request.user)
    return render(request, "portal/api_tokens.html", {"tokens": tokens})


class SignOutView(auth_views.LogoutView):
    """``/keluar/``: a POST signs out; a GET (a typed or bookmarked address) answers with a page
    offering the sign-out button, or saying the visitor is already signed out."""

    http_method_names = ["get", "post", "options"]
    template_name = "portal/logout.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return render(request, self.template_name)
