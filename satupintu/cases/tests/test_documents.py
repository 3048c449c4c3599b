"""Uploads of applications: by content not name, size-limited, private, only where allowed;
the checklist must be complete to submit; field surveys with Jitsi rooms and photo metadata."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Document, Step, Survey
from satupintu.cases.services.documents import document_add
from satupintu.cases.services.surveys import survey_complete, survey_confirm, survey_schedule
from satupintu.cases.services.workflow import application_act, application_submit
from satupintu.cases.tests.factories import ApplicationFactory, WorkflowServiceFactory
from satupintu.cases.tests.files import geotagged_jpeg, pdf, png
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.malls.tests.factories import UserFactory, staff_member
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    service = ServiceFactory(name="PBG", form_schema=[])
    RequirementFactory(service=service, text="KTP pemohon", is_mandatory=True)
    RequirementFactory(service=service, text="Foto lokasi", is_mandatory=False)
    return service


@pytest.fixture
def draft(service):
    return ApplicationFactory(applicant=UserFactory(email="warga@example.id"), service=service)


def _ktp(service):
    return service.requirements.get(text="KTP pemohon")


def test_a_renamed_exe_is_refused_and_nothing_is_kept(draft, service):
    exe = SimpleUploadedFile("ktp.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    with pytest.raises(ValidationError) as refused:
        document_add(application=draft, upload=exe, by=draft.applicant, requirement=_ktp(service))
    assert refused.value.code == "file_type"
    assert not Document.objects.exists()


def test_an_oversize_file_is_refused(draft, service, settings):
    settings.CASE_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        document_add(application=draft, upload=pdf(), by=draft.applicant, requirement=_ktp(service))
    assert refused.value.code == "file_too_large"


def test_a_truncated_image_is_refused(draft, service):
    broken = SimpleUploadedFile("x.png", png().read()[:30], "image/png")
    with pytest.raises(ValidationError) as refused:
        document_add(
            application=draft, upload=broken, by=draft.applicant, requirement=_ktp(service)
        )
    assert refused.value.code == "file_content"


def test_a_pdf_named_jpg_is_kept_as_what_it_is_in_private_storage(draft, service, settings):
    document = document_add(
        application=draft, upload=pdf("scan.jpg"), by=draft.applicant, requirement=_ktp(service)
    )
    assert document.content_type == "application/pdf"
    assert len(document.sha256) == 64
    private = settings.STORAGES["private"]["OPTIONS"]["location"]
    assert document.file.path.startswith(private)
    assert not document.file.path.startswith(str(settings.MEDIA_ROOT))


def test_someone_else_cannot_add_files(draft, service):
    with pytest.raises(CaseError) as refused:
        document_add(application=draft, upload=pdf(), by=UserFactory(), requirement=_ktp(service))
    assert refused.value.code == "forbidden"


def test_submit_needs_every_mandatory_requirement(draft, service):
    with pytest.raises(CaseError) as refused:
        application_submit(application=draft)
    assert refused.value.code == "missing_documents"
    assert "KTP pemohon" in refused.value.message
    document_add(application=draft, upload=pdf(), by=draft.applicant, requirement=_ktp(service))
    assert application_submit(application=draft).status == Application.Status.IN_PROGRESS
    with pytest.raises(CaseError):  # once submitted, the checklist is frozen
        document_add(application=draft, upload=png(), by=draft.applicant, requirement=_ktp(service))


@pytest.fixture
def at_survey():
    service = WorkflowServiceFactory(
        name="Izin Lingkungan",
        form_schema=[],
        workflow=(Step.FIELD_SURVEY, Step.TECHNICAL_RECOMMENDATION),
    )
    team = staff_member("technical_team", agency=service.agency)
    application = ApplicationFactory(
        applicant=UserFactory(email="pemohon@example.id"), service=service, submitted=True
    )
    return application, team


def test_a_teleconference_survey_gets_its_own_jitsi_room_and_the_applicant_is_told(
    at_survey, settings
):
    settings.JITSI_URL = "https://meet.mpp.example.id"
    application, team = at_survey
    when = timezone.now() + timedelta(days=2)
    one = survey_schedule(
        application=application, by=team, mode=Survey.Mode.VIDEO, scheduled_at=when
    )
    two = survey_schedule(
        application=application, by=team, mode=Survey.Mode.VIDEO, scheduled_at=when
    )
    assert one.meeting_url.startswith("https://meet.mpp.example.id/Survei")
    assert one.meeting_url != two.meeting_url
    told = Message.objects.filter(event=Event.SURVEY_SCHEDULED, to="pemohon@example.id")
    assert told.count() == 2
    assert one.meeting_url in told.order_by("pk").first().body
    assert f"/akun/permohonan/{application.pk}/" in told.first().body
    assert survey_confirm(survey=one, by=application.applicant).confirmed_at is not None
    with pytest.raises(CaseError):
        survey_confirm(survey=one, by=team)


def test_survey_rules_place_future_and_role(at_survey):
    application, team = at_survey
    later = timezone.now() + timedelta(days=1)
    with pytest.raises(CaseError) as refused:
        survey_schedule(
            application=application, by=team, mode=Survey.Mode.ON_SITE, scheduled_at=later
        )
    assert refused.value.code == "place_needed"
    with pytest.raises(CaseError) as refused:
        survey_schedule(
            application=application,
            by=team,
            mode=Survey.Mode.VIDEO,
            scheduled_at=timezone.now() - timedelta(hours=1),
        )
    assert refused.value.code == "past"
    with pytest.raises(CaseError) as refused:
        survey_schedule(
            application=application, by=UserFactory(), mode=Survey.Mode.VIDEO, scheduled_at=later
        )
    assert refused.value.code == "not_your_step"


def test_forward_needs_the_survey_result_which_keeps_the_photos_gps_and_time(at_survey):
    application, team = at_survey
    with pytest.raises(CaseError) as refused:
        application_act(application=application, actor=team, action="forward")
    assert refused.value.code == "survey_needed"
    survey = survey_schedule(
        application=application,
        by=team,
        mode=Survey.Mode.ON_SITE,
        scheduled_at=timezone.now() + timedelta(days=1),
        place="Jl. Pajajaran 10",
    )
    _the_day_comes(survey)
    survey_complete(
        survey=survey,
        by=team,
        findings="Bangunan sesuai gambar.",
        recommendation=Survey.Recommendation.APPROVE,
        report=pdf("berita-acara.pdf"),
        photos=[geotagged_jpeg(), png()],
    )
    photo = application.documents.get(kind=Document.Kind.SURVEY_PHOTO, name="drone.jpg")
    assert photo.metadata["latitude"] == pytest.approx(-6.5971, abs=1e-4)
    assert photo.metadata["longitude"] == pytest.approx(106.806, abs=1e-4)
    assert photo.metadata["taken_at"] == "2026-03-10T09:30:00"
    assert application.documents.filter(kind=Document.Kind.SURVEY_REPORT).count() == 1
    moved = application_act(application=application, actor=team, action="forward")
    assert moved.step == Step.TECHNICAL_RECOMMENDATION


def test_a_decompression_bomb_is_refused_not_opened(draft, service):
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # a few KB that claim 400 million pixels
    bomb = SimpleUploadedFile("denah.png", out.getvalue(), "image/png")
    with pytest.raises(ValidationError) as refused:
        document_add(application=draft, upload=bomb, by=draft.applicant, requirement=_ktp(service))
    assert refused.value.code == "file_content"


def test_files_need_a_requirement_of_the_service_and_are_capped(draft, service):
    with pytest.raises(CaseError) as refused:
        document_add(application=draft, upload=pdf(), by=draft.applicant)
    assert refused.value.code == "wrong_requirement"
    other = RequirementFactory(text="KTP", is_mandatory=True)
    with pytest.raises(CaseError):
        document_add(application=draft, upload=pdf(), by=draft.applicant, requirement=other)
    for _n in range(5):
        document_add(application=draft, upload=pdf(), by=draft.applicant, requirement=_ktp(service))
    with pytest.raises(CaseError) as refused:
        document_add(application=draft, upload=pdf(), by=draft.applicant, requirement=_ktp(service))
    assert refused.value.code == "too_many_files"


def test_a_survey_needs_a_known_mode_and_is_completed_once(at_survey):
    application, team = at_survey
    later = timezone.now() + timedelta(days=1)
    with pytest.raises(CaseError) as refused:
        survey_schedule(application=application, by=team, mode="drone", scheduled_at=later)
    assert refused.value.code == "mode"
    survey = survey_schedule(
        application=application, by=team, mode=Survey.Mode.VIDEO, scheduled_at=later
    )
    _the_day_comes(survey)
    survey_complete(survey=survey, by=team, findings="Sesuai.", recommendation="approve")
    with pytest.raises(CaseError) as refused:
        survey_complete(survey=survey, by=team, findings="Ubah.", recommendation="reject")
    assert refused.value.code == "done"
    survey.refresh_from_db()
    assert survey.findings == "Sesuai." and survey.recommendation == "approve"


def _the_day_comes(survey: Survey) -> None:
    """The survey's time has come: it was scheduled in the future, as it must be."""
    Survey.objects.filter(pk=survey.pk).update(scheduled_at=timezone.now() - timedelta(hours=1))
    survey.refresh_from_db()


def test_a_survey_result_is_refused_before_the_surveys_day(at_survey):
    application, team = at_survey
    survey = survey_schedule(
        application=application,
        by=team,
        mode=Survey.Mode.VIDEO,
        scheduled_at=timezone.now() + timedelta(days=2),
    )
    with pytest.raises(CaseError) as refused:
        survey_complete(survey=survey, by=team, findings="Sesuai.", recommendation="approve")
    assert refused.value.code == "survey_not_yet" and "catat hasilnya" in refused.value.message
    survey.refresh_from_db()
    assert survey.completed_at is None and survey.findings == ""
    _the_day_comes(survey)
    survey_complete(survey=survey, by=team, findings="Sesuai.", recommendation="approve")
    survey.refresh_from_db()
    assert survey.completed_at is not None
