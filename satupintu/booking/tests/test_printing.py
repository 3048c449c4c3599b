"""Tickets on an ESC/POS thermal printer (python-escpos), when TICKET_PRINTER names one."""

import pytest
from django.urls import reverse
from escpos.printer import Dummy

from satupintu.booking import printing
from satupintu.booking.models import Ticket
from satupintu.booking.selectors import position
from satupintu.booking.services import tickets
from satupintu.booking.tests.factories import open_today, visit_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    service = visit_service()
    open_today(service.agency.mall)
    return service


def test_a_ticket_prints_its_number_agency_and_place_and_is_cut(service):
    tickets.walk_in(service=service)
    ticket = tickets.walk_in(service=service)
    printer = Dummy()
    printing.ticket_print(ticket=ticket, place=position(ticket=ticket), printer=printer)
    out = printer.output
    assert ticket.label.encode() in out and service.agency.name.encode() in out
    assert b"1 sebelum Anda" in out or b"1 before you" in out
    assert out.endswith(b"\x1dV\x00") or b"\x1dV" in out[-8:]  # GS V: cut


def test_the_kiosk_prints_on_the_printer_of_the_setting(client, service, settings, tmp_path):
    device = tmp_path / "lp0"
    settings.TICKET_PRINTER = f"file://{device}"
    client.post(reverse("portal:kiosk", args=[service.agency.mall.slug]), {"service": service.pk})
    assert Ticket.objects.get().label.encode() in device.read_bytes()


def test_a_printer_that_does_not_answer_leaves_the_ticket_on_screen(client, service, settings):
    settings.TICKET_PRINTER = "tcp://127.0.0.1:9"  # nothing listens there
    page = client.post(
        reverse("portal:kiosk", args=[service.agency.mall.slug]), {"service": service.pk}
    )
    assert page.status_code == 200 and Ticket.objects.get().label in page.text


def test_no_printer_prints_nothing_and_a_wrong_one_is_named(service, settings):
    ticket = tickets.walk_in(service=service)
    settings.TICKET_PRINTER = ""
    assert not printing.ticket_print_if_configured(ticket=ticket, place=None)
    with pytest.raises(ValueError, match="TICKET_PRINTER"):
        printing.printer_from_setting("lpt1")
