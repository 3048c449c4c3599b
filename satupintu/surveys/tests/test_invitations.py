"""After a served visit, a finished application or an answered complaint, the person is
invited once, on their channels and in their language, once the change commits."""

import pytest
from django.db import transaction
from django.utils import timezone

from satupintu.booking.models import Booking
from satupintu.booking.services import tickets
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.slots import slots_open
from satupintu.booking.tests.factories import citizen, open_day, open_today, visit_service
from satupintu.cases.services.workflow import application_act
from satupintu.cases.tests.factories import ApplicationFactory, WorkflowServiceFactory, staff_of
from satupintu.complaints import services as complaints
from satupintu.complaints.tests.factories import FiledReportFactory
from satupintu.malls.models import Counter, StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, UserFactory, staff_member
from satupintu.notify.models import Event, Message
from satupintu.surveys import selectors
from satupintu.surveys.models import Invitation
from satupintu.surveys.services.invitations import token_hash

pytestmark = pytest.mark.django_db


def _served_visit(person, *, served=True):
    service = visit_service()
    mall = service.agency.mall
    open_today(mall)
    slot = slots_open(service=service, day=open_day()).slots[0]
    booking = booking_create(citizen=person, slot=slot)
    Booking.objects.filter(pk=booking.pk).update(date=booking.date.today())
    tickets.check_in(mall=mall, code=booking.code)
    counter = Counter.objects.create(agency=service.agency, label="A1")
    return tickets.finish(ticket=tickets.call_next(counter=counter), served=served)


def _secret_of(message: Message) -> str:
    return message.context["link"].rstrip("/").rsplit("/", 1)[-1]


def test_a_served_visit_invites_its_citizen_once_in_their_language(
    django_capture_on_commit_callbacks,
):
    person = citizen(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _served_visit(person)
    invitation = Invitation.objects.get()
    assert (invitation.source, invitation.source_id) == (Invitation.Source.VISIT, ticket.pk)
    assert _population(ticket.agency) == 1
    message = Message.objects.get(event=Event.SURVEY_INVITATION)
    assert (message.user, message.channel, message.language) == (person, "email", "en")
    assert "/en/survei/" in message.context["link"]
    assert "satisfaction survey" in message.body
    # Only the link's hash is kept; the secret is in the message alone.
    assert invitation.token_hash == token_hash(_secret_of(message))
    assert _secret_of(message) not in invitation.token_hash
    # The same event again (a retry, a second worker) invites nobody twice.
    from satupintu.notify.services import Recipient
    from satupintu.surveys.services.invitations import invitation_send

    again = invitation_send(
        source=Invitation.Source.VISIT,
        source_id=ticket.pk,
        recipient=Recipient.for_user(person),
        name="x",
        agency=ticket.agency,
        service=ticket.service,
    )
    assert again is None
    assert Invitation.objects.count() == 1
    assert Message.objects.filter(event=Event.SURVEY_INVITATION).count() == 1


def test_no_show_walk_ins_and_rolled_back_changes_invite_nobody(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        _served_visit(citizen(), served=False)
        service = visit_service()
        open_today(service.agency.mall)
        tickets.walk_in(service=service)
        counter = Counter.objects.create(agency=service.agency, label="B1")
        tickets.finish(ticket=tickets.call_next(counter=counter), served=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _served_visit(citizen())
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert not callbacks
    assert not Invitation.objects.exists()


def test_a_finished_application_invites_its_applicant(django_capture_on_commit_callbacks):
    service = WorkflowServiceFactory(checked_then_decided=True, form_schema=[])
    staff = staff_of(service, "front_office", "approver")
    applicant = UserFactory(email="pemohon@example.id", notification_channels=["email"])
    application = ApplicationFactory(applicant=applicant, service=service, submitted=True)
    with django_capture_on_commit_callbacks(execute=True):
        application = application_act(
            application=application, actor=staff["front_office"], action="forward"
        )
    assert not Invitation.objects.exists()  # moved on, not finished
    with django_capture_on_commit_callbacks(execute=True):
        application_act(application=application, actor=staff["approver"], action="forward")
    invitation = Invitation.objects.get()
    assert (invitation.source, invitation.source_id) == ("application", application.pk)
    assert (invitation.agency, invitation.service) == (service.agency, service)
    assert Message.objects.get(event=Event.SURVEY_INVITATION).user == applicant
    # The finished application is one of the period's population of service users.
    assert _population(service.agency) == 1


def _population(agency):
    today = timezone.localdate()
    scope = selectors.Scope(agency.mall, agency)
    return selectors.population(scope=scope, period=selectors.Period(today, today))


def test_an_answered_complaint_invites_its_reporter_once_and_an_anonymous_one_nobody(
    django_capture_on_commit_callbacks,
):
    filed = FiledReportFactory()
    report = filed.report
    mall = report.mall
    agency = AgencyFactory(mall=mall)
    coordinator = staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)
    officer = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=agency)
    anonymous = FiledReportFactory(mall=mall, anonymous=True).report
    with django_capture_on_commit_callbacks(execute=True):
        for each in (report, anonymous):
            each = complaints.report_route(
                report=each, agency=agency, deadline_class=5, by=coordinator
            )
            complaints.report_answer(report=each, by=officer, text="Sudah kami tindak lanjuti.")
    invitation = Invitation.objects.get()
    assert (invitation.source, invitation.source_id) == ("complaint", report.pk)
    message = Message.objects.get(event=Event.SURVEY_INVITATION)
    assert message.to == "budi@example.id"
    assert "Survei Kepuasan Masyarakat" in message.body
    assert _population(agency) == 2  # the anonymous reporter was a service user too
