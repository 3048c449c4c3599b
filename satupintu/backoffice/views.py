"""The day in the hall: the front desk (check-in, walk-ins), a counter calling tickets, the
kiosk and the display board.

Django admin stays for configuration; these are the pages officers work in.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.clientip import client_ip
from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.backoffice import navigation
from satupintu.booking import printing
from satupintu.booking import selectors as visits
from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking
from satupintu.booking.services import tickets
from satupintu.catalog import selectors as catalog
from satupintu.catalog.models import Service
from satupintu.counters import count_in_window
from satupintu.malls import selectors as malls
from satupintu.malls.models import Agency, Counter, Mall, StaffMembership
from satupintu.malls.permissions import staff_scope
from satupintu.pages import form_refused, refusals_as_messages
from satupintu.portal.forms import CheckInForm


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
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where signing in leads: staff to their work, by their role; a citizen to their inbox."""
    return redirect(navigation.landing(request.user))


SEARCH_RESULTS = 20
KIOSK_WALK_IN_LIMIT, KIOSK_WALK_IN_SECONDS = 120, 600
KIOSK_RESET_SECONDS = {"ticket": 20, "choice": 45, "start": 300}


def _mall(slug: str) -> Mall:
    try:
        return malls.mall_get(slug=slug)
    except Mall.DoesNotExist as exc:
        raise Http404 from exc


def _visit_services(*, mall: Mall, query: str = "", agency: Agency | None = None) -> list[Service]:
    """The mall's services visitors come in for, matching ``query`` (all when empty)."""
    found = catalog.service_search(query=query[:100], mall=mall, agency=agency, channel="in_person")
    return list(found[:SEARCH_RESULTS]) if query else list(found)


@login_required
def front_desk(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Check a visitor in by their booking code, or give a walk-in a ticket for a service found
    by searching (a GET form: it works without script)."""
    mall = _mall(slug)
    _works_at(request, mall=mall)
    ticket = None
    if request.method == "POST":
        try:
            if request.POST.get("code"):
                ticket = tickets.check_in(mall=mall, code=request.POST["code"], actor=request.user)
            else:
                service = get_object_or_404(
                    _walk_in_services(), pk=_pk(request.POST.get("service")), agency__mall=mall
                )
                ticket = tickets.walk_in(
                    service=service,
                    priority_reason=request.POST.get("priority", ""),
                    nik=request.POST.get("nik", ""),
                    actor=request.user,
                )
        except BookingError as refused:
            messages.error(request, refused.message)
    query = request.GET.get("q", "").replace("\x00", "").strip()
    return render(
        request,
        "backoffice/front_desk.html",
        {
            "mall": mall,
            "ticket": ticket,
            "query": query,
            "services": _visit_services(mall=mall, query=query) if query else [],
            "priorities": Booking.Priority.choices,
        },
    )


def _walk_in_services() -> QuerySet[Service]:
    """Services a visitor can come in for (an online-only one has no queue)."""
    return Service.objects.filter(is_active=True).exclude(channel=Service.Channel.ONLINE)


def _walk_in_agencies(mall: Mall) -> list[Agency]:
    """The mall's agencies with a service to come in for (the kiosk offers only those)."""
    offering = _walk_in_services().filter(agency__mall=mall).values("agency_id")
    return list(catalog.agency_list(mall=mall).filter(pk__in=offering))


def _pk(value: str | None) -> int:
    """A posted id, or 0 (found by nobody) when it is not a number."""
    return int(value) if value and value.isascii() and value.isdigit() else 0


@login_required
@refusals_as_messages("backoffice:counter")
def counter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A counter's page: call the next ticket (closing the open one or putting it back in the
    queue), call again, served, no-show, back to the queue, transfer; the waiting list."""
    desk = get_object_or_404(Counter.objects.select_related("agency__mall"), pk=pk)
    _works_at(request, mall=desk.agency.mall, agency=desk.agency)
    current = visits.counter_current(counter=desk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("next", "no_show_next", "requeue_next"):
            called = tickets.call_next(
                counter=desk,
                actor=request.user,
                served=action == "next",
                requeue=action == "requeue_next",
            )
            if called is None:
                messages.info(request, _("Nobody is waiting."))
        elif current is None:
            messages.error(request, _("No ticket is called at this counter."))
        elif action == "recall":
            tickets.recall(ticket=current, actor=request.user)
        elif action == "requeue":
            tickets.requeue(ticket=current, actor=request.user)
        elif action in ("served", "no_show"):
            tickets.finish(ticket=current, served=action == "served", actor=request.user)
        elif action == "transfer":
            target = get_object_or_404(
                Agency, pk=_pk(request.POST.get("agency")), mall=desk.agency.mall
            )
            tickets.transfer(ticket=current, agency=target, actor=request.user)
        return redirect("backoffice:counter", pk=desk.pk)
    queue = visits.counter_queue(counter=desk)
    return render(
        request,
        "backoffice/counter.html",
        {
            "counter": desk,
            "current": current,
            "queue": queue,
            "waiting": visits.waiting(agency=desk.agency).count(),
            "agencies": desk.agency.mall.agencies.exclude(pk=desk.agency_id).order_by("name"),
        },
    )


def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    """The kiosk in the hall: a booking's QR code scanned (a scanner types it) or its code
    typed checks the visitor in; without a booking they pick an agency, then a service, and get
    a walk-in ticket. Every screen goes back to the start by itself for the next visitor."""
    mall = _mall(slug)
    ticket, place = None, None
    form = CheckInForm(request.POST if request.method == "POST" else None)
    agency = None
    if request.GET.get("agency"):
        agency = get_object_or_404(
            Agency, pk=_pk(request.GET.get("agency")), mall=mall, is_active=True
        )
    try:
        if request.method == "POST" and "service" in request.POST:
            service = get_object_or_404(
                _walk_in_services(),
                pk=_pk(request.POST.get("service")),
                agency__mall=mall,
            )
            flood = f"kiosk:walk-in:{mall.pk}:{client_ip(request)}"
            if count_in_window(flood, KIOSK_WALK_IN_SECONDS) > KIOSK_WALK_IN_LIMIT:
                raise BookingError(
                    "too_many", _("Too many tickets from this kiosk. Please ask at the front desk.")
                )
            ticket = tickets.walk_in(service=service)
        elif "code" in request.POST and form.is_valid():
            ticket = tickets.check_in(mall=mall, code=form.cleaned_data["code"])
    except BookingError as refused:
        form_refused(form, refused)
    if ticket is not None:
        place = visits.position(ticket=ticket)
        printing.ticket_print_queue(ticket=ticket)
    return render(
        request,
        "portal/kiosk.html",
        {
            "mall": mall,
            "ticket": ticket,
            "place": place,
            "form": form,
            "agency": agency,
            "agencies": _walk_in_agencies(mall) if agency is None else [],
            "services": _visit_services(mall=mall, agency=agency) if agency else [],
            # Each screen goes back to the start for the next visitor: a ticket once taken,
            # a choice or a refusal left standing, the start itself now and then.
            "reset_after": KIOSK_RESET_SECONDS[
                "ticket" if ticket else "choice" if agency or form.errors else "start"
            ],
            "reset_url": reverse("portal:kiosk", args=[mall.slug]),
            "paper_css": f"satupintu/ticket-{settings.TICKET_PAPER_MM}mm.css",
        },
        status=400 if form.errors else 200,
    )


def board(request: HttpRequest, slug: str) -> HttpResponse:
    """The display board of the hall (a TV at 1920×1080); its script polls ``board_calls``,
    reads calls out and keeps the clock."""
    mall = _mall(slug)
    return render(
        request,
        "portal/board.html",
        {
            "mall": mall,
            "calls": visits.board(mall=mall),
            "waiting": visits.board_waiting(mall=mall),
            "announcements": malls.announcement_current(mall=mall),
            "now": timezone.now(),
        },
    )


def board_calls(request: HttpRequest, slug: str) -> JsonResponse:
    mall = _mall(slug)
    return JsonResponse(
        {
            "calls": [
                {
                    "ticket": t.label,
                    "counter": t.counter.label if t.counter else "",
                    "agency": t.agency.name,
                    "calls": t.calls,
                }
                for t in visits.board(mall=mall)
            ],
            "waiting": [
                {"agency": name, "count": count} for name, count in visits.board_waiting(mall=mall)
            ],
        }
    )
