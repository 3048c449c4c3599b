"""Writes of visits: open a day's slots, book within capacity, cancel, reschedule.

Capacity is held by the database: a place is taken by one conditional UPDATE of the slot row
(``booked < capacity``), in the transaction that writes the booking, and a check constraint
refuses ``booked > capacity`` whatever the code does. No check-then-insert anywhere.
"""

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from satupintu.accounts.models import User
from satupintu.accounts.validators import validate_nik
from satupintu.batches import in_batches
from satupintu.booking.calendar import visit_ics
from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, Closure, Slot, Ticket
from satupintu.booking.selectors import (
    horizon_message,
    policy_for,
    slot_capacity,
    slot_within_hours,
    visit_for,
    within_horizon,
)
from satupintu.catalog.models import Service
from satupintu.malls.calendar import in_mall_time, opening_hours
from satupintu.malls.models import Agency, Announcement, Mall
from satupintu.malls.services import announcement_end, announcement_publish
from satupintu.notify.models import Event
from satupintu.notify.services import Notice, Recipient, notify, notify_many

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass
class DayPlan:
    """The slots of a service on a day, or why there are none."""

    day: date
    slots: list[Slot] = field(default_factory=list)
    closed_reason: str = ""


def _bookable_service(service: Service) -> bool:
    return service.is_active and service.channel in (
        Service.Channel.IN_PERSON,
        Service.Channel.BOTH,
    )


def slots_open(*, service: Service, day: date) -> DayPlan:
    """The slots of ``service`` on ``day``, created the first time the day is asked for.

    Existing slots keep their counts; a day the agency is closed has none.
    """
    if not _bookable_service(service):
        return DayPlan(day, closed_reason=_("This service is not offered by visit."))
    hours = opening_hours(agency=service.agency, day=day)
    if hours is None:
        return DayPlan(day, closed_reason=_("The mall does not receive visitors that day."))
    zone = ZoneInfo(service.agency.mall.time_zone)
    length = timedelta(minutes=visit_for(service=service).slot_minutes)
    capacity, priority, walk_in = slot_capacity(service=service)
    start = datetime.combine(day, hours[0], tzinfo=zone)
    closes = datetime.combine(day, hours[1], tzinfo=zone)
    wanted = []
    while start + length <= closes:
        wanted.append(
            Slot(
                service=service,
                start=start,
                end=start + length,
                capacity=capacity,
                priority_capacity=priority,
                walk_in_places=walk_in,
            )
        )
        start += length
    Slot.objects.bulk_create(wanted, ignore_conflicts=True)
    slots = Slot.objects.filter(
        service=service, start__gte=wanted[0].start if wanted else closes, end__lte=closes
    ).order_by("start")
    return DayPlan(day, slots=list(slots))


def slots_offered(*, service: Service, day: date) -> DayPlan:
    """The slots of the day a citizen may still pick: those past the cut-off are left out.

    A day outside the booking horizon has none, and no slots are created for it.
    """
    if not within_horizon(service=service, day=day):
        return DayPlan(day, closed_reason=horizon_message(service=service))
    plan = slots_open(service=service, day=day)
    cutoff = timedelta(minutes=policy_for(mall=service.agency.mall).cutoff_minutes)
    plan.slots = [slot for slot in plan.slots if slot.start - cutoff > timezone.now()]
    if not plan.slots and not plan.closed_reason:
        plan.closed_reason = _("Booking for this day has closed.")
    return plan


def _bookable_now(slot: Slot) -> str:
    """Why ``slot`` cannot be booked (or changed) now, or ""."""
    mall = slot.service.agency.mall
    policy = policy_for(mall=mall)
    now = timezone.now()
    if slot.start - timedelta(minutes=policy.cutoff_minutes) <= now:
        return _("Booking for this time has closed.")
    today = in_mall_time(now, mall).date()
    if in_mall_time(slot.start, mall).date() > today + timedelta(days=policy.days_ahead):
        return _("Booking opens %(days)s days ahead.") % {"days": policy.days_ahead}
    if not slot_within_hours(slot):
        return _("The mall does not receive visitors at that time.")
    return ""


NEXT_FREE_CACHE_SECONDS = 5


def next_free_slots(*, service: Service, after: datetime, limit: int = 3) -> list[Slot]:
    """The first ``limit`` slots of ``service`` after ``after`` with a place, within the horizon.

    A suggestion, not a promise: when a popular slot fills, hundreds of refusals in the same
    seconds ask the same question, so the answer is kept for a few seconds.
    """
    key = f"booking:next-free:{service.pk}:{after.timestamp():.0f}:{limit}"
    ids = cache.get(key)
    if ids is None:
        ids = [slot.pk for slot in _next_free_slots(service, after, limit)]
        cache.set(key, ids, NEXT_FREE_CACHE_SECONDS)
    slots = Slot.objects.in_bulk(ids)
    return [slots[pk] for pk in ids if pk in slots]


def _next_free_slots(service: Service, after: datetime, limit: int) -> list[Slot]:
    mall = service.agency.mall
    policy = policy_for(mall=mall)
    now = timezone.now()
    earliest = max(after, now + timedelta(minutes=policy.cutoff_minutes))
    today = in_mall_time(now, mall).date()
    day = max(in_mall_time(after, mall).date(), today)
    found: list[Slot] = []
    while day <= today + timedelta(days=policy.days_ahead) and len(found) < limit:
        # slots_open gives only slots inside the day's hours (closures included).
        for slot in slots_open(service=service, day=day).slots:
            if slot.start > earliest and slot.available > 0:
                found.append(slot)
                if len(found) == limit:
                    break
        day += timedelta(days=1)
    return found


def _seems_full(slot: Slot, *, priority: bool) -> bool:
    """Whether ``slot`` as it was read has no place for this kind of visitor (the same rule as
    _take_place). A refusal read from a row a moment old is safe, and when a popular time
    fills, the hundreds refused after it cost no more than this; a place is only ever taken
    by _take_place's UPDATE."""
    if slot.booked >= slot.capacity:
        return True
    return not priority and slot.booked >= slot.capacity - slot.priority_capacity + (
        slot.priority_booked
    )


def _take_place(slot: Slot, *, priority: bool) -> bool:
    """Take one place of ``slot`` if there is one for this kind of visitor: one UPDATE."""
    places = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity"))
    if priority:
        return places.update(booked=F("booked") + 1, priority_booked=F("priority_booked") + 1) == 1
    # Ordinary visitors leave the priority share free.
    places = places.filter(booked__lt=F("capacity") - F("priority_capacity") + F("priority_booked"))
    return places.update(booked=F("booked") + 1) == 1


def _give_back(slot_id: int, *, priority: bool) -> None:
    updates = {"booked": F("booked") - 1}
    if priority:
        updates["priority_booked"] = F("priority_booked") - 1
    Slot.objects.filter(pk=slot_id).update(**updates)


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _check_citizen(citizen: User) -> None:
    try:
        validate_nik(citizen.nik)
    except ValidationError as exc:
        raise BookingError("nik_required", _("A valid NIK is needed to book a visit.")) from exc


def _full(slot: Slot) -> BookingError:
    return BookingError(
        "slot_full",
        _("This time is full. Choose one of the next free times."),
        next_slots=next_free_slots(service=slot.service, after=slot.start),
    )


def booking_create(
    *, citizen: User, slot: Slot, priority: str = "", idempotency_key: str = ""
) -> Booking:
    """Book a place for ``citizen`` in ``slot``, within capacity, and tell them.

    The same ``idempotency_key`` returns the booking it first made (a double click, a retried
    request). Raises BookingError when a rule refuses it; nothing is written then.
    """
    if idempotency_key:
        earlier = Booking.objects.filter(citizen=citizen, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier
    _check_citizen(citizen)
    if priority and priority not in Booking.Priority.values:
        raise BookingError("bad_priority", _("Unknown priority reason."))
    if not _bookable_service(slot.service):
        raise BookingError("not_bookable", _("This service is not offered by visit."))
    if _seems_full(slot, priority=bool(priority)):
        raise _full(slot)
    refusal = _bookable_now(slot)
    if refusal:
        raise BookingError("closed", refusal)
    mall = slot.service.agency.mall
    day = in_mall_time(slot.start, mall).date()
    try:
        with transaction.atomic():
            if not _take_place(slot, priority=bool(priority)):
                raise _full(slot)
            booking = Booking.objects.create(
                code=_new_code(),
                citizen=citizen,
                slot=slot,
                service=slot.service,
                date=day,
                priority=priority,
                idempotency_key=idempotency_key,
            )
            _tell(booking, Event.BOOKING_CONFIRMED)
    except IntegrityError as exc:
        if idempotency_key:
            earlier = Booking.objects.filter(
                citizen=citizen, idempotency_key=idempotency_key
            ).first()
            if earlier is not None:  # the same request won a race with itself
                return earlier
        if Booking.objects.filter(
            citizen=citizen, service=slot.service, date=day, status__in=Booking.ACTIVE
        ).exists():
            raise BookingError(
                "already_booked",
                _("You already have a booking for this service that day."),
            ) from exc
        raise
    return booking


def booking_cancel(*, booking: Booking) -> Booking:
    """The citizen cancels before the cut-off; the place goes back to the slot."""
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.PROPOSED):
        raise BookingError("not_active", _("This booking is no longer active."))
    cutoff = timedelta(minutes=policy_for(mall=booking.service.agency.mall).cutoff_minutes)
    if booking.slot.start - cutoff <= timezone.now():
        raise BookingError("closed", _("Changes to this booking have closed."))
    with transaction.atomic():
        changed = Booking.objects.filter(
            pk=booking.pk, status__in=[Booking.Status.CONFIRMED, Booking.Status.PROPOSED]
        ).update(status=Booking.Status.CANCELLED, cancelled_at=timezone.now())
        if changed:  # a second click changes nothing more
            _give_back(booking.slot_id, priority=bool(booking.priority))
    booking.refresh_from_db()
    return booking


def booking_reschedule(*, booking: Booking, slot: Slot) -> Booking:
    """Move an active booking to another slot of the same service, holding capacity."""
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.PROPOSED):
        raise BookingError("not_active", _("This booking is no longer active."))
    if slot.service_id != booking.service_id:
        raise BookingError("other_service", _("That time belongs to another service."))
    for refusal in (_bookable_now(booking.slot), _bookable_now(slot)):
        if refusal:
            raise BookingError("closed", refusal)
    mall = slot.service.agency.mall
    old_slot_id = booking.slot_id
    try:
        with transaction.atomic():
            locked = Booking.objects.select_for_update().get(pk=booking.pk)
            if locked.status not in (Booking.Status.CONFIRMED, Booking.Status.PROPOSED):
                raise BookingError("not_active", _("This booking is no longer active."))
            if not _take_place(slot, priority=bool(booking.priority)):
                raise _full(slot)
            _give_back(old_slot_id, priority=bool(booking.priority))
            locked.slot = slot
            locked.date = in_mall_time(slot.start, mall).date()
            locked.status = Booking.Status.CONFIRMED
            locked.save(update_fields=["slot", "date", "status"])
            _tell(locked, Event.BOOKING_CONFIRMED)
    except IntegrityError as exc:
        raise BookingError(
            "already_booked", _("You already have a booking for this service that day.")
        ) from exc
    return locked


def booking_context(booking: Booking, language: str) -> dict[str, str]:
    """The values of the booking's message templates, in the citizen's language."""
    mall = booking.service.agency.mall
    start = in_mall_time(booking.slot.start, mall)
    with override(language):
        day = formats.date_format(start, "l, j F Y")
    return {
        "name": booking.citizen.get_full_name() or booking.citizen.username,
        "service": booking.service.name,
        "mall": mall.name,
        "date": day,
        "time": start.strftime("%H.%M"),
        "code": booking.code,
        "link": settings.SITE_URL + reverse("portal:booking", args=[booking.code]),
    }


def _tell(booking: Booking, event: str) -> None:
    recipient = Recipient.for_user(booking.citizen)
    notify(
        event=event,
        recipient=recipient,
        context=booking_context(booking, recipient.language),
        mall=booking.service.agency.mall,
        calendar=visit_ics(booking),
    )


def reminders_send(*, today: date | None = None) -> int:
    """Tell everyone with a confirmed visit tomorrow (run daily by beat). Returns how many."""
    today = today or timezone.localdate()
    tomorrow = today + timedelta(days=1)
    sent = 0
    bookings = Booking.objects.filter(
        date=tomorrow, status=Booking.Status.CONFIRMED, reminded_at__isnull=True
    ).select_related("citizen", "slot", "service__agency__mall")
    for booking in bookings:
        with transaction.atomic():
            if Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                _tell(booking, Event.BOOKING_REMINDER)
                sent += 1
    return sent


def booking_accept(*, booking: Booking) -> Booking:
    """The holder accepts the time a closure proposed."""
    if booking.status != Booking.Status.PROPOSED:
        raise BookingError("not_proposed", _("This booking has no proposed time to accept."))
    Booking.objects.filter(pk=booking.pk, status=Booking.Status.PROPOSED).update(
        status=Booking.Status.CONFIRMED
    )
    booking.refresh_from_db()
    return booking


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
    zone = ZoneInfo(closure.mall.time_zone)
    with override(settings.LANGUAGE_CODE):
        first = formats.date_format(closure.starts_on, "j F Y")
        last = formats.date_format(closure.ends_on, "j F Y")
        who = ", ".join(a.short_name or a.name for a in agencies) or closure.mall.name
        if closure.kind == Closure.Kind.CLOSED:
            title = _("%(who)s closed %(first)s – %(last)s") % {
                "who": who,
                "first": first,
                "last": last,
            }
        else:
            title = _("%(who)s open only %(opens)s–%(closes)s, %(first)s – %(last)s") % {
                "who": who,
                "opens": closure.opens.strftime("%H.%M"),
                "closes": closure.closes.strftime("%H.%M"),
                "first": first,
                "last": last,
            }
        body = _(
            "%(reason)s (%(decree)s). Booked visits have been moved to the next free time; "
            "check your messages. Most services can be applied for online."
        ) % {"reason": closure.reason, "decree": closure.decree_number}
    return announcement_publish(
        mall=closure.mall,
        kind=Announcement.Kind.CLOSURE
        if closure.kind == Closure.Kind.CLOSED
        else Announcement.Kind.RESTRICTED_HOURS,
        agency=agencies[0] if len(agencies) == 1 else None,
        title=title[:200],
        body=body,
        valid_from=timezone.now(),
        valid_until=datetime.combine(closure.ends_on, time.max, tzinfo=zone),
    )


def _remaining(slot: Slot, *, priority: bool) -> int:
    free = slot.capacity - slot.booked
    if priority:
        return free
    ordinary = (slot.capacity - slot.priority_capacity) - (slot.booked - slot.priority_booked)
    return min(free, ordinary)


def closure_apply(*, closure: Closure) -> ClosureReport:
    """Move every active booking the closure touches to the earliest equivalent free slot after
    it (same service), as a proposal, or release it when none is free before the end of the
    booking horizon counted from the closure's last day. Safe to run twice: a second run finds
    nothing left inside the closure. Holds capacity: candidate slots are locked, and the counts
    change in the same transaction, under the slots' check constraints.
    """
    report = ClosureReport()
    mall = closure.mall
    policy = policy_for(mall=mall)
    with transaction.atomic():
        Closure.objects.select_for_update().get(pk=closure.pk)  # one run at a time
        touched = (
            Booking.objects.select_for_update(of=("self",))
            .filter(
                status__in=[Booking.Status.CONFIRMED, Booking.Status.PROPOSED],
                service__agency__mall=mall,
                date__gte=closure.starts_on,
                date__lte=closure.ends_on,
            )
            .select_related("slot", "citizen", "service__agency__mall")
            .order_by("slot__start", "created_at")
        )
        agency_ids = set(closure.agencies.values_list("pk", flat=True))
        if agency_ids:
            touched = touched.filter(service__agency_id__in=agency_ids)
        hours = _Hours()
        affected = [b for b in touched if not hours.fits(b.slot, b.service)]
        report.affected = len(affected)
        horizon = closure.ends_on + timedelta(days=policy.days_ahead)
        moved: list[tuple[Booking, Slot]] = []
        released: list[Booking] = []
        by_service: dict[int, list[Booking]] = {}
        for booking in affected:
            by_service.setdefault(booking.service_id, []).append(booking)
        for bookings in by_service.values():
            service = bookings[0].service
            first_day = in_mall_time(bookings[0].slot.start, mall).date()
            days = _candidate_days(service, first_day, horizon, hours)
            candidates: list[Slot] = []
            taken = set(
                Booking.objects.filter(
                    service=service,
                    status__in=Booking.ACTIVE,
                    date__gte=first_day,
                    date__lte=horizon,
                )
                .exclude(pk__in=[b.pk for b in bookings])
                .values_list("citizen_id", "date")
            )
            for booking in bookings:
                priority = bool(booking.priority)
                target = None
                while target is None:
                    target = next(
                        (
                            slot
                            for slot in candidates
                            if slot.start > booking.slot.start
                            and _remaining(slot, priority=priority) > 0
                            and (booking.citizen_id, in_mall_time(slot.start, mall).date())
                            not in taken
                        ),
                        None,
                    )
                    if target is None and not _load_next_day(days, candidates):
                        break
                if target is None:
                    released.append(booking)
                    continue
                target.booked += 1
                target.priority_booked += int(priority)
                taken.add((booking.citizen_id, in_mall_time(target.start, mall).date()))
                moved.append((booking, target))
        _write_moves(closure, moved, released)
        report.moved, report.released = len(moved), len(released)
        report.notified = _tell_moved(closure, moved, released)
        Closure.objects.filter(pk=closure.pk).update(
            applied_at=timezone.now(),
            affected=F("affected") + report.affected,
            moved=F("moved") + report.moved,
            released=F("released") + report.released,
            notified=F("notified") + report.notified,
        )
    return report


class _Hours:
    """``opening_hours`` remembered for one run: a closure asks about the same days often."""

    def __init__(self) -> None:
        self.known: dict[tuple[int, date], tuple[time, time] | None] = {}

    def __call__(self, agency: Agency, day: date) -> tuple[time, time] | None:
        if (agency.pk, day) not in self.known:
            self.known[agency.pk, day] = opening_hours(agency=agency, day=day)
        return self.known[agency.pk, day]

    def fits(self, slot: Slot, service: Service) -> bool:
        """Whether ``slot`` (of ``service``, passed to spare a query) lies in open hours."""
        return slot_within_hours(slot, service=service, hours_of=self)


def _candidate_days(
    service: Service, first_day: date, last_day: date, hours: _Hours
) -> Iterator[list[Slot]]:
    """Day by day, the open slots of ``service`` still bookable, locked, earliest first.

    Days are opened only as moving needs them."""
    zone = ZoneInfo(service.agency.mall.time_zone)
    earliest = timezone.now() + timedelta(
        minutes=policy_for(mall=service.agency.mall).cutoff_minutes
    )
    day = first_day
    while day <= last_day:
        if hours(service.agency, day) is not None:
            slots_open(service=service, day=day)
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


def _write_moves(
    closure: Closure, moved: list[tuple[Booking, Slot]], released: list[Booking]
) -> None:
    """Write the moves in a few statements: psycopg pipelines ``executemany``."""
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
    mall = closure.mall
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
        if moved:
            cursor.executemany(
                "UPDATE booking_booking SET slot_id = %s, moved_from_id = %s, date = %s, "
                "status = 'proposed', closure_id = %s WHERE id = %s",
                [
                    (
                        target.pk,
                        booking.slot_id,
                        in_mall_time(target.start, mall).date(),
                        closure.pk,
                        booking.pk,
                    )
                    for booking, target in moved
                ],
            )
        if released:
            cursor.executemany(
                "UPDATE booking_booking SET status = 'released', closure_id = %s WHERE id = %s",
                [(closure.pk, booking.pk) for booking in released],
            )


def _tell_moved(
    closure: Closure, moved: list[tuple[Booking, Slot]], released: list[Booking]
) -> int:
    mall = closure.mall
    moved_notices, released_notices = [], []
    for booking, target in moved:
        recipient = Recipient.for_user(booking.citizen)
        context = booking_context(booking, recipient.language)
        start = in_mall_time(target.start, mall)
        with override(recipient.language):
            context.update(
                old_date=context["date"],
                date=formats.date_format(start, "l, j F Y"),
                time=start.strftime("%H.%M"),
                decree=closure.decree_number,
            )
        moved_notices.append(Notice(recipient, context))
    for booking in released:
        recipient = Recipient.for_user(booking.citizen)
        context = booking_context(booking, recipient.language)
        context.update(old_date=context["date"], decree=closure.decree_number)
        released_notices.append(Notice(recipient, context))
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


def bookings_purge_older_than(*, cutoff: date, dry_run: bool = False) -> int:
    """Delete the bookings of days before ``cutoff`` (their queue tickets stay, unlinked, for
    the counts of the day)."""
    old = Booking.objects.filter(date__lt=cutoff).exclude(status__in=Booking.ACTIVE)

    def delete(batch: QuerySet[Booking]) -> None:
        Ticket.objects.filter(booking__in=batch).update(booking=None)
        batch.delete()

    return in_batches(old, delete, dry_run=dry_run)


def bookings_cancel_for_closed_account(*, citizen: User) -> int:
    """A citizen closing their account gives back every place they hold from now on, even
    inside the cut-off: a place nobody will come to helps nobody."""
    cancelled = 0
    upcoming = Booking.objects.filter(
        citizen=citizen,
        status__in=[Booking.Status.CONFIRMED, Booking.Status.PROPOSED],
        slot__start__gt=timezone.now(),
    ).select_related("slot")
    for booking in upcoming:
        with transaction.atomic():
            changed = Booking.objects.filter(
                pk=booking.pk, status__in=[Booking.Status.CONFIRMED, Booking.Status.PROPOSED]
            ).update(status=Booking.Status.CANCELLED, cancelled_at=timezone.now())
            if changed:
                _give_back(booking.slot_id, priority=bool(booking.priority))
                cancelled += 1
    return cancelled
