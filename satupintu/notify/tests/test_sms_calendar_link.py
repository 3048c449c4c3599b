"""Migration 0012 adds the calendar link to the default SMS wording of visit messages, and only
to wording no admin has changed."""

import importlib

import pytest
from django.apps import apps

from satupintu.notify.models import MessageTemplate

pytestmark = pytest.mark.django_db
SMS = importlib.import_module("satupintu.notify.migrations.0012_sms_calendar_link")


def _sms(event: str, language: str = "id") -> MessageTemplate:
    return MessageTemplate.objects.get(mall=None, channel="sms", event=event, language=language)


def test_every_default_visit_sms_links_the_calendar():
    for event in SMS.VISIT_EVENTS:
        for language in ("id", "en"):
            assert "{{ calendar_link }}" in _sms(event, language).body


def test_the_migration_leaves_wording_an_admin_changed_and_runs_once():
    default, changed = _sms("booking_confirmed"), _sms("booking_reminder", "en")
    default.body = "Kunjungan {{ code }} terkonfirmasi. {{ link }}"
    default.save()
    changed.body = "Besok ke MPP, bawa KTP. {{ link }}"
    changed.save()
    SMS.forward(apps, None)
    SMS.forward(apps, None)
    assert _sms("booking_confirmed").body == (
        "Kunjungan {{ code }} terkonfirmasi. {{ link }} Kalender: {{ calendar_link }}"
    )
    assert _sms("booking_reminder", "en").body == "Besok ke MPP, bawa KTP. {{ link }}"
    SMS.backward(apps, None)
    assert _sms("booking_confirmed").body == "Kunjungan {{ code }} terkonfirmasi. {{ link }}"
