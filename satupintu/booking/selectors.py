"""Reads of visits: slots and their capacity, the booking horizon, a citizen's bookings, the
queue of the day."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.booking.models import Booking, ServiceVisit, Slot, Ticket, VisitPolicy
from satupintu.catalog.models import Service
from satupintu.malls.calendar import in_mall_time, opening_hours
from satupintu.malls.models import Agency, Counter, Mall


def policy_for(*, mall: Mall) -> VisitPolicy:
    """The mall's visit policy, or the defaults when it has none yet."""
    try:
        return mall.visit_policy
    except VisitPolicy.DoesNotExist:
        return VisitPolicy(mall=mall)


def visit_for(*, service: Service) -> ServiceVisit:
    try:
        return service.visit
    except ServiceVisit.DoesNotExist:
        return ServiceVisit(service=service)


def counters_open(agency: Agency) -> int:
    """How many of ``agency``'s counters are in service."""
    return agency.counters.filter(is_active=True).count()


CountersOf = Callable[[Agency], int]


def slot_capacity(
    *, service: Service, counters_of: CountersOf | None = None
) -> tuple[int, int, int]:
    """(bookable places, of which priority places, places kept for walk-ins) per slot.

    Counters serve ``slot length / minutes per visitor`` people each; the waiting room holds its
    seats times the distancing factor at once. The smaller of the two is the slot's capacity.
    ``counters_of`` (default ``counters_open``) lets a long run remember an agency's count.
    """
    agency = service.agency
    policy = policy_for(mall=agency.mall)
    visit = visit_for(service=service)
    counters = max(1, (counters_of or counters_open)(agency))
    served = counters * (visit.slot_minutes // visit.minutes_per_visitor)
    seats = int(policy.waiting_room_seats * Decimal(str(policy.distancing_factor)))
    total = max(0, min(served, seats))
    walk_in = total * policy.walk_in_percent // 100
    bookable = total - walk_in
    priority = bookable * policy.priority_percent // 100
    return bookable, priority, walk_in


def booking_list(*, citizen: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(citizen=citizen)
        .select_related("slot", "service", "service__agency", "service__agency__mall")
        .order_by("-slot__start")
    )


def booking_codes(typed: str) -> list[str]:
    """The booking codes someone may have meant: as typed, and as stored (``ABCD-EFGH``) from
    what an officer typed or a scanner sent: lower case, spaces and a missing or misplaced dash
    all read the same."""
    raw = "".join(ch for ch in typed.upper() if ch.isascii() and ch.isalnum())[:16]
    return [typed.strip().upper()[:40], f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw]


def booking_get(*, citizen: User, code: str) -> Booking:
    """The citizen's own booking (raises Booking.DoesNotExist for anyone else's code)."""
    return booking_list(citizen=citizen).get(code=code.strip().upper())


def booking_by_code(*, code: str) -> Booking | None:
    """A booking by its code alone, for a link signed for it (never for a code a user typed)."""
    return Booking.objects.select_related("slot", "service__agency__mall").filter(code=code).first()


def within_horizon(*, service: Service, day: date) -> bool:
    """Whether ``day`` lies between today and the end of the booking horizon, on the mall's clock.

    Slots are created when a day is first asked for: a day outside the horizon must be refused
    before that, or any date from year 1 to 9999 would leave rows behind.
    """
    mall = service.agency.mall
    today = in_mall_time(timezone.now(), mall).date()
    return today <= day <= today + timedelta(days=policy_for(mall=mall).days_ahead)


def horizon_message(*, service: Service) -> str:
    days = policy_for(mall=service.agency.mall).days_ahead
    return _("Visits can be booked from today up to %(days)s days ahead.") % {"days": days}


def open_days(*, service: Service) -> list[date]:
    """The days ``service`` can be booked for, from today to the end of the booking horizon."""
    mall = service.agency.mall
    policy = policy_for(mall=mall)
    today = in_mall_time(timezone.now(), mall).date()
    days = (today + timedelta(days=n) for n in range(policy.days_ahead + 1))
    return [day for day in days if opening_hours(agency=service.agency, day=day) is not None]


HoursOf = Callable[[Agency, date], tuple[time, time] | None]


def slot_within_hours(
    slot: Slot, *, service: Service | None = None, hours_of: HoursOf | None = None
) -> bool:
    """Whether ``slot`` lies inside its agency's hours that day (closures included).

    ``service`` spares a query when the caller has it; ``hours_of`` lets a long run remember
    the hours it has already looked up.
    """
    service = service or slot.service
    mall = service.agency.mall
    start, end = in_mall_time(slot.start, mall), in_mall_time(slot.end, mall)
    if hours_of is None:
        hours = opening_hours(agency=service.agency, day=start.date())
    else:
        hours = hours_of(service.agency, start.date())
    return hours is not None and hours[0] <= start.time() and end.time() <= hours[1]


def bot_booking_status(code: str, phone: str) -> str | None:
    """The WhatsApp bot's ANTREAN answer: the visit and its place in the queue, only to the
    number of the citizen who booked it."""
    booking = (
        Booking.objects.filter(code=code, citizen__phone=phone)
        .select_related("slot", "service__agency__mall")
        .first()
    )
    if booking is None:
        return None
    mall = booking.service.agency.mall
    start = in_mall_time(booking.slot.start, mall)
    text = _("Visit %(code)s: %(service)s at %(mall)s, %(when)s. Status: %(status)s.") % {
        "code": booking.code,
        "service": booking.service.name,
        "mall": mall.name,
        "when": start.strftime("%d-%m-%Y %H.%M"),
        "status": booking.get_status_display(),
    }
    ticket = getattr(booking, "ticket", None)
    place = position(ticket=ticket) if ticket else None
    if ticket is not None:
        text += " " + _("Ticket %(label)s.") % {"label": ticket.label}
    if place is not None:
        text += " " + _("%(n)s before you, about %(minutes)s minutes.") % {
            "n": place.ahead,
            "minutes": place.minutes,
        }
    return text


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: each agency of a mall has its own letter."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def ticket_prefix(agency: Agency) -> str:
    return _letters(Agency.objects.filter(mall_id=agency.mall_id, pk__lt=agency.pk).count())


def mall_today(mall: Mall) -> date:
    """Today on the mall's clock."""
    return in_mall_time(timezone.now(), mall).date()


def waiting(*, agency: Agency, day: date | None = None) -> QuerySet[Ticket]:
    """The agency's waiting tickets in the order they are called: priority first, then time."""
    day = day or mall_today(agency.mall)
    return Ticket.objects.filter(agency=agency, date=day, status=Ticket.Status.WAITING).order_by(
        "-priority", "created_at", "pk"
    )


def counter_queue(*, counter: Counter, limit: int = 30) -> list[Ticket]:
    """The tickets a counter calls next, in that order (its agency's waiting list)."""
    return list(waiting(agency=counter.agency).select_related("service")[:limit])


def counter_current(*, counter: Counter) -> Ticket | None:
    """The ticket a counter has called and not yet closed."""
    return (
        Ticket.objects.filter(counter=counter, status=Ticket.Status.CALLED)
        .select_related("service")
        .order_by("-called_at")
        .first()
    )


def board(*, mall: Mall, limit: int = 8) -> list[Ticket]:
    """The latest calls of the mall's day, newest first, for the display board."""
    return list(
        Ticket.objects.filter(agency__mall=mall, date=mall_today(mall), status=Ticket.Status.CALLED)
        .select_related("counter", "agency")
        .order_by("-called_at")[:limit]
    )


def board_waiting(*, mall: Mall) -> list[tuple[str, int]]:
    """(agency name, tickets waiting) for each agency of the mall with someone waiting today."""
    today = mall_today(mall)
    rows = (
        Ticket.objects.filter(agency__mall=mall, date=today, status=Ticket.Status.WAITING)
        .values("agency__name")
        .annotate(n=Count("pk"))
        .order_by("agency__name")
    )
    return [(row["agency__name"], row["n"]) for row in rows]


@dataclass
class Position:
    ahead: int
    minutes: int


def position(*, ticket: Ticket) -> Position | None:
    """How many wait before ``ticket`` and about how long, while it waits."""
    if ticket.status != Ticket.Status.WAITING:
        return None
    queue = list(waiting(agency=ticket.agency, day=ticket.date).values_list("pk", flat=True))
    ahead = queue.index(ticket.pk) if ticket.pk in queue else 0
    counters = max(1, ticket.agency.counters.filter(is_active=True).count())
    per_visitor = visit_for(service=ticket.service).minutes_per_visitor
    minutes = int(timedelta(minutes=ahead * per_visitor / counters).total_seconds() // 60)
    return Position(ahead=ahead, minutes=minutes)
