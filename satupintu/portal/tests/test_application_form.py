"""The online form without friction: pre-filled from the account, a summary of what is still
missing before submitting, and a corrected file replacing the one sent before (kept for the
staff, marked as replaced), never shown twice to the applicant."""

import pytest
from django.urls import reverse

from satupintu.cases.models import Application, Document, Step
from satupintu.cases.services.workflow import application_act
from satupintu.cases.tests.factories import ApplicationFactory, WorkflowServiceFactory
from satupintu.cases.tests.files import pdf
from satupintu.catalog.tests.factories import RequirementFactory
from satupintu.malls.tests.factories import UserFactory, staff_member

pytestmark = pytest.mark.django_db
SCHEMA = [
    {"name": "nik", "label": {"id": "NIK pemohon", "en": "NIK"}, "type": "nik", "required": True},
    {"name": "nama", "label": {"id": "Nama lengkap", "en": "Full name"}, "type": "text"},
    {"name": "telepon", "label": {"id": "Nomor WhatsApp", "en": "WhatsApp"}, "type": "phone"},
    {"name": "alamat", "label": "Alamat bangunan", "type": "text", "required": True},
    {"name": "tanggal", "label": "Tanggal mulai", "type": "date"},
]
NIK = "3271014501900001"


@pytest.fixture
def service():
    service = WorkflowServiceFactory(
        name="Izin Reklame", form_schema=SCHEMA, workflow=(Step.DOCUMENT_CHECK,)
    )
    RequirementFactory(service=service, text="KTP pemohon", is_mandatory=True)
    return service


@pytest.fixture
def citizen(client):
    user = UserFactory(first_name="Siti", last_name="Aminah", nik=NIK, phone="+6281234567890")
    client.force_login(user)
    return user


def _start(client, service) -> Application:
    client.post(reverse("portal:apply", args=[service.pk]))
    return Application.objects.get(service=service)


def test_the_form_is_prefilled_from_the_account(client, citizen, service):
    application = _start(client, service)
    assert application.form_data == {
        "nik": NIK,
        "nama": "Siti Aminah",
        "telepon": "+6281234567890",
    }
    page = client.get(reverse("portal:application", args=[application.pk])).text
    assert f'value="{NIK}"' in page and 'value="Siti Aminah"' in page
    assert 'type="tel"' in page and 'inputmode="tel"' in page and 'type="date"' in page
    assert 'id="f-nib" name="nib" type="text"' in page and 'inputmode="numeric"' in page


def test_the_draft_says_what_is_still_missing_and_when_nothing_is(client, citizen, service):
    application = _start(client, service)
    url = reverse("portal:application", args=[application.pk])
    page = client.get(url).text
    summary = page[page.index('data-missing="yes"') : page.index("</section>")]
    assert "Alamat bangunan" in summary and 'href="#f-alamat"' in summary
    assert "KTP pemohon" in summary
    assert "NIK pemohon" not in summary  # the account filled it in
    requirement = service.requirements.get()
    client.post(
        url,
        {"action": "save", "nik": NIK, "alamat": "Jl. Pajajaran 1", f"req-{requirement.pk}": pdf()},
    )
    page = client.get(url).text
    assert 'data-missing="no"' in page and 'data-missing="yes"' not in page


def test_a_corrected_file_replaces_the_first_for_the_applicant_and_both_stay_for_staff(
    client, citizen, service
):
    requirement = service.requirements.get()
    application = ApplicationFactory(applicant=citizen, service=service, form_data={})
    url = reverse("portal:application", args=[application.pk])
    client.post(
        url,
        {
            "action": "submit",
            "nik": NIK,
            "alamat": "Jl. Pajajaran 1",
            f"req-{requirement.pk}": pdf("ktp-buram.pdf"),
        },
    )
    officer = staff_member("front_office", agency=service.agency)
    application.refresh_from_db()
    application_act(application=application, actor=officer, action="return", note="KTP buram.")
    client.post(
        url,
        {"action": "submit", "alamat": "Jl. Pajajaran 1", f"req-{requirement.pk}": pdf("ktp.pdf")},
    )
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    old, new = Document.objects.filter(application=application).order_by("pk")
    assert old.superseded_by == new and new.superseded_by is None and old.file
    mine = client.get(url).text
    assert "ktp.pdf" in mine and "ktp-buram.pdf" not in mine
    client.force_login(officer)
    case = client.get(reverse("backoffice:case", args=[application.pk])).text
    assert f'data-superseded="{old.pk}"' in case and "ktp-buram.pdf" in case
    assert f'data-superseded="{new.pk}"' not in case and "ktp.pdf" in case
