"""The SMS wording of every visit message links to the visit's calendar file, as WhatsApp's
does since 0009 (an SMS cannot carry the file either). Only the default wording an admin has not
changed is rewritten; a changed one is the admin's to edit."""

import importlib

from django.db import migrations

VISIT_EVENTS = ("booking_confirmed", "booking_moved", "booking_released", "booking_reminder",
                "booking_cancelled")
# Where each event's default wording was made (0002's rows_for in each).
SOURCES = ("0002_default_templates", "0004_booking_released", "0009_booking_cancelled")
CALENDAR = {"id": " Kalender: {{ calendar_link }}", "en": " Calendar: {{ calendar_link }}"}


def defaults():
    """(event, language) → the SMS body the migrations made: "<subject>. {{ link }}"."""
    bodies = {}
    for source in SOURCES:
        texts = importlib.import_module(f"satupintu.notify.migrations.{source}").TEXTS
        for event, languages in texts.items():
            if event in VISIT_EVENTS:
                for language, (subject, _sentence) in languages.items():
                    bodies[event, language] = f"{subject}. {{{{ link }}}}"
    return bodies


def forward(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    unchanged = defaults()
    for template in MessageTemplate.objects.filter(
        mall__isnull=True, channel="sms", event__in=VISIT_EVENTS
    ):
        if unchanged.get((template.event, template.language)) == template.body:
            template.body += CALENDAR.get(template.language, CALENDAR["en"])
            template.save(update_fields=["body"])


def backward(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    unchanged = defaults()
    for template in MessageTemplate.objects.filter(
        mall__isnull=True, channel="sms", event__in=VISIT_EVENTS
    ):
        calendar = CALENDAR.get(template.language, CALENDAR["en"])
        before = template.body.removesuffix(calendar)
        if before != template.body and unchanged.get((template.event, template.language)) == before:
            template.body = before
            template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("notify", "0011_complaint_filed_consultation_answered")]

    operations = [migrations.RunPython(forward, backward)]
