"""The visit's calendar file goes with every visit message, whichever channel carries it, and
follows the visit: the same UID, a higher SEQUENCE when moved, METHOD:CANCEL when called off."""

from datetime import UTC

import pytest
from django.test import override_settings
from django.utils import timezone

from satupintu.booking.models import Booking, Closure
from satupintu.booking.services.bookings import booking_cancel, booking_create, booking_reschedule
from satupintu.booking.services.closures import closure_record
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.booking.tests.ics import ics_read
from satupintu.notify.channels.email import mime_bytes
from satupintu.notify.models import Channel, Event, Message
from satupintu.notify.services import deliver_due

pytestmark = pytest.mark.django_db


def _event(message: Message) -> dict[str, str]:
    calendar = ics_read(message.calendar)
    return {**calendar["VEVENT"], "METHOD": calendar["VCALENDAR"]["METHOD"]}


def _stamp(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _booking(**citizen_fields):
    service = visit_service(places=2)
    slots = slots_open(service=service, day=open_day()).slots
    booking = booking_create(citizen=citizen(**citizen_fields), slot=slots[0])
    return booking, slots


def test_a_move_keeps_the_uid_and_raises_the_sequence_a_cancel_cancels():
    booking, slots = _booking()
    booked = _event(Message.objects.get(event=Event.BOOKING_CONFIRMED))
    assert booked["METHOD"] == "PUBLISH" and booked["SEQUENCE"] == "0"
    assert booked["STATUS"] == "CONFIRMED" and booked["DTSTART"] == _stamp(slots[0].start)

    booking_reschedule(booking=booking, slot=slots[1])
    moved = _event(Message.objects.filter(event=Event.BOOKING_CONFIRMED).latest("pk"))
    assert moved["UID"] == booked["UID"] and moved["SEQUENCE"] == "1"
    assert moved["DTSTART"] == _stamp(slots[1].start)

    booking_cancel(booking=booking)
    cancelled = _event(Message.objects.get(event=Event.BOOKING_CANCELLED))
    assert cancelled["METHOD"] == "CANCEL" and cancelled["STATUS"] == "CANCELLED"
    assert cancelled["UID"] == booked["UID"] and cancelled["SEQUENCE"] == "2"
    assert cancelled["ORGANIZER"].startswith("mailto:")


def test_a_cancelled_visit_is_told_once_with_its_code():
    booking, _slots = _booking()
    booking_cancel(booking=booking)
    with pytest.raises(Exception, match="no longer active|tidak aktif"):
        booking_cancel(booking=booking)
    [message] = Message.objects.filter(event=Event.BOOKING_CANCELLED)
    assert booking.code in message.subject and "dibatalkan" in message.body


def test_a_closure_moves_the_calendar_event_or_cancels_it():
    service = visit_service(places=1)
    day = open_day()
    slot = slots_open(service=service, day=day).slots[0]
    first = booking_create(citizen=citizen(), slot=slot)
    uid = _event(Message.objects.get(event=Event.BOOKING_CONFIRMED))["UID"]
    closure_record(
        mall=service.agency.mall,
        kind=Closure.Kind.CLOSED,
        decree_number="443.1/1215.DPMPTSP",
        reason="Sterilisasi",
        starts_on=day,
        ends_on=day,
    )
    first.refresh_from_db()
    moved = _event(Message.objects.get(event=Event.BOOKING_MOVED))
    assert moved["UID"] == uid and moved["SEQUENCE"] == "1" == str(first.sequence)
    assert moved["METHOD"] == "PUBLISH" and moved["DTSTART"] == _stamp(first.slot.start)


def test_a_released_visit_gets_a_cancelling_calendar_file():
    service = visit_service(places=1)
    policy = service.agency.mall.visit_policy
    policy.days_ahead = 60  # a Friday without a holiday lies well within
    policy.save()
    day = open_day()
    while day.weekday() != 4:  # a Friday: the day after is closed anyway
        day = open_day(after_days=(day - timezone.localdate()).days + 1)
    booking = booking_create(citizen=citizen(), slot=slots_open(service=service, day=day).slots[0])
    policy.days_ahead = 1  # moves may go up to the Saturday: nowhere
    policy.save()
    closure_record(
        mall=service.agency.mall,
        kind=Closure.Kind.CLOSED,
        decree_number="443.1/1216.DPMPTSP",
        reason="Renovasi",
        starts_on=day,
        ends_on=day,
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.RELEASED
    released = _event(Message.objects.get(event=Event.BOOKING_RELEASED))
    assert released["METHOD"] == "CANCEL" and released["STATUS"] == "CANCELLED"
    assert released["SEQUENCE"] == "1"


def test_whatsapp_first_carries_a_signed_link_and_the_email_fallback_the_file(client):
    booking, _slots = _booking(phone="+6281234567890", notification_channels=["whatsapp", "email"])
    message = Message.objects.get(event=Event.BOOKING_CONFIRMED)
    assert message.channel == Channel.WHATSAPP
    link = message.context["calendar_link"]
    assert link in message.body and message.calendar
    downloaded = client.get(link.removeprefix("http://127.0.0.1:8000"))  # nobody signed in
    assert downloaded.status_code == 200
    assert ics_read(downloaded.text)["VEVENT"]["UID"] == _event(message)["UID"]

    with override_settings(WHATSAPP_PHONE_NUMBER_ID=""):  # WhatsApp refuses: fall back
        deliver_due()
    fallback = Message.objects.get(fallback_of=message)
    assert fallback.channel == Channel.EMAIL and fallback.calendar == message.calendar
    sent = mime_bytes(fallback, "<x@satupintu.id>")
    assert b"text/calendar; method=PUBLISH" in sent and b"kunjungan.ics" in sent


def test_a_forged_or_other_calendar_link_is_not_found(client):
    booking, _slots = _booking()
    link = Message.objects.get(event=Event.BOOKING_CONFIRMED).context["calendar_link"]
    path = link.removeprefix("http://127.0.0.1:8000")
    token = path.split("/")[-2]
    forged = path.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert client.get(forged).status_code == 404
    assert client.get(path.replace(token, "\x00")).status_code in (400, 404)


def test_a_cancellation_email_says_cancel_in_its_mime_type():
    booking, _slots = _booking()
    booking_cancel(booking=booking)
    message = Message.objects.get(event=Event.BOOKING_CANCELLED)
    assert message.channel == Channel.EMAIL
    assert b"text/calendar; method=CANCEL" in mime_bytes(message, "<x@satupintu.id>")


def test_an_sms_carries_the_signed_calendar_link_and_stays_short(client):
    _booking(phone="+6281234567890", notification_channels=["sms"])
    message = Message.objects.get(event=Event.BOOKING_CONFIRMED)
    assert message.channel == Channel.SMS
    link = message.context["calendar_link"]
    assert message.body.endswith(f"Kalender: {link}")
    assert message.body.count("\n") == 0 and len(message.body) < 320  # two SMS at most
    downloaded = client.get(link.removeprefix("http://127.0.0.1:8000"))  # nobody signed in
    assert downloaded.status_code == 200 and "BEGIN:VCALENDAR" in downloaded.text
