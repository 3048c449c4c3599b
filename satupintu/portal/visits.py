"""Citizen pages of visits: pick a day and a time, the booking with its QR code, its calendar
file, cancel after a confirmation."""

import uuid
from collections.abc import Callable
from datetime import date

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.booking import selectors as visits
from satupintu.booking.calendar import calendar_link_code, visit_ics
from satupintu.booking.errors import BookingError
from satupintu.booking.models import Booking, Slot
from satupintu.booking.services import bookings, slots
from satupintu.catalog import selectors as catalog
from satupintu.catalog.models import Service
from satupintu.malls import selectors as malls
from satupintu.malls.calendar import in_mall_time
from satupintu.malls.models import Mall
from satupintu.pages import form_refused, refusals_as_messages
from satupintu.portal.forms import BookingForm


def _own_booking(request: AuthenticatedHttpRequest, code: str) -> Booking:
    try:
        return visits.booking_get(citizen=request.user, code=code)
    except Booking.DoesNotExist as exc:  # someone else's code looks like no code at all
        raise Http404 from exc


def _day(value: str) -> date | None:
    try:
        return parse_date(value)
    except ValueError:  # well formed but impossible, like 2026-02-30
        return None


@login_required
def book(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Pick a day and a time for a service, or a new time for a booking (``?ubah=CODE``)."""
    try:
        service = catalog.service_detail(service_id=pk)
    except Service.DoesNotExist as exc:
        raise Http404 from exc
    moving = _own_booking(request, request.GET["ubah"]) if request.GET.get("ubah") else None
    days = visits.open_days(service=service)
    day = _day(request.GET.get("tanggal", "")) or (days[0] if days else None)
    refused: BookingError | None = None
    form = BookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        slot = Slot.objects.filter(pk=form.cleaned_data["slot"], service=service).first()
        try:
            if slot is None:
                raise BookingError("other_service", _("That time belongs to another service."))
            if moving is not None:
                booking = bookings.booking_reschedule(booking=moving, slot=slot)
            else:
                booking = bookings.booking_create(
                    citizen=request.user,
                    slot=slot,
                    priority=form.cleaned_data["priority"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
        except BookingError as error:
            refused = error
            form_refused(form, refused)
        else:
            messages.success(request, _("Your visit is booked. We have sent you the details."))
            return redirect("portal:booking", code=booking.code)
    plan = slots.slots_offered(service=service, day=day) if day else None
    return render(
        request,
        "portal/book.html",
        {
            "service": service,
            "mall": service.agency.mall,
            "days": days,
            "day": day,
            "plan": plan,
            "moving": moving,
            "moving_start": (
                in_mall_time(moving.slot.start, service.agency.mall) if moving else None
            ),
            "next_slots": refused.next_slots if refused else [],
            "form": form,
            "idempotency_key": uuid.uuid4().hex,
            "priorities": Booking.Priority.choices,
            "announcements": malls.announcement_current(mall=service.agency.mall),
        },
        status=409 if refused else 200,
    )


@login_required
def booking_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    booking = _own_booking(request, code)
    qr = segno.make(booking.code, error="m").svg_inline(scale=6, title=booking.code)
    ticket = getattr(booking, "ticket", None)
    return render(
        request,
        "portal/booking.html",
        {
            "booking": booking,
            "mall": booking.service.agency.mall,
            "start": in_mall_time(booking.slot.start, booking.service.agency.mall),
            # Only a confirmed booking is let in at check-in: no code to show for any other.
            "qr": qr if booking.status == Booking.Status.CONFIRMED else "",
            "ticket": ticket,
            "place": visits.position(ticket=ticket) if ticket else None,
        },
    )


def _calendar_file(booking: Booking) -> HttpResponse:
    response = HttpResponse(visit_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kunjungan-{booking.code}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def booking_calendar(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    return _calendar_file(_own_booking(request, code))


def booking_calendar_signed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar file by the signed link a WhatsApp or SMS message carries (no sign-in: a
    phone's calendar app opens it); a forged or expired link is not found."""
    code = calendar_link_code(token)
    booking = visits.booking_by_code(code=code) if code else None
    if booking is None:
        raise Http404
    return _calendar_file(booking)


def _act_on_booking(
    request: AuthenticatedHttpRequest, code: str, act: Callable[..., Booking], done: str
) -> HttpResponse:
    booking = _own_booking(request, code)
    act(booking=booking)
    messages.success(request, done)
    return redirect("portal:booking", code=booking.code)


@login_required
@refusals_as_messages("portal:booking", keep=("code",))
def booking_cancel(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Cancel a visit: the page asks first (works without script), its form cancels."""
    if request.method == "POST":
        return _act_on_booking(
            request, code, bookings.booking_cancel, _("Your booking is cancelled.")
        )
    booking = _own_booking(request, code)
    if booking.status not in bookings.CHANGEABLE:
        messages.error(request, _("This booking is no longer active."))
        return redirect("portal:booking", code=booking.code)
    return render(
        request,
        "portal/booking_cancel.html",
        {
            "booking": booking,
            "mall": booking.service.agency.mall,
            "start": in_mall_time(booking.slot.start, booking.service.agency.mall),
        },
    )


@login_required
@require_POST
@refusals_as_messages("portal:booking", keep=("code",))
def booking_accept(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The holder accepts the time a closure proposed."""
    return _act_on_booking(request, code, bookings.booking_accept, _("The new time is confirmed."))


@login_required
def booking_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "portal/bookings.html", {"bookings": visits.booking_list(citizen=request.user)}
    )


def _mall(slug: str) -> Mall:
    try:
        return malls.mall_get(slug=slug)
    except Mall.DoesNotExist as exc:
        raise Http404 from exc
