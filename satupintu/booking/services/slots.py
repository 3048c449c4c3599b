"""Writes of slots: open a day's slots, and take or give back a place within capacity.

Capacity is held by the database: a place is taken by one conditional UPDATE of the slot row
(``booked < capacity``), in the transaction that writes the booking, and a check constraint
refuses ``booked > capacity`` whatever the code does. No check-then-insert anywhere.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.booking.errors import BookingError
from satupintu.booking.models import Slot
from satupintu.booking.selectors import (
    CountersOf,
    HoursOf,
    horizon_message,
    policy_for,
    slot_capacity,
    slot_within_hours,
    visit_for,
    within_horizon,
)
from satupintu.catalog.models import Service
from satupintu.counters import cache_is_shared
from satupintu.malls.calendar import in_mall_time, opening_hours


@dataclass
class DayPlan:
    """The slots of a service on a day, or why there are none."""

    day: date
    slots: list[Slot] = field(default_factory=list)
    closed_reason: str = ""


def service_bookable(service: Service) -> bool:
    """Whether ``service`` is offered by visit at all."""
    return service.is_active and service.channel in (
        Service.Channel.IN_PERSON,
        Service.Channel.BOTH,
    )


def slots_open(
    *,
    service: Service,
    day: date,
    hours_of: HoursOf | None = None,
    counters_of: CountersOf | None = None,
    read: bool = True,
) -> DayPlan:
    """The slots of ``service`` on ``day``, created the first time the day is asked for.

    Existing slots keep their counts; a day the agency is closed has none. ``hours_of`` and
    ``counters_of`` let a long run (a closure opening the next day of forty services) reuse
    the hours and counter counts it has read; ``read=False`` only creates the slots (the plan
    comes back without them) for a caller that reads them itself.
    """
    if not service_bookable(service):
        return DayPlan(day, closed_reason=_("This service is not offered by visit."))
    if hours_of is None:
        hours = opening_hours(agency=service.agency, day=day)
    else:
        hours = hours_of(service.agency, day)
    if hours is None:
        return DayPlan(day, closed_reason=_("The mall does not receive visitors that day."))
    zone = ZoneInfo(service.agency.mall.time_zone)
    length = timedelta(minutes=visit_for(service=service).slot_minutes)
    capacity, priority, walk_in = slot_capacity(service=service, counters_of=counters_of)
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
    if not read:
        return DayPlan(day)
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


def slot_refusal_now(slot: Slot, *, hours: bool = True) -> str:
    """Why ``slot`` cannot be booked (or changed) now, or "". ``hours=False`` leaves out the
    hours of its day (four queries) for a caller that checks them itself after taking the
    place (bookings._check_still_open)."""
    mall = slot.service.agency.mall
    policy = policy_for(mall=mall)
    now = timezone.now()
    if slot.start - timedelta(minutes=policy.cutoff_minutes) <= now:
        return _("Booking for this time has closed.")
    today = in_mall_time(now, mall).date()
    if in_mall_time(slot.start, mall).date() > today + timedelta(days=policy.days_ahead):
        return _("Booking opens %(days)s days ahead.") % {"days": policy.days_ahead}
    if hours and not slot_within_hours(slot):
        return _("The mall does not receive visitors at that time.")
    return ""


NEXT_FREE_CACHE_SECONDS = 5


def next_free_slots(*, service: Service, after: datetime, limit: int = 3) -> list[Slot]:
    """The first ``limit`` slots of ``service`` after ``after`` with a place, within the horizon.

    A suggestion, not a promise: when a popular slot fills, hundreds of refusals in the same
    seconds ask the same question, so the answer is kept for a few seconds.
    """
    key = f"booking:next-free:{service.pk}:{after.timestamp():.0f}:{limit}"
    ids: list[int] | None = cache.get(key)
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


def slot_seems_full(slot: Slot, *, priority: bool) -> bool:
    """Whether ``slot`` as it was read has no place for this kind of visitor (the same rule as
    slot_place_take). A refusal read from a row a moment old is safe, and when a popular time
    fills, the hundreds refused after it cost no more than this; a place is only ever taken
    by slot_place_take's UPDATE."""
    if slot.booked >= slot.capacity:
        return True
    return not priority and slot.booked >= slot.capacity - slot.priority_capacity + (
        slot.priority_booked
    )


def slot_place_take(slot: Slot, *, priority: bool) -> bool:
    """Take one place of ``slot`` if there is one for this kind of visitor: one UPDATE."""
    places = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity"))
    if priority:
        return places.update(booked=F("booked") + 1, priority_booked=F("priority_booked") + 1) == 1
    # Ordinary visitors leave the priority share free.
    places = places.filter(booked__lt=F("capacity") - F("priority_capacity") + F("priority_booked"))
    return places.update(booked=F("booked") + 1) == 1


def slot_place_give_back(slot_id: int, *, priority: bool) -> None:
    """Give one place of the slot back (a cancelled or moved booking)."""
    updates = {"booked": F("booked") - 1}
    if priority:
        updates["priority_booked"] = F("priority_booked") - 1
    Slot.objects.filter(pk=slot_id).update(**updates)
    slots_freed([slot_id])


def slot_full_error(slot: Slot) -> BookingError:
    """The refusal of a full slot, with the next free times to offer instead."""
    return _full_refusal(next_free_slots(service=slot.service, after=slot.start))


def _full_refusal(next_slots: list[Slot]) -> BookingError:
    return BookingError(
        "slot_full",
        _("This time is full. Choose one of the next free times."),
        next_slots=next_slots,
    )


# A full slot, marked in the shared cache. When a popular time fills, the hundreds of requests
# that follow are refused from the mark without reading the slot. Every path that gives a place
# back (cancel, reschedule, closure, a closed account) calls ``slots_freed``, which gives the
# slot a new "freed" generation (a random value); a mark counts only while it carries the
# current generation, read before the refusal that set it. So a refusal racing a cancel cannot
# leave a mark hiding the freed place: the generation it read is already old. A mark lives half
# a minute at most: the generation, not the lifetime, keeps it true; the lifetime bounds how old
# the next free times it carries may be (a suggestion, not a promise: one already taken is
# refused in turn with newer ones). Short-lived marks (5 s) made every slot of a long rush fall
# back to the database every few seconds, each time for every request in flight.
FULL_MARK_SECONDS = 30
FREED_GENERATION_SECONDS = 2 * 24 * 3600


def _full_key(slot_id: int) -> str:
    return f"booking:full:{slot_id}"


def _freed_key(slot_id: int) -> str:
    return f"booking:freed:{slot_id}"


@dataclass
class FullMark:
    """What the shared cache says of a slot: the refusal when it is marked full (for ordinary
    visitors), and the generation to mark it with after a refusal read now."""

    refusal: BookingError | None
    generation: str


def slot_full_mark(slot_id: int) -> FullMark:
    """The slot's full mark, if a valid one is set: one round trip to the cache."""
    if not cache_is_shared():
        return FullMark(None, "")
    found = cache.get_many([_full_key(slot_id), _freed_key(slot_id)])
    generation = found.get(_freed_key(slot_id), "")
    mark = found.get(_full_key(slot_id))
    if mark is None or mark["generation"] != generation:
        return FullMark(None, generation)
    return FullMark(_full_refusal(mark["next_slots"]), generation)


def slot_mark_full(slot_id: int, *, generation: str, next_slots: list[Slot]) -> None:
    """Mark the slot full for ordinary visitors, as a refusal read at ``generation`` found it."""
    if cache_is_shared():
        mark = {"generation": generation, "next_slots": next_slots}
        cache.set(_full_key(slot_id), mark, FULL_MARK_SECONDS)


def slots_freed(slot_ids: list[int]) -> None:
    """Places of these slots were given back (or their rules changed): their full marks no
    longer hold. Now, and again once the transaction commits (a refusal that read the slot
    before the commit may have marked it in between)."""
    if not slot_ids or not cache_is_shared():
        return

    def forget() -> None:
        # A new generation, unique to this call: one write for all the slots, whatever races it.
        generation = secrets.token_hex(8)
        cache.set_many({_freed_key(pk): generation for pk in slot_ids}, FREED_GENERATION_SECONDS)

    forget()
    transaction.on_commit(forget)
