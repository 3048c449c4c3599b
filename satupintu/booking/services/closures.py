"""Writes of closures: record a decree closing a mall or restricting its hours, move the bookings
it touches to the next free time, reopen early."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from satupintu.accounts.models import User
from satupintu.booking.calendar import LINK_SALT, visit_ics
from satupintu.booking.models import Booking, BookingEvent, Closure, Slot
from satupintu.booking.selectors import counters_open, policy_for, slot_within_hours
from satupintu.booking.services.bookings import CHANGEABLE
from satupintu.booking.services.slots import slots_freed, slots_open
from satupintu.catalog.models import Service
from satupintu.copying import built, copy_create
from satupintu.languages import site_url
from satupintu.malls.calendar import in_mall_time, opening_hours
from satupintu.malls.models import Agency, Announcement, Mall, rule_body, rule_title
from satupintu.malls.services import announcement_end, announcement_publish
from satupintu.notify.models import Event
from satupintu.notify.services import Notice, Recipient, notify_many

Move = tuple[Booking, Slot]


@dataclass
class ClosureReport:
    affected: int = 0
    moved: int = 0
    released: int = 0
    notified: int = 0


def closure_record(
    *,
    mall: Mall,
    kind: str,
    decree_number: str,
    reason: str,
    reason_en: str = "",
    starts_on: date,
    ends_on: date,
    opens: time | None = None,
    closes: time | None = None,
    agencies: list[Agency] | None = None,
    by: User | None = None,
) -> Closure:
    """Record a closure or restricted hours, publish its announcement, move every booking it
    touches and tell their holders; all in one transaction. Returns the closure with its report.
    """
    closure_agencies_check(mall=mall, agencies=agencies or [])
    closure = Closure(
        mall=mall,
        kind=kind,
        decree_number=decree_number,
        reason=reason,
        reason_en=reason_en,
        starts_on=starts_on,
        ends_on=ends_on,
        opens=opens if kind == Closure.Kind.RESTRICTED else None,
        closes=closes if kind == Closure.Kind.RESTRICTED else None,
        created_by=by,
    )
    closure.full_clean()
    with transaction.atomic():
        closure.save()
        if agencies:
            closure.agencies.set(agencies)
        closure.announcement = _closure_announcement(closure, agencies or [])
        closure.save(update_fields=["announcement"])
        closure_apply(closure=closure)
    closure.refresh_from_db()
    return closure


def closure_agencies_check(*, mall: Mall, agencies: Iterable[Agency]) -> None:
    """ValidationError unless every agency a closure names sits in the closed mall: a decree of
    one mall never closes another mall's agency."""
    if any(agency.mall_id != mall.pk for agency in agencies):
        raise ValidationError({"agencies": [_("Not an agency of this mall.")]})


def _closure_announcement(closure: Closure, agencies: list[Agency]) -> Announcement:
    """The closure's announcement: it keeps the closure's terms and is worded from them in each
    reader's language when read; the Indonesian wording is stored too, for search and lists."""
    zone = ZoneInfo(closure.mall.time_zone)
    kind = (
        Announcement.Kind.CLOSURE
        if closure.kind == Closure.Kind.CLOSED
        else Announcement.Kind.RESTRICTED_HOURS
    )
    rule = {
        "who": ", ".join(a.short_name or a.name for a in agencies) or closure.mall.name,
        "first": closure.starts_on.isoformat(),
        "last": closure.ends_on.isoformat(),
        "reason": closure.reason,
        "reason_en": closure.reason_en,
        "decree": closure.decree_number,
    }
    if closure.opens is not None and closure.closes is not None:
        rule.update(
            opens=closure.opens.isoformat("minutes"), closes=closure.closes.isoformat("minutes")
        )
    with override(settings.LANGUAGE_CODE):
        title, body = rule_title(kind, rule), rule_body(rule)
    return announcement_publish(
        mall=closure.mall,
        kind=kind,
        agency=agencies[0] if len(agencies) == 1 else None,
        title=title[:200],
        body=body,
        rule=rule,
        valid_from=timezone.now(),
        valid_until=datetime.combine(closure.ends_on, time.max, tzinfo=zone),
    )


def closure_apply(*, closure: Closure) -> ClosureReport:
    """Move every active booking the closure touches to the earliest equivalent free slot after
    it (same service), as a proposal, or release it when none is free before the end of the
    booking horizon counted from the closure's last day. Safe to run twice: a second run finds
    nothing left inside the closure. Holds capacity: candidate slots are locked, and the counts
    change in the same transaction, under the slots' check constraints.
    """
    report = ClosureReport()
    policy = policy_for(mall=closure.mall)
    horizon = closure.ends_on + timedelta(days=policy.days_ahead)
    earliest = timezone.now() + timedelta(minutes=policy.cutoff_minutes)
    with transaction.atomic():
        Closure.objects.select_for_update().get(pk=closure.pk)  # one run at a time
        _lock_closed_slots(closure)
        hours = _Hours()
        affected = [b for b in _touched(closure) if not hours.fits(b.slot, b.service)]
        moved: list[Move] = []
        released: list[Booking] = []
        taken = _taken_days(affected, horizon)
        for bookings in _by_service(affected):
            service_moved, service_released = _plan_moves(
                bookings, horizon, hours, earliest, taken.get(bookings[0].service_id, set())
            )
            moved += service_moved
            released += service_released
        _write_slot_counts(moved, released)
        _write_moves(closure, moved, released)
        report.affected, report.moved, report.released = len(affected), len(moved), len(released)
        report.notified = _tell_moved(closure, moved, released)
        Closure.objects.filter(pk=closure.pk).update(
            applied_at=timezone.now(),
            affected=F("affected") + report.affected,
            moved=F("moved") + report.moved,
            released=F("released") + report.released,
            notified=F("notified") + report.notified,
        )
    return report


def _lock_closed_slots(closure: Closure) -> None:
    """Lock every slot of the closure's days (and agencies) before the bookings are read. A
    booking that took a place in one of them earlier has committed once the lock is ours, so
    it is read and moved; one taking a place now waits for this transaction, then sees the
    closure and is refused (bookings._check_still_open). Without this, a booking made on
    another server during the closure stayed on the closed day."""
    zone = ZoneInfo(closure.mall.time_zone)
    slots = Slot.objects.filter(
        service__agency__mall=closure.mall,
        start__gte=datetime.combine(closure.starts_on, time.min, tzinfo=zone),
        start__lt=datetime.combine(closure.ends_on + timedelta(days=1), time.min, tzinfo=zone),
    )
    agency_ids = list(closure.agencies.values_list("pk", flat=True))
    if agency_ids:
        slots = slots.filter(service__agency_id__in=agency_ids)
    list(slots.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))


def _touched(closure: Closure) -> list[Booking]:
    """The active bookings of the closure's days and agencies, locked, earliest first. Each
    holds its citizen; their slots and services (with agency and mall) are read once each and
    shared by the bookings that have them."""
    touched = (
        Booking.objects.select_for_update(of=("self",))
        .filter(
            status__in=CHANGEABLE,
            service__agency__mall=closure.mall,
            date__gte=closure.starts_on,
            date__lte=closure.ends_on,
        )
        .select_related("citizen")
        .order_by("slot__start", "created_at")
    )
    agency_ids = set(closure.agencies.values_list("pk", flat=True))
    if agency_ids:
        touched = touched.filter(service__agency_id__in=agency_ids)
    bookings = list(touched)
    services = Service.objects.select_related("agency", "visit").in_bulk(
        {b.service_id for b in bookings}
    )
    # One agency object per agency and the closure's mall for all: what is read through them
    # (the mall's visit policy, an agency's hours) is read once, not once per service.
    agencies: dict[int, Agency] = {}
    for service in services.values():
        agency = agencies.setdefault(service.agency_id, service.agency)
        Service.agency.field.set_cached_value(service, agency)
        Agency.mall.field.set_cached_value(agency, closure.mall)
    slots = Slot.objects.in_bulk({b.slot_id for b in bookings})
    for booking in bookings:
        Booking.service.field.set_cached_value(booking, services[booking.service_id])
        Booking.slot.field.set_cached_value(booking, slots[booking.slot_id])
    return bookings


def _by_service(bookings: list[Booking]) -> Iterable[list[Booking]]:
    by_service: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_service.setdefault(booking.service_id, []).append(booking)
    return by_service.values()


def _taken_days(affected: list[Booking], horizon: date) -> dict[int, set[tuple[int, date]]]:
    """By service, the (citizen, day) pairs of the other active bookings from the first day
    touched to ``horizon``: a holder is not moved to a day they already hold (one query)."""
    taken: dict[int, set[tuple[int, date]]] = {}
    if not affected:
        return taken
    # The affected bookings are left out here rather than in SQL: ten thousand of them made a
    # NOT IN list the query spent longer compiling and planning than reading the rows.
    moving = {b.pk for b in affected}
    rows = Booking.objects.filter(
        service_id__in={b.service_id for b in affected},
        status__in=Booking.ACTIVE,
        date__gte=min(b.date for b in affected),
        date__lte=horizon,
    ).values_list("pk", "service_id", "citizen_id", "date")
    for pk, service_id, citizen_id, day in rows:
        if pk not in moving:
            taken.setdefault(service_id, set()).add((citizen_id, day))
    return taken


def _plan_moves(
    bookings: list[Booking],
    horizon: date,
    hours: "_Hours",
    earliest: datetime,
    taken: set[tuple[int, date]],
) -> tuple[list[Move], list[Booking]]:
    """Where each of ``bookings`` (of one service, earliest first) goes: the earliest free slot
    after it (from ``earliest``, the booking cut-off), on a day its holder has no other booking
    of the service (``taken``, which this adds to); or nowhere."""
    service = bookings[0].service
    mall = service.agency.mall
    first_day = in_mall_time(bookings[0].slot.start, mall).date()
    days = _candidate_days(service, first_day, horizon, hours, earliest)
    candidates: list[Slot] = []
    moved: list[Move] = []
    released: list[Booking] = []
    for booking in bookings:
        target = _target(booking, candidates, days, taken)
        if target is None:
            released.append(booking)
            continue
        priority = bool(booking.priority)
        target.booked += 1
        target.priority_booked += int(priority)
        taken.add((booking.citizen_id, in_mall_time(target.start, mall).date()))
        moved.append((booking, target))
    return moved, released


def _target(
    booking: Booking,
    candidates: list[Slot],
    days: Iterator[list[Slot]],
    taken: set[tuple[int, date]],
) -> Slot | None:
    """The first of ``candidates`` that fits ``booking``, loading more days as needed."""
    mall = booking.service.agency.mall
    priority = bool(booking.priority)
    while True:
        target = next(
            (
                slot
                for slot in candidates
                if slot.start > booking.slot.start
                and _remaining(slot, priority=priority) > 0
                and (booking.citizen_id, in_mall_time(slot.start, mall).date()) not in taken
            ),
            None,
        )
        if target is not None or not _load_next_day(days, candidates):
            return target


def _remaining(slot: Slot, *, priority: bool) -> int:
    free = slot.capacity - slot.booked
    if priority:
        return free
    ordinary = (slot.capacity - slot.priority_capacity) - (slot.booked - slot.priority_booked)
    return min(free, ordinary)


class _Hours:
    """``opening_hours`` (and the agencies' counter counts) remembered for one run: a closure
    asks about the same days often."""

    def __init__(self) -> None:
        self.known: dict[tuple[int, date], tuple[time, time] | None] = {}
        self.fitting: dict[int, bool] = {}
        self.counted: dict[int, int] = {}

    def counters(self, agency: Agency) -> int:
        """``counters_open``, once per agency: the slots a closure opens for the services of
        one agency take their capacity from the same count."""
        if agency.pk not in self.counted:
            self.counted[agency.pk] = counters_open(agency)
        return self.counted[agency.pk]

    def __call__(self, agency: Agency, day: date) -> tuple[time, time] | None:
        if (agency.pk, day) not in self.known:
            self.known[agency.pk, day] = opening_hours(agency=agency, day=day)
        return self.known[agency.pk, day]

    def fits(self, slot: Slot, service: Service) -> bool:
        """Whether ``slot`` (of ``service``, passed to spare a query) lies in open hours."""
        if slot.pk not in self.fitting:
            self.fitting[slot.pk] = slot_within_hours(slot, service=service, hours_of=self)
        return self.fitting[slot.pk]


def _candidate_days(
    service: Service, first_day: date, last_day: date, hours: _Hours, earliest: datetime
) -> Iterator[list[Slot]]:
    """Day by day, the open slots of ``service`` still bookable (from ``earliest``), locked,
    earliest first.

    Days are opened only as moving needs them."""
    zone = ZoneInfo(service.agency.mall.time_zone)
    day = first_day
    while day <= last_day:
        if hours(service.agency, day) is not None:
            slots_open(
                service=service, day=day, hours_of=hours, counters_of=hours.counters, read=False
            )
            slots = (
                Slot.objects.select_for_update()
                .filter(
                    service=service,
                    start__gte=max(earliest, datetime.combine(day, time.min, tzinfo=zone)),
                    start__lt=datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
                )
                .order_by("start")
            )
            yield [slot for slot in slots if hours.fits(slot, service)]
        day += timedelta(days=1)


def _load_next_day(days: Iterator[list[Slot]], candidates: list[Slot]) -> bool:
    """Add the next day's slots to ``candidates``; False when the horizon is used up."""
    for slots in days:
        candidates.extend(slots)
        return True
    return False


def _write_slot_counts(moved: list[Move], released: list[Booking]) -> None:
    """Move the places in a few statements: psycopg pipelines ``executemany``."""
    taken: dict[int, list[int]] = {}
    given: dict[int, list[int]] = {}
    for booking, target in moved:
        counts = taken.setdefault(target.pk, [0, 0])
        counts[0] += 1
        counts[1] += int(bool(booking.priority))
    for booking in [b for b, _t in moved] + released:
        counts = given.setdefault(booking.slot_id, [0, 0])
        counts[0] += 1
        counts[1] += int(bool(booking.priority))
    with connection.cursor() as cursor:
        if given:
            cursor.executemany(
                "UPDATE booking_slot SET booked = booked - %s, "
                "priority_booked = priority_booked - %s WHERE id = %s",
                [(n, p, pk) for pk, (n, p) in given.items()],
            )
        if taken:
            cursor.executemany(
                "UPDATE booking_slot SET booked = booked + %s, "
                "priority_booked = priority_booked + %s WHERE id = %s",
                [(n, p, pk) for pk, (n, p) in taken.items()],
            )
    slots_freed(list(given))


def _write_moves(closure: Closure, moved: list[Move], released: list[Booking]) -> None:
    """Write the moves (as proposals) and releases of the bookings locked, and their history:
    one UPDATE per kind over arrays of the rows' values, one COPY of the history rows. The
    slots' counts are written apart. The rows' calendar ``sequence`` goes up by one; the objects
    given keep theirs (their messages are worded from them)."""
    mall = closure.mall
    with connection.cursor() as cursor:
        if moved:
            cursor.execute(
                "UPDATE booking_booking AS b SET slot_id = m.slot_id, moved_from_id = b.slot_id,"
                " date = m.day, status = 'proposed', closure_id = %s, sequence = b.sequence + 1"
                " FROM unnest(%s::bigint[], %s::bigint[], %s::date[]) AS m(id, slot_id, day)"
                " WHERE b.id = m.id",
                [
                    closure.pk,
                    [booking.pk for booking, _t in moved],
                    [target.pk for _b, target in moved],
                    [in_mall_time(target.start, mall).date() for _b, target in moved],
                ],
            )
        if released:
            cursor.execute(
                "UPDATE booking_booking SET status = 'released', closure_id = %s, "
                "sequence = sequence + 1 WHERE id = ANY(%s::bigint[])",
                [closure.pk, [booking.pk for booking in released]],
            )
    copy_create(
        [
            built(
                BookingEvent,
                {
                    "booking_id": booking.pk,
                    "from_status": booking.status,
                    "to_status": to_status,
                    "actor_id": closure.created_by_id,
                    "reason": reason,
                    "note": closure.decree_number,
                },
            )
            for bookings, to_status, reason in (
                (
                    [b for b, _t in moved],
                    Booking.Status.PROPOSED,
                    BookingEvent.Reason.CLOSURE_MOVED,
                ),
                (released, Booking.Status.RELEASED, BookingEvent.Reason.CLOSURE_RELEASED),
            )
            for booking in bookings
        ]
    )


class _Contexts:
    """``booking_context`` for many bookings of one mall: what is the same for many of them
    (a day's words in a language, the links' shape in a language) is worked out once."""

    SAMPLE = "KODE0SAMPLE"

    def __init__(self, mall: Mall) -> None:
        self.mall = mall
        self.days: dict[tuple[str, date], str] = {}
        self.links: dict[str, tuple[str, str]] = {}
        self.calendar: tuple[str, str] | None = None
        self.signer = signing.TimestampSigner(salt=LINK_SALT)

    def day(self, start: datetime, language: str) -> str:
        key = (language, start.date())
        if key not in self.days:
            with override(language):
                self.days[key] = formats.date_format(start, "l, j F Y")
        return self.days[key]

    def link(self, code: str, language: str) -> str:
        # A booking code is letters and digits around one hyphen ("ABCD-EFGH"), which
        # ``reverse`` leaves as they are: only another shape is reversed on its own.
        if not code.replace("-", "").isalnum():
            return site_url("portal:booking", language=language, args=[code])
        if language not in self.links:
            url = site_url("portal:booking", language=language, args=[self.SAMPLE])
            head, _sample, tail = url.rpartition(self.SAMPLE)
            self.links[language] = (head, tail)
        head, tail = self.links[language]
        return head + code + tail

    def calendar_link(self, code: str) -> str:
        """``calendar.calendar_link``: the token is the booking's own, the rest shared (a
        signed token is URL-safe: base64 and colons, which ``reverse`` leaves as they are)."""
        token = self.signer.sign_object(code, compress=True)  # as signing.dumps does
        if self.calendar is None:
            url = settings.SITE_URL + reverse("portal:booking-ics-signed", args=[self.SAMPLE])
            head, _sample, tail = url.rpartition(self.SAMPLE)
            self.calendar = (head, tail)
        return self.calendar[0] + token + self.calendar[1]

    def __call__(self, booking: Booking, language: str) -> dict[str, str]:
        """The values ``booking_context(booking, language)`` gives, with the same keys."""
        start = in_mall_time(booking.slot.start, self.mall)
        return {
            "name": booking.citizen.get_full_name() or booking.citizen.username,
            "service": booking.service.name,
            "mall": self.mall.name,
            "date": self.day(start, language),
            "time": start.strftime("%H.%M"),
            "code": booking.code,
            "link": self.link(booking.code, language),
            "calendar_link": self.calendar_link(booking.code),
        }


def _tell_moved(closure: Closure, moved: list[Move], released: list[Booking]) -> int:
    mall = closure.mall
    contexts = _Contexts(mall)
    moved_notices: list[Notice] = []
    released_notices: list[Notice] = []
    for booking, target in moved:
        recipient = Recipient.for_user(booking.citizen)
        context = contexts(booking, recipient.language)
        start = in_mall_time(target.start, mall)
        context.update(
            old_date=context["date"],
            date=contexts.day(start, recipient.language),
            time=start.strftime("%H.%M"),
            decree=closure.decree_number,
        )
        # The rows now hold the new time and one more SEQUENCE; these objects still the old.
        calendar = visit_ics(booking, slot=target, sequence=booking.sequence + 1, cancelled=False)
        moved_notices.append(Notice(recipient, context, calendar))
    for booking in released:
        recipient = Recipient.for_user(booking.citizen)
        context = contexts(booking, recipient.language)
        context.update(old_date=context["date"], decree=closure.decree_number)
        calendar = visit_ics(booking, sequence=booking.sequence + 1, cancelled=True)
        released_notices.append(Notice(recipient, context, calendar))
    sent = notify_many(event=Event.BOOKING_MOVED, notices=moved_notices, mall=mall)
    sent += notify_many(event=Event.BOOKING_RELEASED, notices=released_notices, mall=mall)
    return sum(1 for message in sent if message is not None)


def closure_reopen(*, closure: Closure, on: date) -> Closure:
    """The mall reopens early, on ``on``: the days from then on are open again (moved bookings
    stay where they are; their holders may pick an earlier time)."""
    with transaction.atomic():
        Closure.objects.filter(pk=closure.pk).update(reopened_on=on)
        if closure.announcement_id:
            zone = ZoneInfo(closure.mall.time_zone)
            announcement_end(
                announcement_id=closure.announcement_id,
                at=max(timezone.now(), datetime.combine(on, time.min, tzinfo=zone)),
            )
    closure.refresh_from_db()
    return closure
