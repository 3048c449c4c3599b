"""Demo history: what the demo malls did in 2019–2020 and in the twelve months before today.

Bookings and queue tickets (checked in, served, no-shows, walk-ins with their call and done
times), online applications with their transitions (finished on time or late, returned for
revision, rejected; by channel), complaints with their events and IKM survey responses, from a
seeded random generator: the same every run. It reproduces the articles' figures for MPP Kota
Bogor (7,912 applicants in February 2020, 4,431 in March 2020, when the building closed from
16 March and the online channel went on), where applicants are visits checked in (booked
check-ins and walk-ins) plus applications submitted online (portal and OSS), by the day in the
mall's time zone.

The rows are written in bulk (``copy_create`` on PostgreSQL, ``bulk_create`` in batches
elsewhere): no service runs, so nothing is sent, no survey invitation is made and no signal
fires. They are marked as demo data: the people are the inactive ``demo.riwayat.*`` accounts,
booking codes start with ``DEMO``, tracking numbers and complaint IDs with ``DEMO-``, and the
closures' decree numbers with ``DEMO``. A mall whose history exists (a ``DEMO-`` application)
is left alone, so a second seed adds nothing.
"""

import json
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.db.models import Model, Q
from django.utils import timezone

from satupintu.accounts.models import User
from satupintu.booking.models import Booking, Closure, DayOff, Slot, Ticket
from satupintu.booking.selectors import ticket_prefix
from satupintu.cases.models import Application, Step, Transition
from satupintu.catalog.models import Service
from satupintu.complaints.models import Report, ReportEvent
from satupintu.malls.calendar import national_holiday
from satupintu.malls.models import Counter, Mall, OpeningHours, StaffMembership
from satupintu.stats.services import rollup_chunks, rollup_malls
from satupintu.surveys.elements import AgeBand, Education, Gender, Occupation
from satupintu.surveys.models import Response

SEED = 20200301
MIDNIGHT = time(0)
FIRST_RANGE = (date(2019, 1, 1), date(2020, 12, 31))
RECENT_DAYS = 365
DEMO_PREFIX = "DEMO"
POOL_SIZE = 400
BATCH = 2000

# The articles: MPP Kota Bogor's applicants (visits checked in + online applications).
BOGOR_PINNED = {(2020, 2): 7912, (2020, 3): 4431}


@dataclass(frozen=True)
class Volume:
    """How busy a mall is: applicants in an ordinary month of 2019, how they split, and the
    COVID-19 closure of its building (online went on)."""

    monthly: int
    closure: tuple[date, date] | None = None
    # Online share of applicants before the closure, after it in 2020, and in recent months.
    online_share: tuple[float, float, float] = (0.09, 0.25, 0.35)
    # Monthly applicants pinned to published figures, and how many of them were online.
    pinned: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)


VOLUMES: dict[str, Volume] = {
    "kota-bogor": Volume(
        monthly=7400,
        closure=(date(2020, 3, 16), date(2020, 6, 7)),
        pinned={(2020, 2): (7912, 700), (2020, 3): (4431, 900)},
    ),
    "kabupaten-probolinggo": Volume(
        monthly=2600, closure=(date(2020, 3, 23), date(2020, 6, 14)), online_share=(0.05, 0.2, 0.3)
    ),
}
LIGHT_VOLUME = Volume(monthly=520, closure=(date(2020, 4, 1), date(2020, 5, 31)))

# Lebaran and the fasting month are quieter, the start of the year and of the school year busier.
SEASON = {1: 1.08, 2: 1.0, 3: 1.0, 4: 0.97, 5: 0.9, 6: 0.92, 7: 1.06, 8: 1.02, 9: 1.0, 10: 1.02}
WEEKDAY_WEIGHT = (1.18, 1.06, 1.0, 0.98, 0.82, 0.6, 0.3)


@dataclass
class _Calendar:
    """A mall's open days (its building) and working days (its back office) in memory."""

    mall: Mall
    weekdays: dict[int, tuple[time, time]]
    closed: set[date]
    days_off: set[date]
    working: list[date] = field(default_factory=list)

    def is_open(self, day: date) -> bool:
        return (
            day.weekday() in self.weekdays
            and day not in self.closed
            and day not in self.days_off
            and not national_holiday(day)
        )

    def is_working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.days_off and not national_holiday(day)

    def after(self, start: date, days: int) -> date:
        """As ``malls.calendar.working_days_after``: ``days`` working days after ``start``."""
        index = bisect_right(self.working, start)
        return self.working[index + days - 1]

    def next_working(self, start: date) -> date:
        return self.after(start - timedelta(days=1), 1)


def _calendar(mall: Mall, closure_dates: list[tuple[date, date]]) -> _Calendar:
    hours = {h.weekday: (h.opens, h.closes) for h in OpeningHours.objects.filter(mall=mall)}
    days_off = set(
        DayOff.objects.filter(mall=mall, agency__isnull=True, opens__isnull=True).values_list(
            "date", flat=True
        )
    )
    closed: set[date] = set()
    for start, end in closure_dates:
        closed.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    calendar = _Calendar(mall=mall, weekdays=hours, closed=closed, days_off=days_off)
    day, last = date(2018, 12, 1), timezone.localdate() + timedelta(days=400)
    while day <= last:
        if calendar.is_working(day):
            calendar.working.append(day)
        day += timedelta(days=1)
    return calendar


def _utc_text(moment: datetime) -> str:
    """A moment of the history (naive, in UTC) as PostgreSQL reads it."""
    return f"{moment}+00:00"


def _months(start: date, end: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _spread(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split over ``weights`` (jittered), summing exactly to ``total``."""
    if not weights or total <= 0:
        return [0] * len(weights)
    jittered = [w * rng.uniform(0.85, 1.15) for w in weights]
    scale = total / sum(jittered)
    raw = [w * scale for w in jittered]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _zipf(n: int) -> list[float]:
    return [1 / (rank + 1) ** 0.9 for rank in range(n)]


class _Table:
    """The new rows of one model as plain values, with the ids they will have. A million
    model instances would take minutes to build (about 45 µs each, before ``bulk_create``
    prepares each field); tuples take seconds. Columns not given take the field's default."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.names = [f.attname for f in self.fields]
        sqlite = connection.vendor == "sqlite"
        # (position, conversion) of the columns whose values the driver does not take as they
        # are: JSON as text; moments (naive UTC in the history) as UTC text, on SQLite as
        # Django stores them there; dates on SQLite as ISO text.
        self.converters: list[tuple[int, Callable[[Any], Any]]] = []
        self.defaults: dict[str, Any] = {}
        for position, f in enumerate(self.fields):
            if f.has_default():
                self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
            elif isinstance(f, models.CharField | models.TextField):
                self.defaults[f.attname] = ""
            if isinstance(f, models.JSONField):
                self.converters.append((position, json.dumps))
            elif isinstance(f, models.DateTimeField):
                self.converters.append((position, str if sqlite else _utc_text))
            elif isinstance(f, models.DateField) and sqlite:
                self.converters.append((position, date.isoformat))
        latest = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        self.next_id: int = (latest or 0) + 1
        self.rows: list[tuple[Any, ...]] = []

    def new_id(self) -> int:
        key = self.next_id
        self.next_id += 1
        return key

    def add(self, **values: Any) -> int:
        """A new row of ``values`` (an ``id`` taken earlier from :meth:`new_id`, or a new
        one); its id. A column neither given nor with a default is an error."""
        key = values.get("id") or self.new_id()
        values["id"] = key
        defaults = self.defaults
        row = [values[n] if n in values else defaults[n] for n in self.names]
        for position, convert in self.converters:
            if row[position] is not None:
                row[position] = convert(row[position])
        self.rows.append(tuple(row))
        return int(key)

    def write(self) -> int:
        """Insert the rows in bulk (COPY on PostgreSQL, batches of ``executemany`` elsewhere)
        and move the table's id sequence past them; how many."""
        if not self.rows:
            return 0
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in self.fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
                last = f"SELECT max(id) FROM {table}"  # noqa: S608 (a model's table)
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({last}))", [table]
                )
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
                for start in range(0, len(self.rows), BATCH):
                    cursor.executemany(sql, self.rows[start : start + BATCH])
        return len(self.rows)


class _Rows:
    """The rows of one mall's history, written in dependency order."""

    def __init__(self) -> None:
        self.slot_table = _Table(Slot)
        self.slots: dict[tuple[int, date, int], dict[str, Any]] = {}
        self.bookings = _Table(Booking)
        self.tickets = _Table(Ticket)
        self.applications = _Table(Application)
        self.transitions = _Table(Transition)
        self.reports = _Table(Report)
        self.report_events = _Table(ReportEvent)
        self.responses = _Table(Response)

    def write(self) -> dict[str, int]:
        for values in self.slots.values():
            values["capacity"] = max(values["capacity"], values["booked"])
            self.slot_table.add(**values)
        tables = {
            "slots": self.slot_table,
            "bookings": self.bookings,
            "tickets": self.tickets,
            "applications": self.applications,
            "transitions": self.transitions,
            "reports": self.reports,
            "report_events": self.report_events,
            "responses": self.responses,
        }
        return {name: table.write() for name, table in tables.items()}


class _MallHistory:
    """The history of one mall, drawn from its own seeded generator."""

    def __init__(self, mall: Mall, volume: Volume, pool: list[int]) -> None:
        self.mall = mall
        self.volume = volume
        self.pool = pool
        self.rng = random.Random(f"{SEED}:{mall.slug}")  # noqa: S311 (demo data, seeded)
        # Indonesia keeps no summer time: the mall's clock is UTC plus a fixed offset.
        offset = datetime(2020, 1, 1, tzinfo=ZoneInfo(mall.time_zone)).utcoffset()
        self.offset = offset or timedelta(0)
        self.today = self.local_day(timezone.now().replace(tzinfo=None))
        closures = [volume.closure] if volume.closure else []
        self.calendar = _calendar(mall, closures)
        services = list(
            Service.objects.filter(agency__mall=mall, agency__is_active=True, is_active=True)
            .select_related("agency")
            .order_by("pk")
        )
        self.in_person = [s for s in services if s.channel != Service.Channel.ONLINE][:24]
        self.online = [s for s in services if s.channel != Service.Channel.IN_PERSON][:24]
        # Civil registration is where the queues are, as the articles say.
        self.visit_weights = [
            w * (3 if "Kependudukan" in s.agency.name else 1)
            for s, w in zip(self.in_person, _zipf(len(self.in_person)), strict=True)
        ]
        self.online_weights = _zipf(len(self.online))
        agencies = {s.agency for s in self.in_person}
        self.prefixes = {a.pk: ticket_prefix(a) for a in agencies}
        self.counters: dict[int, list[int]] = {}
        for counter in Counter.objects.filter(agency__in=agencies, is_active=True).order_by("pk"):
            self.counters.setdefault(counter.agency_id, []).append(counter.pk)
        # The front office officer of each agency, who files walk-in applicants' applications.
        self.front_office: dict[int, int] = dict(
            StaffMembership.objects.filter(
                agency__mall=mall, role=StaffMembership.Role.FRONT_OFFICE
            )
            .order_by("pk")
            .values_list("agency_id", "user_id")
        )
        self.rows = _Rows()
        self.sequence = 0
        self.booking_sequence = 0

    # Clocks and numbers --------------------------------------------------------------------

    def at(self, day: date, minutes: float) -> datetime:
        """The moment ``minutes`` after midnight of ``day`` on the mall's clock, naive in UTC
        (as every moment of the history: quicker to compute and to write)."""
        return datetime.combine(day, MIDNIGHT) + timedelta(minutes=minutes) - self.offset

    def local_day(self, moment: datetime) -> date:
        """The mall's day of a moment of the history (naive, in UTC)."""
        return (moment + self.offset).date()

    def office_time(self, day: date) -> datetime:
        return self.at(day, self.rng.uniform(8 * 60, 15 * 60))

    def next_code(self, kind: str, year: int) -> str:
        """A tracking number or ID marked as demo data, e.g. DEMO-A20-001000123."""
        self.sequence += 1
        return f"{DEMO_PREFIX}-{kind}{year % 100:02d}-{self.mall.pk:03d}{self.sequence:06d}"

    def next_booking_code(self) -> str:
        self.booking_sequence += 1
        return f"{DEMO_PREFIX}{self.mall.pk % 100:02d}{self.booking_sequence:06d}"

    # Volumes -------------------------------------------------------------------------------

    def month_split(
        self, year: int, month: int, open_days: int, normal_days: int
    ) -> tuple[int, int]:
        """(visits checked in, online applications) of a month."""
        pinned = self.volume.pinned.get((year, month))
        if pinned:
            total, online = pinned
            return total - online, online
        before, after_closure, recent = self.volume.online_share
        recent_period = date(year, month, 1) > FIRST_RANGE[1]
        growth = 1.12 if recent_period else 1.0 + 0.04 * (year - 2019)
        base = self.volume.monthly * SEASON.get(month, 1.0) * growth * self.rng.uniform(0.94, 1.06)
        closure = self.volume.closure
        if recent_period:
            share, capacity = recent, 1.0
        elif closure and date(year, month, 1) > closure[0]:
            share, capacity = after_closure, 0.6  # distancing: half the seats, shorter hours
        else:
            share, capacity = before, 1.0
        visits = base * (1 - share) * capacity * (open_days / normal_days if normal_days else 0)
        return round(visits), round(base * share)

    def run(self, start: date, end: date) -> None:
        end = min(end, self.today - timedelta(days=1))
        for year, month in _months(start, end):
            month_start = date(year, month, 1)
            month_end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
            days = _days(max(start, month_start), min(end, month_end))
            whole = _days(month_start, month_end)
            open_days = [d for d in days if self.calendar.is_open(d)]
            normal = [
                d
                for d in whole
                if d.weekday() in self.calendar.weekdays and not national_holiday(d)
            ]
            visits, online = self.month_split(year, month, len(open_days), len(normal))
            if len(days) < len(whole):  # a month cut by the range: its days' share online
                online = round(online * len(days) / len(whole))
            recent = year > FIRST_RANGE[1].year
            weights = [WEEKDAY_WEIGHT[d.weekday()] for d in open_days]
            for day, count in zip(open_days, _spread(self.rng, visits, weights), strict=True):
                self.visit_day(day, count, recent=recent)
            online_weights = [1.0 if d.weekday() < 5 else 0.35 for d in days]
            for day, count in zip(days, _spread(self.rng, online, online_weights), strict=True):
                for _n in range(count):
                    self.application(day, recent=recent)
            for _n in range(max(1, round((visits + online) * 0.004 * self.rng.uniform(0.7, 1.3)))):
                self.report(self.rng.choice(days))

    # Visits --------------------------------------------------------------------------------

    def visit_day(self, day: date, count: int, *, recent: bool) -> None:
        if not count or not self.in_person:
            return
        rng = self.rng
        opens, closes = self.calendar.weekdays[day.weekday()]
        start = opens.hour * 60 + opens.minute
        stop = closes.hour * 60 + closes.minute - 30
        booked_share = 0.55 if recent else 0.3 if day.year == 2019 else 0.4
        services = rng.choices(self.in_person, self.visit_weights, k=count)
        visits = sorted(
            ((rng.triangular(start, stop, start + 60), n) for n in range(count)),
        )
        numbers: dict[int, int] = {}
        booked = 0
        for minute, n in visits:
            service = services[n]
            booking = None
            if rng.random() < booked_share:
                booking = self.booking(service, day, minute, Booking.Status.SERVED)
                booked += 1
            numbers[service.agency_id] = numbers.get(service.agency_id, 0) + 1
            self.ticket(service, day, minute, numbers[service.agency_id], booking)
        # Those who booked and did not come, and those who cancelled.
        for status, share in ((Booking.Status.NO_SHOW, 0.12), (Booking.Status.CANCELLED, 0.07)):
            for _n in range(round(booked * share * rng.uniform(0.6, 1.4))):
                service = rng.choices(self.in_person, self.visit_weights)[0]
                self.booking(service, day, rng.uniform(start, stop), status)

    def slot(self, service: Service, day: date, minute: float) -> dict[str, Any]:
        hour = int(minute // 60)
        key = (service.pk, day, hour)
        slot = self.rows.slots.get(key)
        if slot is None:
            slot = self.rows.slots[key] = {
                "id": self.rows.slot_table.new_id(),
                "service_id": service.pk,
                "start": self.at(day, hour * 60),
                "end": self.at(day, hour * 60 + 60),
                "capacity": 12,
                "priority_capacity": 1,
                "walk_in_places": 3,
                "booked": 0,
            }
        return slot

    def booking(self, service: Service, day: date, minute: float, status: str) -> int:
        rng = self.rng
        slot = self.slot(service, day, minute)
        made = self.at(day - timedelta(days=rng.randint(1, 12)), rng.uniform(360, 1320))
        cancelled = None
        if status == Booking.Status.CANCELLED:
            cancelled = made + timedelta(hours=rng.uniform(1, 48))
        else:
            slot["booked"] += 1
        return self.rows.bookings.add(
            code=self.next_booking_code(),
            citizen_id=rng.choice(self.pool),
            slot_id=slot["id"],
            service_id=service.pk,
            date=day,
            status=status,
            created_at=made,
            cancelled_at=cancelled,
        )

    def ticket(
        self, service: Service, day: date, minute: float, number: int, booking: int | None
    ) -> None:
        rng = self.rng
        agency_id = service.agency_id
        queued = self.at(day, minute)
        called = queued + timedelta(minutes=min(rng.expovariate(1 / 22), 150))
        finished = called + timedelta(minutes=4 + rng.expovariate(1 / 9))
        status, calls = Ticket.Status.SERVED, 1
        if booking is None and rng.random() < 0.03:  # left before their turn
            status, calls, finished = Ticket.Status.NO_SHOW, 3, called + timedelta(minutes=5)
        counters = self.counters.get(agency_id)
        self.rows.tickets.add(
            agency_id=agency_id,
            service_id=service.pk,
            booking_id=booking,
            date=day,
            number=number,
            label=f"{self.prefixes[agency_id]}-{number:03d}",
            priority=rng.random() < 0.06,
            status=status,
            counter_id=rng.choice(counters) if counters else None,
            created_at=queued,
            called_at=called,
            calls=calls,
            finished_at=finished,
        )
        if status == Ticket.Status.SERVED and rng.random() < 0.04:
            self.response(day, service, paper=rng.random() < 0.4)

    # Applications --------------------------------------------------------------------------

    def application(self, day: date, *, recent: bool) -> None:
        if not self.online:
            return
        rng, calendar = self.rng, self.calendar
        service = rng.choices(self.online, self.online_weights)[0]
        submitted = self.at(day, rng.uniform(6 * 60, 23 * 60))
        sla = max(service.duration_working_days, 1)
        due = calendar.after(day, sla)
        # Before Satu Pintu (2019-2020) only the portal; since, also the front office and OSS.
        channel = rng.choices(["online", "oss", "front_office"], [0.75, 0.15, 0.1])[0]
        officer = self.front_office.get(service.agency_id)
        if not recent or (
            channel == "front_office" and (officer is None or not calendar.is_open(day))
        ):
            channel = "online"
        if channel == "front_office":
            submitted = self.at(day, rng.uniform(8 * 60, 14 * 60))
        number = self.next_code("A", day.year)
        steps: list[tuple[str, str, str, str, str, datetime]] = [
            ("submit", "draft", "in_progress", "", Step.DOCUMENT_CHECK, submitted)
        ]
        moment, work_day = submitted, day
        if rng.random() < 0.15:  # returned for revision, sent back fixed
            work_day = calendar.next_working(day + timedelta(days=1))
            moment = max(moment, self.office_time(work_day)) + timedelta(minutes=1)
            steps.append(("return", "in_progress", "revision", Step.DOCUMENT_CHECK, "", moment))
            work_day += timedelta(days=rng.randint(1, 6))
            moment = self.at(work_day, rng.uniform(7 * 60, 22 * 60))
            steps.append(("resubmit", "revision", "in_progress", "", Step.DOCUMENT_CHECK, moment))
        outcome = rng.choices(["on_time", "late", "rejected"], [0.8, 0.14, 0.06])[0]
        if outcome == "late":
            finish = calendar.after(due, rng.randint(1, 5))
        elif outcome == "on_time":
            finish = min(due, calendar.after(work_day, rng.randint(1, sla)))
        else:
            finish = calendar.after(work_day, rng.randint(1, 3))
        finish = max(finish, work_day)
        if finish >= self.today:  # the history ends yesterday
            finish = max(work_day, self.today - timedelta(days=1))
        checked_day = calendar.next_working(work_day) if finish > work_day else finish
        checked = max(self.office_time(checked_day), moment + timedelta(minutes=20))
        steps.append(
            ("forward", "in_progress", "in_progress", Step.DOCUMENT_CHECK, Step.DECISION, checked)
        )
        decided = max(self.office_time(finish), checked + timedelta(minutes=30))
        if outcome == "rejected":
            steps.append(("reject", "in_progress", "rejected", Step.DECISION, "", decided))
        else:
            steps.append(("forward", "in_progress", "done", Step.DECISION, "", decided))
        key = self.rows.applications.add(
            tracking_number=number,
            service_id=service.pk,
            applicant_id=rng.choice(self.pool),
            form_data={},
            status=steps[-1][2],
            step="",
            version=len(steps),
            submitted_at=submitted,
            due_date=due,
            filed_by_id=officer if channel == "front_office" else None,
            external_ref=f"oss:{number}" if channel == "oss" else "",
            decided_at=decided,
            created_at=submitted - timedelta(minutes=rng.uniform(5, 90)),
        )
        for action, from_status, to_status, from_step, to_step, when in steps:
            self.rows.transitions.add(
                application_id=key,
                actor_id=officer
                if action == "forward" and from_step == Step.DOCUMENT_CHECK
                else None,
                action=action,
                from_status=from_status,
                to_status=to_status,
                from_step=from_step,
                to_step=to_step,
                note="Data demo (riwayat)." if action == "submit" else "",
                created_at=when,
            )
        if outcome != "rejected" and rng.random() < 0.03:
            self.response(self.local_day(decided), service, paper=False)

    # Complaints ----------------------------------------------------------------------------

    def report(self, day: date) -> None:
        rng, calendar = self.rng, self.calendar
        kind = rng.choices(list(Report.Kind), [0.6, 0.25, 0.15])[0]
        category = rng.choice(list(Report.Category))
        service = rng.choice(self.in_person or self.online)
        filed = self.at(day, rng.uniform(6 * 60, 22 * 60))
        anonymous = rng.random() < 0.2
        deadline = rng.choices(
            [Report.DeadlineClass.LIGHT, Report.DeadlineClass.NORMATIVE], [0.3, 0.7]
        )[0]
        routed_day = calendar.next_working(day + timedelta(days=1))
        routed = self.office_time(routed_day)
        answer_due = calendar.after(routed_day, int(deadline))
        late = rng.random() < 0.12
        answered_day = (
            calendar.after(answer_due, rng.randint(1, 4))
            if late
            else calendar.after(routed_day, rng.randint(1, int(deadline)))
        )
        events: list[tuple[str, datetime, str]] = [
            (ReportEvent.Kind.FILED, filed, ""),
            (ReportEvent.Kind.ROUTED, routed, ""),
        ]
        escalated = None
        if late:
            escalated = self.office_time(calendar.after(answer_due, 1))
            events.append((ReportEvent.Kind.ESCALATED, escalated, ""))
        answered = max(
            self.office_time(answered_day), (escalated or routed) + timedelta(minutes=30)
        )
        if self.local_day(answered) >= self.today:
            return  # still open today: the history leaves it out
        events.append((ReportEvent.Kind.ANSWERED, answered, "Jawaban contoh (data demo)."))
        close_due = calendar.after(self.local_day(answered), 10)
        rating = None
        if not anonymous and rng.random() < 0.55:
            rating = rng.choices([1, 2, 3, 4, 5], [0.05, 0.08, 0.2, 0.37, 0.3])[0]
            events.append(
                (ReportEvent.Kind.RATED, answered + timedelta(hours=rng.uniform(2, 72)), "")
            )
        closed: datetime | None = self.at(close_due, 60)
        status = Report.Status.CLOSED
        if closed is not None and self.local_day(closed) >= self.today:
            status, closed = Report.Status.ANSWERED, None
        if closed is not None:
            events.append((ReportEvent.Kind.CLOSED, closed, ""))
        key = self.rows.reports.add(
            tracking_id=self.next_code("L", day.year),
            secret_hash="0" * 64,
            mall_id=self.mall.pk,
            kind=kind,
            category=category,
            title=f"Data demo: {Report.Category(category).label}"[:150],
            text="Laporan contoh dari riwayat demo Satu Pintu, bukan laporan warga sungguhan.",
            event_date=day,
            agency_id=service.agency_id,
            service_id=service.pk,
            is_anonymous=anonymous,
            reporter_id=None if anonymous else rng.choice(self.pool),
            status=status,
            deadline_class=int(deadline),
            verify_due=calendar.after(day, 3),
            answer_due=answer_due,
            close_due=close_due,
            escalated_at=escalated,
            rating=rating,
            created_at=filed,
            closed_at=closed,
        )
        for event_kind, when, text in events:
            self.rows.report_events.add(report_id=key, kind=event_kind, created_at=when, text=text)

    # Surveys -------------------------------------------------------------------------------

    def response(self, day: date, service: Service, *, paper: bool) -> None:
        rng = self.rng
        if not paper:
            day += timedelta(days=rng.choice([0, 0, 1, 2]))
            if day >= self.today:
                return
        # Mostly 3s and 4s; waiting (U3) and facilities (U9) lowest, costs (U4) highest.
        lean = {3: -0.45, 9: -0.3, 4: 0.4, 5: 0.1}
        scores = {
            f"u{e}": min(4, max(1, round(rng.gauss(3.25 + lean.get(e, 0.0), 0.55))))
            for e in range(1, 10)
        }
        profile = rng.random() < 0.7
        self.rows.responses.add(
            mall_id=self.mall.pk,
            agency_id=service.agency_id,
            service_id=service.pk,
            date=day,
            channel=Response.Channel.PAPER if paper else Response.Channel.ONLINE,
            gender=rng.choice(Gender.values) if profile else "",
            age_band=rng.choices(AgeBand.values, [2, 6, 7, 5, 3, 1])[0] if profile else "",
            education=rng.choices(Education.values, [1, 2, 6, 2, 4, 1])[0] if profile else "",
            occupation=rng.choices(Occupation.values, [2, 1, 1, 6, 5, 3])[0] if profile else "",
            **scores,
        )


# Entry points ----------------------------------------------------------------------------


def history_pool() -> list[User]:
    """The demo history's people: inactive accounts nobody signs in with."""
    existing = list(User.objects.filter(username__startswith="demo.riwayat.").order_by("pk"))
    if len(existing) >= POOL_SIZE:
        return existing
    have = {u.username for u in existing}
    new = [
        User(
            username=f"demo.riwayat.{n:04d}",
            first_name="Warga",
            last_name=f"Demo {n:04d}",
            email=f"riwayat{n:04d}@demo.satupintu.id",
            is_active=False,
            password=make_password(None),  # unusable: nobody signs in as them
        )
        for n in range(1, POOL_SIZE + 1)
        if f"demo.riwayat.{n:04d}" not in have
    ]
    User.objects.bulk_create(new, batch_size=BATCH)
    return list(User.objects.filter(username__startswith="demo.riwayat.").order_by("pk"))


def history_exists(mall: Mall) -> bool:
    return Application.objects.filter(
        service__agency__mall=mall, tracking_number__startswith=f"{DEMO_PREFIX}-"
    ).exists()


def _closure(mall: Mall, volume: Volume) -> None:
    if volume.closure is None:
        return
    start, end = volume.closure
    if Closure.objects.filter(
        mall=mall, starts_on=start, decree_number__startswith=DEMO_PREFIX
    ).exists():
        return
    Closure.objects.create(
        mall=mall,
        kind=Closure.Kind.CLOSED,
        decree_number=f"{DEMO_PREFIX} SE Kepala Daerah tentang Pencegahan COVID-19 ({start.year})",
        reason="Pandemi COVID-19: gedung MPP ditutup, layanan daring tetap berjalan",
        reason_en="COVID-19 pandemic: the building closed, online services went on",
        starts_on=start,
        ends_on=end,
        applied_at=datetime.combine(start, time(7), tzinfo=ZoneInfo(mall.time_zone)),
    )


def history_seed(malls: Sequence[Mall]) -> dict[str, int]:
    """Write the history of each of ``malls`` that has none; the counts of rows written."""
    todo = [mall for mall in malls if not history_exists(mall)]
    if not todo:
        return {}
    pool = [user.pk for user in history_pool()]
    totals: dict[str, int] = {}
    for mall in todo:
        volume = VOLUMES.get(mall.slug, LIGHT_VOLUME)
        _closure(mall, volume)
        history = _MallHistory(mall, volume, pool)
        recent = (history.today - timedelta(days=RECENT_DAYS), history.today - timedelta(days=1))
        history.run(*FIRST_RANGE)
        history.run(*recent)
        for key, value in history.rows.write().items():
            totals[key] = totals.get(key, 0) + value
    # The statistics read count tables: the history is counted into them once, here, every
    # mall's month at once (there is no beat in the demo; the figures equal a direct count).
    today = timezone.localdate()
    for start, end in (FIRST_RANGE, (today - timedelta(days=RECENT_DAYS + 1), today)):
        for first, last in rollup_chunks(start=start, end=end):
            rollup_malls(malls=todo, start=first, end=last)
    return totals


def closed_days(mall: Mall, start: date, end: date) -> set[date]:
    """The days of ``start``..``end`` ``mall``'s building was closed (for the tests): not an
    opening day of the week, a national holiday, a whole-mall day off or closure decree."""
    closures = [
        (c.starts_on, c.reopened_on - timedelta(days=1) if c.reopened_on else c.ends_on)
        for c in Closure.objects.filter(
            Q(kind=Closure.Kind.CLOSED), mall=mall, agencies__isnull=True
        )
    ]
    calendar = _calendar(mall, closures)
    return {day for day in _days(start, end) if not calendar.is_open(day)}
