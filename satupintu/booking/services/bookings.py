"""Writes of bookings: book within capacity, cancel, reschedule, accept, remind; each change of
a booking, with its history row, goes through ``booking_change``."""

import secrets
from collections.abc import Collection
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from satupintu.accounts.models import User
from satupintu.accounts.validators import age_on, nik_birth_date, validate_nik
from satupintu.batches import in_batches
from satupintu.booking.calendar import calendar_link, visit_ics
from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, BookingEvent, Slot, Ticket
from satupintu.booking.selectors import policy_for, slot_within_hours
from satupintu.booking.services.history import status_change
from satupintu.booking.services.slots import (
    service_bookable,
    slot_full_error,
    slot_full_mark,
    slot_mark_full,
    slot_place_give_back,
    slot_place_take,
    slot_refusal_now,
    slot_seems_full,
)
from satupintu.languages import site_url
from satupintu.malls.calendar import in_mall_time
from satupintu.metrics.instruments import counts_refusals
from satupintu.notify.models import Event
from satupintu.notify.services import Recipient, notify

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
CHANGEABLE = (Booking.Status.CONFIRMED, Booking.Status.PROPOSED)
ELDERLY_AGE = 60


def booking_change(
    booking: Booking,
    *,
    reason: BookingEvent.Reason,
    actor: User | None,
    to_status: Booking.Status | None = None,
    from_statuses: Collection[str] | None = None,
    when: Q | None = None,
    note: str = "",
    **fields: object,
) -> bool:
    """The one write of a booking: save a new one, or change ``to_status`` and ``fields`` of an
    existing one while its status is one of ``from_statuses`` (any when None) and its row
    matches ``when``; and write the history row. Returns whether it changed: False (a double
    click, a change made elsewhere first) writes nothing.
    """
    event = BookingEvent(booking=booking, actor=actor, reason=reason, note=note)
    return status_change(
        booking, event, to_status=to_status, from_statuses=from_statuses, when=when, fields=fields
    )


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _check_citizen(citizen: User) -> None:
    try:
        validate_nik(citizen.nik)
    except ValidationError as exc:
        raise BookingError("nik_required", _("A valid NIK is needed to book a visit.")) from exc


def priority_claim_check(*, priority: str, nik: str, on: date) -> None:
    """Refuse a priority reason that the NIK contradicts: "elderly" needs a birth date in the
    NIK 60 or more years before ``on`` (the day of the visit). Disability and pregnancy are
    declared here and checked by staff at the desk."""
    if priority and priority not in Booking.Priority.values:
        raise BookingError("bad_priority", _("Unknown priority reason."))
    if priority != Booking.Priority.ELDERLY:
        return
    if not nik:
        raise BookingError(
            "nik_required", _("Elderly priority needs the NIK, to read the birth date from it.")
        )
    born = nik_birth_date(nik, today=on)
    if born is None:
        raise BookingError("bad_nik", _("Enter a valid NIK: 16 digits as printed on the KTP-el."))
    if age_on(born, on) < ELDERLY_AGE:
        raise BookingError(
            "priority_contradicted",
            _(
                "The birth date in the NIK shows an age under 60 on the day of the visit, so "
                "elderly priority cannot be given. Book without priority, or choose the reason "
                "that applies: it is checked at the desk."
            ),
        )


def _check_bookable(*, citizen: User, slot: Slot, priority: str) -> None:
    """Refuse, before anything is written, a booking the rules do not allow."""
    _check_citizen(citizen)
    priority_claim_check(
        priority=priority,
        nik=citizen.nik,
        on=in_mall_time(slot.start, slot.service.agency.mall).date(),
    )
    if not service_bookable(slot.service):
        raise BookingError("not_bookable", _("This service is not offered by visit."))
    if slot_seems_full(slot, priority=bool(priority)):
        raise slot_full_error(slot)
    # The day's hours are read once, after the place is taken (_check_still_open): a closure
    # committed meanwhile is seen there, and a refusal gives the place back.
    refusal = slot_refusal_now(slot, hours=False)
    if refusal:
        raise BookingError("closed", refusal)


def _check_still_open(slot: Slot) -> None:
    """Refuse a place just taken in a slot a closure shut while this booking was being made.

    A closure locks the slots of its days before it reads the bookings to move (closure_apply):
    taking a place there waits for the closure to commit, and this check, a statement after
    that wait, sees it. Raised inside the booking's transaction, it gives the place back.
    """
    if not slot_within_hours(slot):
        raise BookingError("closed", _("The mall does not receive visitors at that time."))


def _earlier(citizen: User, idempotency_key: str) -> Booking | None:
    if not idempotency_key:
        return None
    return Booking.objects.filter(citizen=citizen, idempotency_key=idempotency_key).first()


@counts_refusals
def booking_create(
    *, citizen: User, slot: Slot, priority: str = "", idempotency_key: str = ""
) -> Booking:
    """Book a place for ``citizen`` in ``slot``, within capacity, and tell them.

    The same ``idempotency_key`` returns the booking it first made (a double click, a retried
    request). Raises BookingError when a rule refuses it; nothing is written then.
    """
    earlier = _earlier(citizen, idempotency_key)
    if earlier is not None:
        return earlier
    return _book(citizen=citizen, slot=slot, priority=priority, idempotency_key=idempotency_key)


@counts_refusals
def booking_request(
    *, citizen: User, slot_id: int, priority: str = "", idempotency_key: str = ""
) -> Booking:
    """``booking_create`` for a slot known by its id (the API): when a popular time has filled,
    an ordinary visitor is refused from the slot's full mark in the shared cache, without
    reading the slot; a refusal read from the database marks it. A slot that does not exist
    raises Slot.DoesNotExist."""
    earlier = _earlier(citizen, idempotency_key)
    if earlier is not None:
        return earlier
    mark = slot_full_mark(slot_id)
    if mark.refusal is not None and not priority:
        _check_citizen(citizen)  # the rules refuse in the same order as from the database
        raise mark.refusal
    # The mall's visit policy comes along: the booking checks its horizon and cut-off.
    slot = Slot.objects.select_related("service__agency__mall__visit_policy").get(pk=slot_id)
    try:
        return _book(citizen=citizen, slot=slot, priority=priority, idempotency_key=idempotency_key)
    except BookingError as refused:
        if refused.code == "slot_full" and not priority:
            slot_mark_full(slot_id, generation=mark.generation, next_slots=refused.next_slots)
        raise


def _book(*, citizen: User, slot: Slot, priority: str, idempotency_key: str) -> Booking:
    _check_bookable(citizen=citizen, slot=slot, priority=priority)
    day = in_mall_time(slot.start, slot.service.agency.mall).date()
    try:
        with transaction.atomic():
            if not slot_place_take(slot, priority=bool(priority)):
                raise slot_full_error(slot)
            _check_still_open(slot)
            booking = Booking(
                code=_new_code(),
                citizen=citizen,
                slot=slot,
                service=slot.service,
                date=day,
                priority=priority,
                idempotency_key=idempotency_key,
            )
            booking_change(booking, reason=BookingEvent.Reason.BOOKED, actor=citizen)
            booking_tell(booking, Event.BOOKING_CONFIRMED)
    except IntegrityError as exc:
        earlier = _earlier(citizen, idempotency_key)
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
    """The citizen cancels before the cut-off; the place goes back to the slot and the holder is
    told, with the calendar file that removes the visit from their calendar."""
    if booking.status not in CHANGEABLE:
        raise BookingError("not_active", _("This booking is no longer active."))
    cutoff = timedelta(minutes=policy_for(mall=booking.service.agency.mall).cutoff_minutes)
    if booking.slot.start - cutoff <= timezone.now():
        raise BookingError("closed", _("Changes to this booking have closed."))
    with transaction.atomic():
        changed = booking_change(
            booking,
            reason=BookingEvent.Reason.CANCELLED,
            actor=booking.citizen,
            from_statuses=CHANGEABLE,
            to_status=Booking.Status.CANCELLED,
            cancelled_at=timezone.now(),
            sequence=F("sequence") + 1,
        )
        if changed:  # a second click changes nothing more
            booking.refresh_from_db()  # under the row's lock: its slot now, not the caller's
            slot_place_give_back(booking.slot_id, priority=bool(booking.priority))
            booking_tell(booking, Event.BOOKING_CANCELLED)
    booking.refresh_from_db()
    return booking


def booking_reschedule(*, booking: Booking, slot: Slot) -> Booking:
    """Move an active booking to another slot of the same service, holding capacity."""
    if booking.status not in CHANGEABLE:
        raise BookingError("not_active", _("This booking is no longer active."))
    if slot.service_id != booking.service_id:
        raise BookingError("other_service", _("That time belongs to another service."))
    for refusal in (slot_refusal_now(booking.slot), slot_refusal_now(slot)):
        if refusal:
            raise BookingError("closed", refusal)
    mall = slot.service.agency.mall
    old_slot_id = booking.slot_id
    try:
        with transaction.atomic():
            locked = Booking.objects.select_for_update().get(pk=booking.pk)
            if locked.status not in CHANGEABLE:
                raise BookingError("not_active", _("This booking is no longer active."))
            if not slot_place_take(slot, priority=bool(booking.priority)):
                raise slot_full_error(slot)
            _check_still_open(slot)
            slot_place_give_back(old_slot_id, priority=bool(booking.priority))
            booking_change(
                locked,
                reason=BookingEvent.Reason.RESCHEDULED,
                actor=locked.citizen,
                to_status=Booking.Status.CONFIRMED,
                slot=slot,
                date=in_mall_time(slot.start, mall).date(),
                sequence=locked.sequence + 1,  # under the row's lock
            )
            booking_tell(locked, Event.BOOKING_CONFIRMED)
    except IntegrityError as exc:
        raise BookingError(
            "already_booked", _("You already have a booking for this service that day.")
        ) from exc
    return locked


def booking_accept(*, booking: Booking) -> Booking:
    """The holder accepts the time a closure proposed."""
    if booking.status != Booking.Status.PROPOSED:
        raise BookingError("not_proposed", _("This booking has no proposed time to accept."))
    booking_change(
        booking,
        reason=BookingEvent.Reason.ACCEPTED,
        actor=booking.citizen,
        from_statuses=[Booking.Status.PROPOSED],
        to_status=Booking.Status.CONFIRMED,
    )
    booking.refresh_from_db()
    return booking


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
        "link": site_url("portal:booking", language=language, args=[booking.code]),
        "calendar_link": calendar_link(booking),
    }


def booking_tell(booking: Booking, event: str) -> None:
    """Send the holder of ``booking`` the message of ``event``, with the visit's calendar as it
    now stands (moved: a higher SEQUENCE; cancelled: METHOD:CANCEL)."""
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
            if booking_change(
                booking,
                reason=BookingEvent.Reason.REMINDED,
                actor=None,
                when=Q(reminded_at__isnull=True),
                reminded_at=timezone.now(),
            ):
                booking_tell(booking, Event.BOOKING_REMINDER)
                sent += 1
    return sent


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
        citizen=citizen, status__in=CHANGEABLE, slot__start__gt=timezone.now()
    ).select_related("slot")
    for booking in upcoming:
        with transaction.atomic():
            if booking_change(
                booking,
                reason=BookingEvent.Reason.ACCOUNT_CLOSED,
                actor=citizen,
                from_statuses=CHANGEABLE,
                to_status=Booking.Status.CANCELLED,
                cancelled_at=timezone.now(),
            ):
                slot_place_give_back(booking.slot_id, priority=bool(booking.priority))
                cancelled += 1
    return cancelled
