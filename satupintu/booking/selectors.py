"""Reads of visits: when an agency is open, what a slot holds, a citizen's bookings."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.booking.models import (
    AgencyHours,
    Booking,
    Closure,
    DayOff,
    ServiceVisit,
    Slot,
    VisitPolicy,
)
from satupintu.catalog.models import Service
from satupintu.malls.models import Agency, Mall


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


@lru_cache(maxsize=8)
def _national_holidays(year: int) -> holidays.HolidayBase:
    # Public holidays and cuti bersama (the "government" category).
    return holidays.country_holidays("ID", years=year, categories=("public", "government"))


def national_holiday(day: date) -> str:
    """The name of the national holiday or cuti bersama on ``day``, or ""."""
    return _national_holidays(day.year).get(day, "")


def closures_on(*, agency: Agency, day: date) -> list[Closure]:
    """The closures and restrictions in force for ``agency`` on ``day``."""
    return list(
        Closure.objects.filter(mall_id=agency.mall_id, starts_on__lte=day, ends_on__gte=day)
        .filter(Q(reopened_on__isnull=True) | Q(reopened_on__gt=day))
        .filter(Q(agencies__isnull=True) | Q(agencies=agency))
        .distinct()
    )


def opening_hours(*, agency: Agency, day: date) -> tuple[time, time] | None:
    """When ``agency`` receives visitors on ``day``; None when it is closed.

    National holidays close every mall; so does a closure decree, while a restriction narrows
    the hours. A day off of the mall or of the agency closes it or gives it other hours;
    otherwise the agency's own weekly hours apply, or the mall's.
    """
    if national_holiday(day):
        return None
    days_off = list(
        DayOff.objects.filter(mall_id=agency.mall_id, date=day).filter(
            Q(agency__isnull=True) | Q(agency=agency)
        )
    )
    if any(d.opens is None for d in days_off):
        return None
    special = sorted(days_off, key=lambda d: d.agency_id is None)  # the agency's own first
    if special:
        hours = (special[0].opens, special[0].closes)
    else:
        own = list(AgencyHours.objects.filter(agency=agency))
        if own:
            row = next((h for h in own if h.weekday == day.weekday()), None)
        else:
            row = agency.mall.opening_hours.filter(weekday=day.weekday()).first()
        if row is None:
            return None
        hours = (row.opens, row.closes)
    for closure in closures_on(agency=agency, day=day):
        if closure.kind == Closure.Kind.CLOSED:
            return None
        hours = (max(hours[0], closure.opens), min(hours[1], closure.closes))
        if hours[0] >= hours[1]:
            return None
    return hours


def slot_capacity(*, service: Service) -> tuple[int, int, int]:
    """(bookable places, of which priority places, places kept for walk-ins) per slot.

    Counters serve ``slot length / minutes per visitor`` people each; the waiting room holds its
    seats times the distancing factor at once. The smaller of the two is the slot's capacity.
    """
    agency = service.agency
    policy = policy_for(mall=agency.mall)
    visit = visit_for(service=service)
    counters = max(1, agency.counters.filter(is_active=True).count())
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


def booking_get(*, citizen: User, code: str) -> Booking:
    """The citizen's own booking (raises Booking.DoesNotExist for anyone else's code)."""
    return booking_list(citizen=citizen).get(code=code.strip().upper())


def in_mall_time(moment: datetime, mall: Mall) -> datetime:
    """``moment`` on the mall's clock (WIB, WITA or WIT)."""
    return moment.astimezone(ZoneInfo(mall.time_zone))


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


def working_days_after(*, mall: Mall, start: date, days: int) -> date:
    """The date ``days`` working days after ``start``: weekends, national holidays, cuti bersama
    and the mall's own days off do not count (the SLA clocks of complaints and applications)."""
    off = set(
        DayOff.objects.filter(
            mall=mall, agency__isnull=True, opens__isnull=True, date__gt=start
        ).values_list("date", flat=True)[:400]
    )
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and not national_holiday(day) and day not in off:
            left -= 1
    return day


def bot_booking_status(code: str, phone: str) -> str | None:
    """The WhatsApp bot's ANTREAN answer: the visit and its place in the queue, only to the
    number of the citizen who booked it."""
    from satupintu.booking.queue import position  # the queue module reads these selectors

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


def working_days_between(*, mall: Mall, start: date, end: date) -> int:
    """How many working days lie after ``start`` up to and including ``end``."""
    off = set(
        DayOff.objects.filter(
            mall=mall, agency__isnull=True, opens__isnull=True, date__gt=start, date__lte=end
        ).values_list("date", flat=True)
    )
    days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(
        1 for day in days if day.weekday() < 5 and not national_holiday(day) and day not in off
    )
