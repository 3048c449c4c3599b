"""The working calendar: a mall's clock, opening hours, working days and holidays.

Cases, complaints and booking read their clocks here. The weekly hours of agencies, the days off
and the closure decrees it reads are still booking's models (edited in booking's admin).
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import DateField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, Now
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from satupintu.booking.models import AgencyHours, Closure, DayOff
from satupintu.malls.models import Agency, Mall, OpeningHours


def in_mall_time(moment: datetime, mall: Mall) -> datetime:
    """``moment`` on the mall's clock (WIB, WITA or WIT)."""
    return moment.astimezone(ZoneInfo(mall.time_zone))


def moment_from_text(value: str, mall: Mall | None = None) -> datetime | None:
    """A date and time typed in a form or sent in a query, aware (a time without a zone is read
    on the mall's clock, or the project's without a mall); None for text that is no moment or an
    impossible one such as 30 February."""
    try:
        moment = parse_datetime(value)
    except ValueError:  # well formed but impossible
        return None
    if moment is None or not timezone.is_naive(moment):
        return moment
    return timezone.make_aware(moment, ZoneInfo(mall.time_zone) if mall else None)


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
    special = sorted(days_off, key=lambda d: d.agency_id is None)  # the agency's own first
    # A day off's hours are both set or both empty (closed).
    special_hours = [
        (d.opens, d.closes) for d in special if d.opens is not None and d.closes is not None
    ]
    if len(special_hours) < len(special):
        return None
    hours: tuple[time, time]
    if special_hours:
        hours = special_hours[0]
    else:
        own = list(AgencyHours.objects.filter(agency=agency))
        row: AgencyHours | OpeningHours | None
        if own:
            row = next((h for h in own if h.weekday == day.weekday()), None)
        else:
            row = agency.mall.opening_hours.filter(weekday=day.weekday()).first()
        if row is None:
            return None
        hours = (row.opens, row.closes)
    for closure in closures_on(agency=agency, day=day):
        # A restriction has both hours; a closure neither.
        if closure.kind == Closure.Kind.CLOSED or closure.opens is None or closure.closes is None:
            return None
        hours = (max(hours[0], closure.opens), min(hours[1], closure.closes))
        if hours[0] >= hours[1]:
            return None
    return hours


# How many of a mall's coming days off a working-day clock reads: more than a year's worth.
DAYS_OFF_AHEAD = 400


def _whole_days_off(mall: Mall | OuterRef) -> QuerySet[DayOff]:
    """The days the whole mall is closed (not a day with other hours, not one agency's)."""
    return DayOff.objects.filter(mall=mall, agency__isnull=True, opens__isnull=True)


def with_days_off(malls: QuerySet[Mall]) -> QuerySet[Mall]:
    """``malls`` each read with its coming whole days off in the same query (PostgreSQL), as
    ``coming_days_off``: :func:`working_days_after` then needs no query of its own. For a mall
    read during a request: a mall kept longer would not see a day off added since. Elsewhere
    (the demo's SQLite) ``malls`` as they are."""
    if connection.vendor != "postgresql":
        return malls
    # From the day before today in UTC: every mall's clock (WIB, WITA, WIT) is ahead of UTC, so
    # this holds every day after the mall's today; the clock drops the ones before.
    since = Cast(Now() - timedelta(days=1), DateField())
    dates = _whole_days_off(OuterRef("pk")).filter(date__gte=since).order_by("date")
    return malls.annotate(coming_days_off=ArraySubquery(dates.values("date")[:DAYS_OFF_AHEAD]))


def working_days_after(*, mall: Mall, start: date, days: int) -> date:
    """The date ``days`` working days after ``start``: weekends, national holidays, cuti bersama
    and the mall's own days off do not count (the SLA clocks of complaints and applications).
    A mall read :func:`with_days_off` brings its days off; any other costs a query."""
    coming: list[date] | None = getattr(mall, "coming_days_off", None)
    if coming is not None:
        off = {day for day in coming if day > start}
    else:
        off = set(
            _whole_days_off(mall)
            .filter(date__gt=start)
            .order_by("date")
            .values_list("date", flat=True)[:DAYS_OFF_AHEAD]
        )
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and not national_holiday(day) and day not in off:
            left -= 1
    return day


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
