"""Retention periods (UU 27/2022 PDP): each kind of record goes once older than its setting
(an hour past the boundary) and stays within it (an hour before); issued permits stay for good;
a dry run counts and erases nothing; a second run erases nothing more."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from satupintu.accounts.models import PersonalDataAccess
from satupintu.accounts.privacy import Kind, record_access
from satupintu.accounts.retention import retention_apply
from satupintu.accounts.tasks import retention
from satupintu.booking.models import Booking, Ticket
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, visit_service
from satupintu.cases.models import AccessLog, Application, Document, IssuedDocument, Transition
from satupintu.cases.selectors import case_access
from satupintu.cases.services.workflow import application_cancel, application_submit
from satupintu.cases.tests.factories import ApplicationFactory, DocumentFactory
from satupintu.cases.tests.files import PDF
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.complaints.models import Report
from satupintu.complaints.services import report_file
from satupintu.malls.tests.factories import MallFactory, UserFactory
from satupintu.notify.models import Message
from satupintu.notify.services import Recipient, notify
from satupintu.notify.tests.factories import ensure_default_template
from satupintu.surveys.models import Invitation
from satupintu.surveys.tests.factories import invitation

pytestmark = pytest.mark.django_db
NOW = timezone.now()
MARGIN = timedelta(hours=1)  # wide enough for a slow run of the suite


def _edge(days):
    """The moments an hour past and an hour short of ``days`` ago."""
    boundary = NOW - timedelta(days=days)
    return boundary - MARGIN, boundary + MARGIN


@pytest.fixture
def periods(settings):
    settings.RETENTION_MESSAGES_DAYS = 365
    settings.RETENTION_ACCESS_RECORDS_DAYS = 1825
    settings.RETENTION_CANCELLED_DRAFTS_DAYS = 90
    settings.RETENTION_COMPLAINT_IDENTITIES_DAYS = 730
    settings.RETENTION_BOOKINGS_DAYS = 730
    settings.RETENTION_REJECTED_UPLOADS_DAYS = 365
    settings.RETENTION_SURVEY_INVITATIONS_DAYS = 30


def _aged(application, when):
    Application.objects.filter(pk=application.pk).update(created_at=when)
    Transition.objects.filter(application=application).update(created_at=when)


@pytest.fixture
def rows(periods):
    """Two of every kind: ``old`` past its period, ``young`` just within it."""
    made = {}
    old, young = _edge(365)
    ensure_default_template()
    messages = [
        notify(
            event="application_received",
            context={"name": "A", "tracking": "X"},
            recipient=Recipient(email="a@example.id", channels=("email",)),
        )
        for _ in range(3)
    ]
    Message.objects.filter(pk__in=[m.pk for m in messages[:2]]).update(status="sent")
    for message, when in zip(messages, (old, young, old), strict=True):
        Message.objects.filter(pk=message.pk).update(created_at=when)
    made["messages"] = messages  # the third, old but still queued, stays

    staff, person = UserFactory(), citizen()
    service = ServiceFactory(form_schema=[])
    ktp = RequirementFactory(service=service, text="KTP", is_mandatory=False)
    old, young = _edge(1825)
    for when in (old, young):
        access = record_access(user=staff, kind=Kind.NIK_LOOKUP, where="x")
        PersonalDataAccess.objects.filter(pk=access.pk).update(at=when)
    looked_at = ApplicationFactory(applicant=person, service=service)
    for when in (old, young):
        case_access(user=staff, application=looked_at, what="view")
        AccessLog.objects.filter(pk=AccessLog.objects.latest("pk").pk).update(at=when)

    old, young = _edge(90)
    made["drafts"] = []
    for when in (old, young):
        draft = ApplicationFactory(applicant=person, service=service)
        DocumentFactory(application=draft, requirement=ktp)
        application_cancel(application=draft)
        _aged(draft, when)
        made["drafts"].append(draft)

    old, young = _edge(730)
    mall = MallFactory()
    made["reports"] = []
    for _ in range(3):
        report = report_file(
            mall=mall, kind="pengaduan", category="biaya", title="T", text="X", name="Budi",
            email="budi@example.id", phone="+6281234567890", reporter=person,
        ).report  # fmt: skip
        made["reports"].append(report)
    Report.objects.filter(pk=made["reports"][0].pk).update(status="closed", closed_at=old)
    Report.objects.filter(pk=made["reports"][1].pk).update(status="rejected", closed_at=young)
    Report.objects.filter(pk=made["reports"][2].pk).update(created_at=old)  # still open

    visits = visit_service()
    slots = slots_open(service=visits, day=open_day()).slots
    made["bookings"] = []
    for slot, days in zip(slots[:2], (731, 730), strict=True):
        booking = booking_create(citizen=person, slot=slot)
        day = timezone.localdate(NOW - timedelta(days=days))
        Booking.objects.filter(pk=booking.pk).update(date=day, status="served")
        made["bookings"].append(booking)
    made["ticket"] = Ticket.objects.create(
        agency=visits.agency, service=visits, booking=made["bookings"][0], date=NOW.date(),
        number=1, label="A-001", status="served",
    )  # fmt: skip

    old, young = _edge(365)
    made["closed"] = []
    for when, status in ((old, "cancelled"), (young, "rejected"), (old, "done")):
        draft = ApplicationFactory(applicant=person, service=service)
        DocumentFactory(application=draft, requirement=ktp)
        application = application_submit(application=draft)
        Application.objects.filter(pk=application.pk).update(status=status)
        _aged(application, when)
        made["closed"].append(application)
    made["permit"] = IssuedDocument.objects.create(
        application=made["closed"][2], number="1/2026", code="ABCD2345EFGH", title="Izin",
        holder_name="Ani", file=ContentFile(PDF, name="p.pdf"), sha256="0" * 64,
        valid_from=(NOW - timedelta(days=4000)).date(),
    )  # fmt: skip

    # Survey invitations go 30 days after they expire, used or not.
    old, young = _edge(30)
    made["invitations"] = []
    for when, used in ((old, True), (young, False), (NOW + timedelta(days=20), False)):
        made_invitation, _token = invitation(service=service)
        Invitation.objects.filter(pk=made_invitation.pk).update(
            expires_at=when, used_on=when.date() if used else None
        )
        made["invitations"].append(made_invitation)
    return made


EXPECTED = {
    "messages": 1,
    "access_records": 1,
    "case_access_records": 1,
    "cancelled_drafts": 1,
    "complaint_identities": 1,
    "bookings": 1,
    "rejected_uploads": 1,
    "survey_invitations": 1,
}


def test_each_kind_goes_past_its_period_and_stays_within_it(rows):
    before = (Message.objects.count(), Document.objects.count(), Booking.objects.count())
    assert retention_apply(dry_run=True, now=NOW) == EXPECTED
    assert (Message.objects.count(), Document.objects.count(), Booking.objects.count()) == before
    assert Report.objects.exclude(reporter_email="").count() == 3

    assert retention_apply(now=NOW) == EXPECTED

    sent_old, sent_young, queued_old = rows["messages"]
    assert not Message.objects.filter(pk=sent_old.pk).exists()
    assert Message.objects.filter(pk__in=[sent_young.pk, queued_old.pk]).count() == 2
    assert PersonalDataAccess.objects.count() == 1 and AccessLog.objects.count() == 1

    old_draft, young_draft = rows["drafts"]
    assert not Application.objects.filter(pk=old_draft.pk).exists()
    assert Application.objects.get(pk=young_draft.pk).documents.count() == 1

    closed, rejected, still_open = (Report.objects.get(pk=r.pk) for r in rows["reports"])
    assert (closed.reporter, closed.reporter_name, closed.reporter_phone) == (None, "", "")
    assert closed.text == "X"  # the report itself stays
    assert rejected.reporter_email == "budi@example.id" and rejected.reporter is not None
    assert still_open.reporter_email == "budi@example.id"

    old_booking, young_booking = rows["bookings"]
    assert list(Booking.objects.values_list("pk", flat=True)) == [young_booking.pk]
    assert Ticket.objects.get(pk=rows["ticket"].pk).booking is None  # the day's count stays

    cancelled, rejected_young, permitted = rows["closed"]
    assert Application.objects.get(pk=cancelled.pk).documents.count() == 0  # the record stays
    assert Application.objects.get(pk=rejected_young.pk).documents.count() == 1
    assert Application.objects.get(pk=permitted.pk).documents.count() == 1
    assert IssuedDocument.objects.get(pk=rows["permit"].pk).holder_name == "Ani"

    _expired_long_ago, *kept = rows["invitations"]
    assert sorted(Invitation.objects.values_list("pk", flat=True)) == [i.pk for i in kept]

    assert retention_apply(now=NOW) == dict.fromkeys(EXPECTED, 0)  # nothing more the second time


def test_the_command_counts_by_the_settings_and_the_beat_task_erases(rows, settings, capsys):
    settings.RETENTION_BOOKINGS_DAYS = 1
    call_command("retention", "--dry-run")
    out = capsys.readouterr().out
    assert "messages: would erase 1" in out and "bookings: would erase 2" in out
    assert Booking.objects.count() == 2
    settings.RETENTION_MESSAGES_DAYS = 10_000
    retention.delay()  # the beat's task, run in-process without a broker
    assert Booking.objects.count() == 0
    assert all(Message.objects.filter(pk=m.pk).exists() for m in rows["messages"])
