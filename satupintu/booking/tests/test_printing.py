"""Tickets on an ESC/POS thermal printer (python-escpos), when TICKET_PRINTER names one."""

import os

import pytest
import redis
from django.urls import reverse
from escpos.printer import Dummy

from satupintu.booking import printing
from satupintu.booking import tasks as booking_tasks
from satupintu.booking.models import Ticket
from satupintu.booking.selectors import position
from satupintu.booking.services import tickets
from satupintu.booking.tests.factories import open_today, visit_service
from satupintu.celery import app

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


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


def _kiosk_walk_in(client, service):
    return client.post(
        reverse("portal:kiosk", args=[service.agency.mall.slug]), {"service": service.pk}
    )


def test_the_kiosk_queues_the_print_for_the_printer_of_the_setting(
    client, service, settings, tmp_path, django_capture_on_commit_callbacks
):
    device = tmp_path / "lp0"
    settings.TICKET_PRINTER = f"file://{device}"
    with django_capture_on_commit_callbacks() as queued:
        page = _kiosk_walk_in(client, service)
    label = Ticket.objects.get().label
    assert label in page.text and not device.exists()  # the request printed nothing itself
    assert len(queued) == 1
    queued[0]()  # the worker's turn (in-process without a broker)
    assert label.encode() in device.read_bytes()


def test_the_kiosk_only_hands_the_print_to_the_broker(
    client, service, settings, tmp_path, django_capture_on_commit_callbacks
):
    device = tmp_path / "lp0"
    settings.TICKET_PRINTER = f"file://{device}"
    broker = redis.Redis.from_url(REDIS_URL)
    broker.delete("printing")
    _use_broker(REDIS_URL)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            page = _kiosk_walk_in(client, service)
        assert page.status_code == 200 and Ticket.objects.get().label in page.text
        assert broker.llen("printing") == 1 and not device.exists()
    finally:
        _use_broker("")
        broker.delete("printing")


def test_a_printer_that_does_not_answer_leaves_the_ticket_on_screen_and_is_logged(
    client, service, settings, caplog, django_capture_on_commit_callbacks
):
    settings.TICKET_PRINTER = "tcp://127.0.0.1:9"  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        page = _kiosk_walk_in(client, service)
    assert page.status_code == 200 and Ticket.objects.get().label in page.text
    assert "was not printed" in caplog.text


def test_with_the_broker_down_the_kiosk_still_gives_the_ticket(
    client, service, settings, caplog, django_capture_on_commit_callbacks
):
    settings.TICKET_PRINTER = "tcp://127.0.0.1:9"
    _use_broker("redis://127.0.0.1:1/0")  # a closed port
    try:
        with django_capture_on_commit_callbacks(execute=True):
            page = _kiosk_walk_in(client, service)
    finally:
        _use_broker("")
    assert page.status_code == 200 and Ticket.objects.get().label in page.text
    assert "could not queue the print" in caplog.text


def test_the_print_task_is_routed_to_the_printing_queue():
    assert app.amqp.router.route({}, "booking.ticket_print")["queue"].name == "printing"


def test_the_worker_prints_the_ticket_with_its_place_in_the_queue(service, settings, tmp_path):
    device = tmp_path / "lp0"
    settings.TICKET_PRINTER = f"file://{device}"
    tickets.walk_in(service=service)
    ticket = tickets.walk_in(service=service)
    booking_tasks.ticket_print.delay(ticket.pk)
    out = device.read_bytes()
    assert ticket.label.encode() in out and b"1 sebelum Anda" in out
    assert not printing.ticket_print_by_id(ticket_id=ticket.pk + 1000)  # gone: nothing printed


def _use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (or back to in-process with "")."""
    app.conf.broker_url = url
    app.conf.task_always_eager = not url
    app._pool = None
    app.amqp._producer_pool = None


def test_no_printer_prints_nothing_and_a_wrong_one_is_named(service, settings):
    ticket = tickets.walk_in(service=service)
    settings.TICKET_PRINTER = ""
    assert not printing.ticket_print_if_configured(ticket=ticket, place=None)
    with pytest.raises(ValueError, match="TICKET_PRINTER"):
        printing.printer_from_setting("lpt1")
