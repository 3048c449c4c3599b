"""Staff pages of applications: the queue shows only the officer's agency, the case page offers
the actions of the officer's role, a stale page cannot act, looks are audited, walk-ins."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from satupintu.accounts.models import User
from satupintu.cases.models import AccessLog, Application, Note, Step, Survey
from satupintu.cases.services.surveys import survey_complete, survey_schedule
from satupintu.cases.services.workflow import application_submit
from satupintu.cases.tests.factories import (
    ApplicationFactory,
    DocumentFactory,
    WorkflowServiceFactory,
    staff_of,
)
from satupintu.cases.tests.files import pdf
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.malls.tests.factories import UserFactory, staff_member
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return WorkflowServiceFactory(
        name="Izin Reklame",
        form_schema=[],
        workflow=(Step.DOCUMENT_CHECK, Step.FIELD_SURVEY, Step.VERIFICATION),
    )


@pytest.fixture
def officers(service):
    return staff_of(service, "front_office", "technical_team")


@pytest.fixture
def case(service):
    applicant = UserFactory(first_name="Budi", email="budi@example.id", nik="3271010101900002")
    return ApplicationFactory(applicant=applicant, service=service, submitted=True)


def test_the_queue_shows_the_agency_cases_and_another_agency_sees_none(client, case, officers):
    client.force_login(officers["front_office"])
    assert case.tracking_number in client.get(reverse("backoffice:cases")).text
    stranger = staff_member("front_office", agency=ServiceFactory().agency)
    client.force_login(stranger)
    assert case.tracking_number not in client.get(reverse("backoffice:cases")).text
    assert client.get(reverse("backoffice:case", args=[case.pk])).status_code == 404
    client.force_login(UserFactory())  # a citizen
    assert client.get(reverse("backoffice:cases")).status_code == 403


def test_queue_filters_by_step_due_and_assignee(client, case, officers):
    officer = officers["front_office"]
    client.force_login(officer)
    url = reverse("backoffice:cases")
    assert case.tracking_number in client.get(url, {"step": Step.DOCUMENT_CHECK}).text
    assert case.tracking_number not in client.get(url, {"step": Step.VERIFICATION}).text
    assert case.tracking_number not in client.get(url, {"due": "overdue"}).text
    Application.objects.filter(pk=case.pk).update(due_date=timezone.localdate() - timedelta(1))
    assert case.tracking_number in client.get(url, {"due": "overdue"}).text
    assert case.tracking_number not in client.get(url, {"assignee": "me"}).text
    client.post(reverse("backoffice:case-assign", args=[case.pk]), {"to": "me"})
    assert case.tracking_number in client.get(url, {"assignee": "me"}).text
    assert case.tracking_number not in client.get(url, {"assignee": "none"}).text


def test_the_case_page_is_audited_and_acts_by_role_and_version(client, case, officers):
    officer = officers["front_office"]
    client.force_login(officer)
    page = client.get(reverse("backoffice:case", args=[case.pk])).text
    assert "Budi" in page
    assert AccessLog.objects.filter(user=officer, application=case, what="view").exists()
    act = reverse("backoffice:case-act", args=[case.pk])
    stale = client.post(act, {"action": "forward", "version": case.version - 1}, follow=True)
    case.refresh_from_db()
    assert case.step == Step.DOCUMENT_CHECK  # a stale page changes nothing
    assert stale.status_code == 200
    client.post(act, {"action": "forward", "version": case.version, "note": "Berkas lengkap."})
    case.refresh_from_db()
    assert case.step == Step.FIELD_SURVEY
    team = officers["technical_team"]
    survey = survey_schedule(
        application=case,
        by=team,
        mode=Survey.Mode.VIDEO,
        scheduled_at=timezone.now() + timedelta(days=1),
    )
    Survey.objects.filter(pk=survey.pk).update(scheduled_at=timezone.now() - timedelta(hours=1))
    survey.refresh_from_db()
    survey_complete(survey=survey, by=team, findings="Sesuai.", recommendation="approve")
    case.refresh_from_db()
    client.post(act, {"action": "forward", "version": case.version})  # the survey team's step
    case.refresh_from_db()
    assert case.step == Step.FIELD_SURVEY  # the survey is done: only the role refuses it
    client.force_login(case.applicant)  # the officers' forward note is theirs alone
    page = client.get(reverse("portal:application", args=[case.pk])).text
    assert "Berkas lengkap." not in page


def test_the_survey_team_schedules_a_video_survey_and_records_its_result(client, case, officers):
    case.step = Step.FIELD_SURVEY
    Application.objects.filter(pk=case.pk).update(step=Step.FIELD_SURVEY)
    team = officers["technical_team"]
    client.force_login(team)
    when = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    client.post(
        reverse("backoffice:case-survey", args=[case.pk]),
        {"mode": "video", "scheduled_at": when},
    )
    survey = Survey.objects.get(application=case)
    assert survey.meeting_url
    assert Message.objects.filter(event=Event.SURVEY_SCHEDULED, to="budi@example.id").exists()
    early = client.post(
        reverse("backoffice:case-survey-result", args=[case.pk, survey.pk]),
        {"findings": "Reklame sesuai.", "recommendation": "approve"},
        follow=True,
    )
    assert "catat hasilnya pada atau setelah hari itu" in early.text
    survey.refresh_from_db()
    assert survey.completed_at is None
    Survey.objects.filter(pk=survey.pk).update(scheduled_at=timezone.now() - timedelta(hours=1))
    client.post(
        reverse("backoffice:case-survey-result", args=[case.pk, survey.pk]),
        {"findings": "Reklame sesuai.", "recommendation": "approve", "report": pdf("ba.pdf")},
    )
    survey.refresh_from_db()
    assert survey.completed_at is not None
    case.refresh_from_db()
    client.post(
        reverse("backoffice:case-act", args=[case.pk]),
        {"action": "forward", "version": case.version},
    )
    case.refresh_from_db()
    assert case.step == Step.VERIFICATION


def test_notes_are_for_the_agency_staff(client, case, officers):
    client.force_login(officers["front_office"])
    client.post(reverse("backoffice:case-note", args=[case.pk]), {"text": "Telepon pemohon."})
    assert Note.objects.get(application=case).text == "Telepon pemohon."
    assert "Telepon pemohon." in client.get(reverse("backoffice:case", args=[case.pk])).text
    client.force_login(case.applicant)
    assert "Telepon pemohon." not in client.get(reverse("portal:application", args=[case.pk])).text
    stranger = staff_member("front_office", agency=ServiceFactory().agency)
    client.force_login(stranger)
    assert client.get(reverse("backoffice:case", args=[case.pk])).status_code == 404
    refused = client.post(reverse("backoffice:case-note", args=[case.pk]), {"text": "x"})
    assert refused.status_code == 404 and Note.objects.count() == 1


def test_a_draft_the_citizen_gave_up_stays_theirs(client, service, officers):
    from satupintu.cases.services.workflow import application_cancel

    draft = ApplicationFactory(service=service, form_data={"alamat": "Jl. Rahasia 1"})
    application_cancel(application=draft)
    client.force_login(officers["front_office"])
    assert client.get(reverse("backoffice:case", args=[draft.pk])).status_code == 404
    assert draft.tracking_number not in client.get(reverse("backoffice:cases"), {"status": ""}).text


def test_bad_input_on_staff_forms_gets_a_message_not_an_error(client, case, officers):
    Application.objects.filter(pk=case.pk).update(step=Step.FIELD_SURVEY)
    client.force_login(officers["technical_team"])
    page = client.post(
        reverse("backoffice:case-survey", args=[case.pk]),
        {"mode": "video", "scheduled_at": "2027-02-30T10:00"},
        follow=True,
    )
    assert page.status_code == 200 and "Isi tanggal dan jam survei." in page.text
    assert not Survey.objects.exists()
    client.force_login(officers["front_office"])
    page = client.post(reverse("backoffice:case-new"), {"service": "abc", "nik": "x"})
    assert page.status_code == 200 and "Pilih salah satu layanan instansi Anda." in page.text


def test_only_the_front_office_files_for_walk_ins(client, officers):
    client.force_login(officers["technical_team"])
    assert client.get(reverse("backoffice:case-new")).status_code == 403


def test_the_work_queue_pages_and_its_queries_do_not_grow_with_cases(
    client, service, officers, django_assert_max_num_queries
):
    for _n in range(60):
        ApplicationFactory(service=service, submitted=True)
    client.force_login(officers["front_office"])
    with django_assert_max_num_queries(12):
        first = client.get(reverse("backoffice:cases"))
    assert first.text.count("MPP-") == 50
    second = client.get(reverse("backoffice:cases"), {"page": 2})
    assert second.text.count("MPP-") == 10


def test_a_walk_in_is_registered_by_nik_and_filed_by_the_officer(client, service, officers):
    RequirementFactory(service=service, text="KTP", is_mandatory=True)
    officer = officers["front_office"]
    client.force_login(officer)
    refused = client.post(
        reverse("backoffice:case-new"),
        {"service": service.pk, "nik": "123", "name": "Ani", "phone": "081234567890"},
    )
    assert refused.status_code == 200 and "NIK yang valid" in refused.text
    assert not Application.objects.exists()
    response = client.post(
        reverse("backoffice:case-new"),
        {
            "service": service.pk,
            "nik": "3271014501900001",
            "name": "Ani Lestari",
            "phone": "081234567890",
        },
    )
    application = Application.objects.get()
    assert response.url == reverse("backoffice:case", args=[application.pk])
    ani = User.objects.get(nik="3271014501900001")
    assert application.applicant == ani and application.filed_by == officer
    assert ani.phone == "+6281234567890" and not ani.has_usable_password()
    url = reverse("backoffice:case", args=[application.pk])
    requirement = service.requirements.get()
    client.post(url, {"action": "submit", f"req-{requirement.pk}": pdf()})
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    assert application.transitions.get(action="submit").actor == officer  # not the citizen
    again = client.post(
        reverse("backoffice:case-new"), {"service": service.pk, "nik": "3271014501900001"}
    )
    assert again.status_code == 302  # the same person, found by NIK
    assert User.objects.filter(nik="3271014501900001").count() == 1


def test_files_are_served_to_the_agency_and_audited(client, service, officers):
    RequirementFactory(service=service, text="KTP", is_mandatory=True)
    applicant = UserFactory()
    draft = ApplicationFactory(applicant=applicant, service=service)
    document = DocumentFactory(application=draft, requirement=service.requirements.get())
    application_submit(application=draft)
    client.force_login(officers["front_office"])
    response = client.get(reverse("backoffice:case-file", args=[draft.pk, document.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    # A checked PDF may open in the browser, sandboxed and never sniffed.
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AccessLog.objects.filter(what=f"file {document.pk}").exists()
    client.force_login(applicant)
    own = client.get(reverse("portal:application-file", args=[draft.pk, document.pk]))
    assert own.status_code == 200
    assert own["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert own["X-Content-Type-Options"] == "nosniff"
    client.force_login(UserFactory())
    other = client.get(reverse("portal:application-file", args=[draft.pk, document.pk]))
    assert other.status_code == 404


def test_a_walk_in_name_too_long_is_refused_not_cut(client, service, officers):
    client.force_login(officers["front_office"])
    data = {"service": service.pk, "nik": "3271014501900001", "phone": "081234567890"}
    refused = client.post(reverse("backoffice:case-new"), {**data, "name": "Ani " + "L" * 147})
    assert refused.status_code == 200 and "paling banyak 150" in refused.text
    assert not User.objects.filter(nik=data["nik"]).exists()
    assert not Application.objects.exists()
    client.post(reverse("backoffice:case-new"), {**data, "name": "Ani " + "L" * 146})
    assert User.objects.get(nik=data["nik"]).last_name == "L" * 146  # 150 characters: whole


def test_a_note_too_long_is_refused_not_cut(client, case, officers):
    from satupintu.cases.services.forms import NOTE_MAX

    client.force_login(officers["front_office"])
    url = reverse("backoffice:case-note", args=[case.pk])
    refused = client.post(url, {"text": "n" * (NOTE_MAX + 1)}, follow=True)
    assert f"paling banyak {NOTE_MAX}" in refused.text
    assert not Note.objects.exists()
    client.post(url, {"text": "n" * NOTE_MAX})
    assert len(Note.objects.get().text) == NOTE_MAX
