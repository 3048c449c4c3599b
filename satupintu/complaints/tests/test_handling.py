"""Complaint handling by SP4N-LAPOR!'s rules and clocks."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from satupintu.booking.models import DayOff
from satupintu.cases.tests.files import png
from satupintu.complaints import selectors, services
from satupintu.complaints.errors import ReportError
from satupintu.complaints.models import Report, ReportEvent
from satupintu.complaints.tests.factories import FiledReportFactory, ReportFactory
from satupintu.malls.calendar import working_days_after
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory, staff_member
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def mall():
    return MallFactory()


@pytest.fixture
def agency(mall):
    return AgencyFactory(mall=mall)


@pytest.fixture
def coordinator(mall):
    return staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)


@pytest.fixture
def officer(agency):
    return staff_member(StaffMembership.Role.FRONT_OFFICE, agency=agency)


def test_working_days_skip_weekends_holidays_cuti_bersama_and_days_off(mall):
    friday = date(2026, 12, 18)
    assert working_days_after(mall=mall, start=friday, days=1) == date(2026, 12, 21)
    # 24 Dec is cuti bersama, 25 Dec Christmas: Wednesday 23 -> Monday 28.
    assert working_days_after(mall=mall, start=date(2026, 12, 23), days=1) == date(2026, 12, 28)
    DayOff.objects.create(mall=mall, date=date(2026, 12, 28), reason="Hari jadi kota")
    assert working_days_after(mall=mall, start=date(2026, 12, 23), days=1) == date(2026, 12, 29)


def test_an_anonymous_report_keeps_no_identity_anywhere(mall, caplog):
    signed_in = UserFactory(first_name="Budi", email="budi@example.id")
    filed = FiledReportFactory(mall=mall, anonymous=True, reporter=signed_in)
    report = filed.report
    assert report.reporter is None
    assert (report.reporter_name, report.reporter_email, report.reporter_phone) == ("", "", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM complaints_report")
        rows = cursor.fetchall()
        cursor.execute("SELECT * FROM complaints_reportevent")
        rows += cursor.fetchall()
    flat = " ".join(str(value) for row in rows for value in row)
    for trace in ("Budi", "budi@example.id", "6281234567890"):
        assert trace not in flat
    assert "budi" not in caplog.text.lower()
    assert not Message.objects.exists()  # nobody to tell: they follow with the secret link


def test_the_follow_up_secret_is_kept_only_as_a_hash(mall):
    filed = FiledReportFactory(mall=mall)
    assert filed.secret not in filed.report.secret_hash
    found = services.report_for_secret(tracking_id=filed.report.tracking_id, secret=filed.secret)
    assert found == filed.report
    with pytest.raises(Report.DoesNotExist):
        services.report_for_secret(tracking_id=filed.report.tracking_id, secret="tebakan")


def test_a_confidential_identity_is_hidden_from_the_agency(mall, agency, coordinator, officer):
    report = ReportFactory(mall=mall, confidential=True)
    services.report_route(report=report, agency=agency, deadline_class=5, by=coordinator)
    assert selectors.identity_visible(report=report, user=coordinator)
    assert not selectors.identity_visible(report=report, user=officer)
    assert report in selectors.reports_for_staff(user=officer, mall=mall)


def test_agency_staff_see_only_what_was_routed_to_them(mall, agency, coordinator, officer):
    waiting = ReportFactory(mall=mall)
    other = ReportFactory(mall=mall)
    services.report_route(
        report=other, agency=AgencyFactory(mall=mall), deadline_class=5, by=coordinator
    )
    assert set(selectors.reports_for_staff(user=coordinator, mall=mall)) == {waiting, other}
    assert list(selectors.reports_for_staff(user=officer, mall=mall)) == []


def test_route_answer_rate_with_deadlines_and_a_message(mall, agency, coordinator, officer):
    report = ReportFactory(mall=mall)
    assert report.verify_due == working_days_after(mall=mall, start=timezone.localdate(), days=3)
    report = services.report_route(
        report=report, agency=agency, deadline_class=Report.DeadlineClass.LIGHT, by=coordinator
    )
    assert report.answer_due == working_days_after(mall=mall, start=timezone.localdate(), days=2)
    report = services.report_answer(report=report, by=officer, text="Petugas telah ditegur.")
    assert report.close_due == working_days_after(mall=mall, start=timezone.localdate(), days=10)
    told = Message.objects.get(event=Event.COMPLAINT_ANSWERED)
    assert report.tracking_id in told.body and told.to == "budi@example.id"
    report = services.report_rate(report=report, rating=4)
    assert report.status == Report.Status.CLOSED and report.rating == 4
    kinds = list(report.events.values_list("kind", flat=True))
    assert kinds == ["filed", "routed", "answered", "rated", "closed"]


def test_steps_out_of_order_are_refused(mall, agency, coordinator, officer):
    report = ReportFactory(mall=mall)
    with pytest.raises(ReportError):
        services.report_answer(report=report, by=officer, text="Jawaban")
    with pytest.raises(ReportError):
        services.report_rate(report=report, rating=5)


def test_reopen_sends_it_back_with_a_new_deadline(mall, agency, coordinator, officer):
    report = ReportFactory(mall=mall)
    services.report_route(report=report, agency=agency, deadline_class=5, by=coordinator)
    services.report_answer(report=report, by=officer, text="Sudah ditangani.")
    report = services.report_reopen(report=report, text="Belum ada perubahan.")
    assert report.status == Report.Status.ROUTED and report.close_due is None


def test_silent_reports_close_and_overdue_ones_escalate(mall, agency, coordinator, officer):
    quiet = ReportFactory(mall=mall)
    services.report_route(report=quiet, agency=agency, deadline_class=5, by=coordinator)
    services.report_answer(report=quiet, by=officer, text="Selesai.")
    late = ReportFactory(mall=mall)
    quiet.refresh_from_db()
    assert services.reports_close_silent(today=quiet.close_due) == 0
    assert services.reports_close_silent(today=quiet.close_due + timedelta(days=1)) == 1
    quiet.refresh_from_db()
    assert quiet.status == Report.Status.CLOSED

    assert services.reports_escalate(today=late.verify_due) == 0
    assert services.reports_escalate(today=late.verify_due + timedelta(days=1)) == 1
    assert services.reports_escalate(today=late.verify_due + timedelta(days=2)) == 0
    assert late.events.filter(kind=ReportEvent.Kind.ESCALATED).exists()
    [told] = Message.objects.filter(event=Event.COMPLAINT_ESCALATED)
    assert told.user == coordinator and late.tracking_id in told.body


def test_the_agency_is_told_when_a_report_is_routed_without_who_filed_it(
    mall, agency, coordinator, officer
):
    report = ReportFactory(mall=mall, confidential=True)
    services.report_route(report=report, agency=agency, deadline_class=5, by=coordinator)
    [told] = Message.objects.filter(event=Event.COMPLAINT_ROUTED)
    assert told.user == officer and report.tracking_id in told.body
    assert "Budi" not in told.body and "budi@example.id" not in told.body


def test_a_disguised_attachment_is_refused_and_nothing_is_filed(mall):
    fake = SimpleUploadedFile("bukti.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError):
        ReportFactory(mall=mall, attachments=[fake])
    assert not Report.objects.exists()
    report = ReportFactory(mall=mall, attachments=[png("bukti.png")])
    assert report.attachments.get().name == "bukti.png"


def test_the_whatsapp_bot_answers_status_to_the_reporter_only(mall, agency, coordinator):
    from satupintu.notify import bot

    report = ReportFactory(mall=mall)
    services.report_route(report=report, agency=agency, deadline_class=5, by=coordinator)
    reply = bot.answer(phone="+6281234567890", text=f"STATUS {report.tracking_id}")
    assert report.tracking_id in reply and "Ditangani instansi" in reply
    stranger = bot.answer(phone="+6281299998888", text=f"STATUS {report.tracking_id}")
    assert "Ditangani" not in stranger


def test_a_taken_tracking_id_is_skipped_not_refused(mall):
    first = ReportFactory(mall=mall)
    # Counting this year's reports now says 0, so the next filing first tries first's ID.
    Report.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(days=400))
    second = ReportFactory(mall=mall)
    assert first.tracking_id.endswith("000001") and second.tracking_id.endswith("000002")


@pytest.mark.parametrize("days", [-5, 0, 1, 3, 4, 6, 7, 10, 13, 15, 30, 59, 61, 365])
def test_a_deadline_class_outside_sp4n_lapor_is_refused(mall, agency, coordinator, days):
    report = ReportFactory(mall=mall)
    with pytest.raises(ReportError) as refused:
        services.report_route(report=report, agency=agency, deadline_class=days, by=coordinator)
    assert refused.value.code == "bad_deadline_class"
    assert "2, 5, 14, 60" in refused.value.message
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED and report.deadline_class != days


@pytest.mark.parametrize("days", Report.DeadlineClass.values)
def test_every_sp4n_lapor_deadline_class_is_accepted(mall, agency, coordinator, days):
    report = ReportFactory(mall=mall)
    report = services.report_route(
        report=report, agency=agency, deadline_class=days, by=coordinator
    )
    assert report.deadline_class == days
    assert report.answer_due == working_days_after(mall=mall, start=timezone.localdate(), days=days)


def test_texts_over_their_length_are_refused_not_cut(mall, agency, coordinator, officer):
    report = ReportFactory(mall=mall)
    too_long = "x" * (services.TEXT_MAX + 1)
    with pytest.raises(ReportError) as refused:
        services.report_reply(report=report, text=too_long)
    assert refused.value.code == "too_long" and "4000" in refused.value.message
    with pytest.raises(ReportError):
        services.report_route(
            report=report, agency=agency, deadline_class=5, by=coordinator, note=too_long
        )
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    assert not report.events.exclude(kind=ReportEvent.Kind.FILED).exists()
    services.report_reply(report=report, text="x" * services.TEXT_MAX)  # the limit itself is fine
