"""OSS at the front office and on the case page: the officer filing a business applicant's
case at the counter checks their NIB with OSS as the portal's form does; on an OSS-born case
the officer asks OSS what it holds of the permit (checkLicenseStatus, inqueryFileDS), with a
clear message when OSS is down; a signed file OSS names is fetched by the outbox, from OSS's
own hosts only, and served to the agency's staff."""

import pytest
from django.urls import reverse

from satupintu.cases.models import Application, OssLink, Step
from satupintu.cases.services.forms import NIB_CHECK
from satupintu.cases.tests.factories import ApplicationFactory, WorkflowServiceFactory
from satupintu.cases.tests.files import PDF
from satupintu.integrations.models import IntegrationEvent, OutboundCall
from satupintu.integrations.services import call_attempt
from satupintu.malls.tests.factories import MallFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db
NIB = "8120000000001"
NIK = "3271014501900001"
ID_IZIN = "I-202611300001234567890"
SCHEMA = [
    {"name": "nama_usaha", "label": "Nama usaha", "type": "text", "required": True},
    {"name": "npwp_usaha", "label": "NPWP usaha", "type": "npwp"},
    {"name": "alamat_usaha", "label": "Alamat usaha", "type": "textarea"},
]


@pytest.fixture
def service():
    return WorkflowServiceFactory(
        name="Izin Usaha Toko", form_schema=SCHEMA, workflow=(Step.DOCUMENT_CHECK,)
    )


@pytest.fixture
def officer(service):
    return staff_member("front_office", agency=service.agency)


@pytest.fixture
def filed(client, service, officer):
    """A walk-in's case, filed by the front office: a draft the officer fills at the counter."""
    client.force_login(officer)
    client.post(
        reverse("backoffice:case-new"),
        {"service": service.pk, "nik": NIK, "name": "Siti Aminah", "phone": "081234567890"},
    )
    return Application.objects.get(service=service)


def check(client, application, nib=NIB, **answers):
    url = reverse("backoffice:case", args=[application.pk])
    return client.post(url, {"action": "check_nib", "nib": nib, **answers}, follow=True)


def test_the_counter_checks_a_walk_ins_nib_and_fills_the_business(client, filed, connected, oss):
    page = client.get(reverse("backoffice:case", args=[filed.pk])).text
    assert 'name="action" value="check_nib"' in page

    answer = check(client, filed)

    filed.refresh_from_db()
    assert filed.status == Application.Status.DRAFT and filed.nib == NIB
    assert filed.form_data["nama_usaha"] == "PT Roti Bogor"
    assert filed.form_data["npwp_usaha"] == "012345617000000"
    assert filed.form_data[NIB_CHECK]["checked"] is True
    assert [body["CHECKNIB"] for body in oss.received("checkNIB")] == [{"nib": NIB}]
    assert 'data-nib-checked="yes"' in answer.text and "PT Roti Bogor" in answer.text


def test_the_counter_goes_on_unchecked_when_oss_is_down(client, filed, connected, oss):
    oss.fault("*", "http504")
    answer = check(client, filed, nama_usaha="Toko Roti")
    assert answer.status_code == 200 and "OSS" in answer.text
    filed.refresh_from_db()
    assert filed.form_data[NIB_CHECK] == {
        "nib": NIB,
        "checked": False,
        "at": filed.form_data[NIB_CHECK]["at"],
        "reason": "oss_unavailable",
    }
    url = reverse("backoffice:case", args=[filed.pk])
    client.post(url, {"action": "submit", "nib": NIB, "nama_usaha": "Toko Roti"})
    filed.refresh_from_db()
    assert filed.status == Application.Status.IN_PROGRESS
    event = IntegrationEvent.objects.filter(operation="oss.checkNIB").latest("pk")
    assert not event.ok and NIB not in event.message


def test_an_unknown_nib_at_the_counter_is_said_so(client, filed, connected):
    answer = check(client, filed, nib="8120000000099")
    filed.refresh_from_db()
    assert filed.form_data[NIB_CHECK]["reason"] == "nib_not_found"
    assert "8120000000099" in answer.text and "nama_usaha" not in filed.form_data


def test_without_an_oss_integration_of_its_mall_the_counter_has_no_check(
    client, filed, oss_integration, oss
):
    oss_integration(mall=MallFactory())
    page = client.get(reverse("backoffice:case", args=[filed.pk])).text
    assert 'value="check_nib"' not in page
    check(client, filed)
    assert oss.requests == []
    filed.refresh_from_db()
    assert NIB_CHECK not in filed.form_data


def test_a_case_the_applicant_filed_online_is_not_checked_by_the_staff(
    client, service, officer, connected, oss
):
    draft = ApplicationFactory(service=service, applicant=UserFactory(), nib=NIB)
    check(client, draft)
    assert oss.requests == []
    draft.refresh_from_db()
    assert NIB_CHECK not in draft.form_data


# --- an OSS-born case on the case page --------------------------------------------------------


@pytest.fixture
def born(service):
    """A submitted case OSS pushed (its link as receiveNIB leaves it)."""
    application = ApplicationFactory(
        service=service,
        applicant=UserFactory(),
        form_data={"nama_usaha": "PT Roti Bogor"},
        nib=NIB,
        submitted=True,
    )
    OssLink.objects.create(
        application=application,
        nib=NIB,
        id_izin=ID_IZIN,
        kd_izin="033000000001",
        kd_daerah="3271000000",
        business_name="PT Roti Bogor",
        last_kd_status="10",
    )
    return application


def ask(client, application):
    return client.post(reverse("backoffice:case-oss", args=[application.pk]), follow=True)


def test_the_officer_sees_what_oss_holds_and_its_signed_file_is_fetched_by_the_outbox(
    client, born, officer, connected, oss
):
    oss.permits[ID_IZIN] = {"nib": NIB, "kd_status": "50"}
    signed = oss.add_file("izin-ds.pdf", PDF)
    oss.add_file_ds(ID_IZIN, signed)
    client.force_login(officer)
    page = client.get(reverse("backoffice:case", args=[born.pk])).text
    assert 'id="oss"' in page and ID_IZIN in page

    answer = ask(client, born)

    assert "50" in answer.text and "Disetujui" in answer.text
    assert oss.received("checkLicenseStatus")[0] == {"CHECKLICENSESTATUS": {"id_izin": ID_IZIN}}
    assert oss.received("inqueryFileDS")[0] == {"INQUERYFILEDS": {"id_permohonan_izin": ID_IZIN}}
    assert 'data-oss-signed="fetching"' in answer.text
    files_asked = [r for r in oss.requests if r.path.startswith("/files/")]
    assert files_asked == []  # not inside the officer's request
    call = OutboundCall.objects.get(operation="oss.fetchFileDS")
    assert call_attempt(call_id=call.pk).status == OutboundCall.Status.DONE
    response = client.get(reverse("backoffice:case-oss-file", args=[born.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    ask(client, born)  # asked again: the same link, nothing queued again
    assert OutboundCall.objects.filter(operation="oss.fetchFileDS").count() == 1


def test_oss_not_knowing_the_permit_or_not_having_signed_it_is_said_so(
    client, born, officer, connected, oss
):
    oss.known_permits_only = True
    client.force_login(officer)
    answer = ask(client, born)
    assert ID_IZIN in answer.text and "tidak" in answer.text.lower()
    assert not OutboundCall.objects.exists()


@pytest.mark.parametrize("fault", ["down", "http500", "garbage"])
def test_oss_down_gives_the_officer_a_clear_message_and_changes_nothing(
    client, born, officer, connected, oss, closed_url, fault
):
    if fault == "down":
        connected.base_url = closed_url
        connected.save()
    else:
        oss.fault("*", fault)
    client.force_login(officer)
    answer = ask(client, born)
    assert answer.status_code == 200
    assert "OSS tidak dapat dihubungi" in answer.text or "OSS cannot be reached" in answer.text
    assert not OutboundCall.objects.exists()
    assert IntegrationEvent.objects.filter(operation="oss.checkLicenseStatus", ok=False).exists()


def test_a_signed_file_link_off_oss_hosts_is_not_fetched(client, born, officer, connected, oss):
    oss.permits[ID_IZIN] = {"nib": NIB, "kd_status": "50"}
    oss.add_file_ds(ID_IZIN, "http://169.254.169.254/latest/meta-data")
    client.force_login(officer)
    ask(client, born)
    assert not OutboundCall.objects.exists()
    assert OssLink.objects.get().signed_file_url == ""
    event = IntegrationEvent.objects.filter(operation="oss.inqueryFileDS").latest("pk")
    assert not event.ok and "host not allowed" in event.message


def test_only_the_cases_agency_asks_oss_or_reads_its_signed_file(
    client, born, connected, oss, service
):
    stranger = staff_member("front_office", agency=WorkflowServiceFactory().agency)
    client.force_login(stranger)
    assert client.post(reverse("backoffice:case-oss", args=[born.pk])).status_code == 404
    assert client.get(reverse("backoffice:case-oss-file", args=[born.pk])).status_code == 404
    assert oss.requests == []
    client.force_login(born.applicant)
    assert client.post(reverse("backoffice:case-oss", args=[born.pk])).status_code in (403, 404)


def test_a_case_not_born_in_oss_has_no_oss_panel(client, filed, connected, oss):
    assert 'id="oss"' not in client.get(reverse("backoffice:case", args=[filed.pk])).text
    assert client.post(reverse("backoffice:case-oss", args=[filed.pk])).status_code == 404
    assert oss.requests == []


def test_an_officer_asking_oss_too_often_is_told_to_wait_and_oss_is_not_asked(
    client, born, officer, connected, oss, settings
):
    settings.OSS_ASK_LIMIT, settings.OSS_ASK_WINDOW_SECONDS = 2, 300
    oss.permits[ID_IZIN] = {"nib": NIB, "kd_status": "50"}
    client.force_login(officer)
    for _n in range(2):
        assert "Disetujui" in ask(client, born).text
    asked = len(oss.received("checkLicenseStatus"))

    answer = ask(client, born)

    assert answer.status_code == 200
    assert "OSS terlalu sering ditanya. Tunggu 5 menit" in answer.text
    assert len(oss.received("checkLicenseStatus")) == asked == 2
    # Per person: another officer of the agency still asks.
    other = staff_member("front_office", agency=born.service.agency)
    client.force_login(other)
    assert "Disetujui" in ask(client, born).text
