"""Staff pages of the day: the front desk (check-in, walk-ins) and a counter calling tickets.

Django admin stays for configuration; these are the pages officers work in.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.booking import selectors as visits
from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, Ticket
from satupintu.booking.services import tickets
from satupintu.catalog.models import Service
from satupintu.malls import selectors as malls
from satupintu.malls.models import Agency, Counter, Mall, StaffMembership
from satupintu.malls.permissions import staff_scope
from satupintu.pages import refusals_as_messages


def _works_at(request: HttpRequest, *, mall: Mall, agency: Agency | None = None) -> None:
    """The day's visitors are the mall manager's and the front offices': a counter's its
    agency's front office, the front desk any front office of the mall."""
    scope = staff_scope(request.user)
    if scope.manages_mall(mall.pk):
        return
    front_offices = scope.agency_ids_as([StaffMembership.Role.FRONT_OFFICE])
    if agency is not None and agency.pk in front_offices:
        return
    if agency is None and mall.agencies.filter(pk__in=front_offices).exists():
        return
    raise PermissionDenied


@login_required
def front_desk(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Check a visitor in by their booking code, or give a walk-in a ticket."""
    try:
        mall = malls.mall_get(slug=slug)
    except Mall.DoesNotExist as exc:
        raise Http404 from exc
    _works_at(request, mall=mall)
    ticket = None
    if request.method == "POST":
        try:
            if request.POST.get("code"):
                ticket = tickets.check_in(mall=mall, code=request.POST["code"], actor=request.user)
            else:
                service = get_object_or_404(
                    Service, pk=request.POST.get("service") or 0, agency__mall=mall
                )
                ticket = tickets.walk_in(
                    service=service,
                    priority_reason=request.POST.get("priority", ""),
                    nik=request.POST.get("nik", ""),
                    actor=request.user,
                )
        except BookingError as refused:
            messages.error(request, refused.message)
    services = (
        Service.objects.filter(agency__mall=mall, is_active=True)
        .exclude(channel=Service.Channel.ONLINE)
        .select_related("agency")
        .order_by("agency__name", "name")
    )
    return render(
        request,
        "backoffice/front_desk.html",
        {
            "mall": mall,
            "ticket": ticket,
            "services": services,
            "priorities": Booking.Priority.choices,
        },
    )


@login_required
@refusals_as_messages("backoffice:counter")
def counter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A counter's page: call the next ticket, call again, served, no-show, transfer."""
    desk = get_object_or_404(Counter.objects.select_related("agency__mall"), pk=pk)
    _works_at(request, mall=desk.agency.mall, agency=desk.agency)
    current = (
        Ticket.objects.filter(counter=desk, status=Ticket.Status.CALLED)
        .select_related("service")
        .order_by("-called_at")
        .first()
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "next":
            if tickets.call_next(counter=desk, actor=request.user) is None:
                messages.info(request, _("Nobody is waiting."))
        elif current is None:
            messages.error(request, _("No ticket is called at this counter."))
        elif action == "recall":
            tickets.recall(ticket=current, actor=request.user)
        elif action in ("served", "no_show"):
            tickets.finish(ticket=current, served=action == "served", actor=request.user)
        elif action == "transfer":
            target = get_object_or_404(
                Agency, pk=request.POST.get("agency") or 0, mall=desk.agency.mall
            )
            tickets.transfer(ticket=current, agency=target, actor=request.user)
        return redirect("backoffice:counter", pk=desk.pk)
    return render(
        request,
        "backoffice/counter.html",
        {
            "counter": desk,
            "current": current,
            "waiting": visits.waiting(agency=desk.agency).count(),
            "agencies": desk.agency.mall.agencies.exclude(pk=desk.agency_id).order_by("name"),
        },
    )
