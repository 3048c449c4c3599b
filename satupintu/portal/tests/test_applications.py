"""Citizen pages of applications: start, keep a draft, upload the checklist, submit, fix what
comes back, see only one's own, print the receipt."""

import pytest
from django.urls import reverse

from satupintu.cases.models import Application, Document, Step
from satupintu.cases.services.documents import document_add
from satupintu.cases.services.workflow import application_act
from satupintu.cases.tests.factories import ApplicationFactory, WorkflowServiceFactory
from satupintu.cases.tests.files import pdf
from satupintu.catalog.tests.factories import RequirementFactory, ServiceFactory
from satupintu.malls.tests.factories import UserFactory, staff_member

pytestmark = pytest.mark.django_db
SCHEMA = [
    {
        "name": "nik",
        "label": {"id": "NIK pemohon", "en": "Applicant's NIK"},
        "type": "nik",
        "required": True,
    },
    {
        "name": "fungsi",
        "label": "Fungsi bangunan",
        "type": "select",
        "choices": ["rumah", "usaha"],
        "required": True,
    },
]


@pytest.fixture
def service():
    service = WorkflowServiceFactory(
        name="Persetujuan Bangunan Gedung", form_schema=SCHEMA, workflow=(Step.DOCUMENT_CHECK,)
    )
    RequirementFactory(service=service, text="KTP pemohon", is_mandatory=True)
    return service


@pytest.fixture
def citizen(client):
    user = UserFactory(email="warga@example.id", phone="+6281234567890")
    client.force_login(user)
    return user


def _start(client, service) -> Application:
    response = client.post(reverse("portal:apply", args=[service.pk]))
    assert response.status_code == 302
    return Application.objects.get(service=service)


def test_apply_keeps_a_draft_shows_errors_in_indonesian_and_submits(client, citizen, service):
    page = client.get(reverse("portal:apply", args=[service.pk]))
    assert "KTP pemohon" in page.text
    application = _start(client, service)
    url = reverse("portal:application", args=[application.pk])
    assert client.post(reverse("portal:apply", args=[service.pk])).url == url  # one draft
    requirement = service.requirements.get()
    page = client.post(url, {"nik": "123", "fungsi": "rumah", "action": "submit"})
    assert page.status_code == 200
    assert "NIK yang valid" in page.text  # the field's error, in Indonesian
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert application.form_data["nik"] == "123"  # nothing typed is lost
    saved = client.post(
        url,
        {
            "nik": "3271014501900001",
            "fungsi": "rumah",
            "action": "save",
            f"req-{requirement.pk}": pdf(),
        },
    )
    assert saved.status_code == 302
    assert application.documents.count() == 1
    sent = client.post(url, {"nik": "3271014501900001", "fungsi": "rumah", "action": "submit"})
    assert sent.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    assert application.due_date is not None
    listing = client.get(reverse("portal:applications")).text
    assert application.tracking_number in listing


def test_a_disguised_upload_is_refused_with_a_message_and_the_answers_kept(
    client, citizen, service
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    application = _start(client, service)
    requirement = service.requirements.get()
    exe = SimpleUploadedFile("ktp.pdf", b"MZ" + b"\x00" * 100, "application/pdf")
    page = client.post(
        reverse("portal:application", args=[application.pk]),
        {
            "nik": "3271014501900001",
            "fungsi": "usaha",
            "action": "save",
            f"req-{requirement.pk}": exe,
        },
    )
    assert page.status_code == 200
    assert "Hanya berkas berikut yang diterima, diperiksa dari isinya: PDF, JPEG, PNG" in page.text
    application.refresh_from_db()
    assert application.form_data["fungsi"] == "usaha"
    assert not Document.objects.exists()


def test_another_citizen_sees_nothing_of_it(client, citizen, service):
    application = _start(client, service)
    requirement = service.requirements.get()
    document = document_add(
        application=application, upload=pdf(), by=citizen, requirement=requirement
    )
    client.force_login(UserFactory())
    pk = application.pk
    for name, args in (
        ("portal:application", [pk]),
        ("portal:application-file", [pk, document.pk]),
        ("portal:application-receipt", [pk]),
        ("portal:application-product", [pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    for name, args in (
        ("portal:application-cancel", [pk]),
        ("portal:application-file-remove", [pk, document.pk]),
    ):
        assert client.post(reverse(name, args=args)).status_code == 404, name
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT and application.documents.count() == 1


def test_my_applications_list_is_a_fixed_number_of_queries(
    client, citizen, service, django_assert_max_num_queries
):
    for _n in range(15):
        ApplicationFactory(applicant=citizen, service=ServiceFactory())
    with django_assert_max_num_queries(8):
        page = client.get(reverse("portal:applications"))
    assert page.text.count("MPP-") == 15


def test_returned_for_revision_the_citizen_fixes_and_sends_it_back(client, citizen, service):
    application = _start(client, service)
    url = reverse("portal:application", args=[application.pk])
    requirement = service.requirements.get()
    client.post(
        url,
        {
            "nik": "3271014501900001",
            "fungsi": "rumah",
            "action": "submit",
            f"req-{requirement.pk}": pdf(),
        },
    )
    application.refresh_from_db()
    application_act(
        application=application,
        actor=staff_member("front_office", agency=service.agency),
        action="return",
        note="KTP buram, unggah ulang.",
    )
    page = client.get(url).text
    assert "KTP buram, unggah ulang." in page
    client.post(
        url,
        {
            "nik": "3271014501900001",
            "fungsi": "rumah",
            "action": "submit",
            f"req-{requirement.pk}": pdf("ktp-jelas.pdf"),
        },
    )
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    assert application.documents.count() == 2


def test_in_person_only_services_have_no_apply_page(client, citizen):
    in_person = ServiceFactory(in_person_only=True)
    assert client.get(reverse("portal:apply", args=[in_person.pk])).status_code == 404


def test_a_file_name_too_long_is_refused_with_a_message_not_cut(client, citizen, service):
    application = _start(client, service)
    requirement = service.requirements.get()
    url = reverse("portal:application", args=[application.pk])
    fields = {"nik": "3271014501900001", "fungsi": "usaha", "action": "save"}
    page = client.post(url, {**fields, f"req-{requirement.pk}": pdf("k" * 197 + ".pdf")})
    assert page.status_code == 200
    assert "201 karakter" in page.text and "paling banyak 200" in page.text
    assert not Document.objects.exists()
    client.post(url, {**fields, f"req-{requirement.pk}": pdf("k" * 196 + ".pdf")})
    assert Document.objects.get().name == "k" * 196 + ".pdf"  # 200 characters: kept whole
