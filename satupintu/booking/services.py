"""Writes of visits: open a day's slots, book within capacity, cancel, reschedule.

Capacity is held by the database: a place is taken by one conditional UPDATE of the slot row
(``booked < capacity``), in the transaction that writes the booking, and a check constraint
refuses ``booked > capacity`` whatever the code does. No check-then-insert anywhere.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from satupintu.accounts.models import User
from satupintu.accounts.validators import validate_nik
from satupintu.booking.calendar import visit_ics
from satupintu.booking.models import Booking, Slot
from satupintu.booking.selectors import (
    in_mall_time,
    opening_hours,
    policy_for,
    slot_capacity,
    visit_for,
)
from satupintu.catalog.models import Service
from satupintu.notify.models import Event
from satupintu.notify.services import Recipient, notify

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


class BookingError(Exception):
    """A booking the rules refuse; ``code`` names the rule, the message says it to the citizen."""

    def __init__(self, code: str, message: str, *, next_slots: list[Slot] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.next_slots = next_slots or []


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
        service=service, start__gte=wanted[0].start if wanted else closes, start__lt=closes
    ).order_by("start")
    return DayPlan(day, slots=list(slots))


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
    if opening_hours(agency=slot.service.agency, day=in_mall_time(slot.start, mall).date()) is None:
        return _("The mall does not receive visitors that day.")
    return ""


def next_free_slots(*, service: Service, after: datetime, limit: int = 3) -> list[Slot]:
    """The first ``limit`` slots of ``service`` after ``after`` with a place, within the horizon."""
    mall = service.agency.mall
    policy = policy_for(mall=mall)
    today = in_mall_time(timezone.now(), mall).date()
    day = max(in_mall_time(after, mall).date(), today)
    found: list[Slot] = []
    while day <= today + timedelta(days=policy.days_ahead) and len(found) < limit:
        for slot in slots_open(service=service, day=day).slots:
            if slot.start > after and slot.available > 0 and not _bookable_now(slot):
                found.append(slot)
                if len(found) == limit:
                    break
        day += timedelta(days=1)
    return found


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
    except Exception as exc:
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
