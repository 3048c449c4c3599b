"""A business applicant checks their NIB with OSS on the portal's form: checkNIB, then the
business's name, NPWP and address filled from inqueryNIB; an unknown NIB said so; OSS down or
slow never stops them (the NIB then stays, marked as not checked)."""

import pytest
from django.urls import reverse

from satupintu.cases.models import Application, Step
from satupintu.cases.services.drafts import application_update_draft
from satupintu.cases.services.forms import NIB_CHECK
from satupintu.cases.tests.factories import WorkflowServiceFactory
from satupintu.malls.tests.factories import MallFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db
NIB = "8120000000001"
NIK = "3271014501900001"
SCHEMA = [
    {"name": "nik", "label": "NIK pemohon", "type": "nik", "required": True},
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
def application(client, service):
    citizen = UserFactory(first_name="Siti", last_name="Aminah", nik=NIK)
    client.force_login(citizen)
    client.post(reverse("portal:apply", args=[service.pk]))
    return Application.objects.get(service=service)


def check(client, application, nib=NIB, **answers):
    url = reverse("portal:application", args=[application.pk])
    return client.post(url, {"action": "check_nib", "nib": nib, "nik": NIK, **answers}, follow=True)


def test_another_malls_oss_integration_gives_no_check(client, application, oss_integration):
    oss_integration(mall=MallFactory())
    page = client.get(reverse("portal:application", args=[application.pk])).text
    assert 'value="check_nib"' not in page and 'id="f-nib"' in page


def test_a_known_nib_is_checked_and_fills_the_business(client, application, connected, oss):
    page = client.get(reverse("portal:application", args=[application.pk])).text
    assert 'name="action" value="check_nib"' in page
    answer = check(client, application)
    application.refresh_from_db()
    assert application.nib == NIB
    assert application.form_data["nama_usaha"] == "PT Roti Bogor"
    assert application.form_data["npwp_usaha"] == "012345617000000"
    assert application.form_data["alamat_usaha"].startswith("Jl. Suryakencana 5")
    record = application.form_data[NIB_CHECK]
    assert record["checked"] is True and record["nib"] == NIB and record["active"] is True
    assert [body["CHECKNIB"] for body in oss.received("checkNIB")] == [{"nib": NIB}]
    assert [body["INQUERYNIB"] for body in oss.received("inqueryNIB")] == [{"nib": NIB}]
    assert "PT Roti Bogor" in answer.text and 'data-nib-checked="yes"' in answer.text


def test_what_the_applicant_typed_is_not_overwritten(client, application, connected):
    check(client, application, nama_usaha="Toko Roti Bu Siti")
    application.refresh_from_db()
    assert application.form_data["nama_usaha"] == "Toko Roti Bu Siti"
    assert application.form_data["npwp_usaha"] == "012345617000000"


def test_an_inactive_nib_is_checked_with_a_warning(client, application, connected, oss):
    oss.nibs[NIB]["status_nib"] = "05"
    answer = check(client, application)
    application.refresh_from_db()
    assert application.form_data[NIB_CHECK]["active"] is False
    assert 'data-nib-checked="yes"' in answer.text and "NIB tidak aktif" in answer.text


def test_an_unknown_nib_is_said_so_and_stays_unchecked(client, application, connected):
    answer = check(client, application, nib="8120000000099")
    application.refresh_from_db()
    assert application.nib == "8120000000099"
    assert application.form_data[NIB_CHECK] == {
        "nib": "8120000000099",
        "checked": False,
        "at": application.form_data[NIB_CHECK]["at"],
        "reason": "nib_not_found",
    }
    assert "8120000000099" in answer.text and 'data-nib-checked="no"' in answer.text
    assert "nama_usaha" not in application.form_data


def test_a_short_nib_is_refused_before_asking_oss(client, application, connected, oss):
    answer = check(client, application, nib="81200")
    assert answer.status_code == 200
    assert "13" in answer.text  # the field's message: an NIB has 13 digits
    assert oss.requests == []
    application.refresh_from_db()
    assert NIB_CHECK not in application.form_data


@pytest.mark.parametrize("fault", ["down", "slow", "http500"])
def test_oss_down_or_slow_lets_the_applicant_go_on_unchecked(
    client, application, connected, oss, closed_url, fault
):
    if fault == "down":
        connected.base_url = closed_url
        connected.save()
    elif fault == "slow":
        oss.delay = 1
    else:
        oss.fault("*", "http500")
    answer = check(client, application, nama_usaha="Toko Roti", alamat_usaha="Jl. Baru 1")
    assert answer.status_code == 200 and "OSS" in answer.text
    application.refresh_from_db()
    assert application.form_data[NIB_CHECK]["checked"] is False
    assert application.form_data[NIB_CHECK]["reason"] == "oss_unavailable"
    assert 'data-nib-checked="no"' in answer.text
    url = reverse("portal:application", args=[application.pk])
    client.post(url, {"action": "submit", "nib": NIB, "nik": NIK, "nama_usaha": "Toko Roti"})
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    assert application.nib == NIB and application.form_data[NIB_CHECK]["checked"] is False


def test_the_check_stays_with_the_submitted_application_for_the_staff(
    client, application, connected, service
):
    check(client, application)
    url = reverse("portal:application", args=[application.pk])
    client.post(url, {"action": "submit", "nib": NIB, "nik": NIK, "nama_usaha": "PT Roti Bogor"})
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    assert application.form_data[NIB_CHECK]["checked"] is True
    client.force_login(staff_member("front_office", agency=service.agency))
    case = client.get(reverse("backoffice:case", args=[application.pk])).text
    assert 'data-nib-checked="yes"' in case and "PT Roti Bogor" in case


def test_the_staff_see_a_nib_nobody_checked_as_not_checked(client, application, connected, service):
    url = reverse("portal:application", args=[application.pk])
    client.post(url, {"action": "submit", "nib": NIB, "nik": NIK, "nama_usaha": "Toko Roti"})
    client.force_login(staff_member("front_office", agency=service.agency))
    case = client.get(reverse("backoffice:case", args=[application.pk])).text
    assert f"NIB {NIB}" in case and 'data-nib-checked="no"' in case


def test_changing_the_nib_drops_the_check(client, application, connected):
    check(client, application)
    url = reverse("portal:application", args=[application.pk])
    client.post(url, {"action": "save", "nib": "8120000000002", "nik": NIK})
    application.refresh_from_db()
    assert NIB_CHECK not in application.form_data
    page = client.get(url).text
    assert 'data-nib-checked="no"' in page and 'data-nib-checked="yes"' not in page


def test_an_applicant_cannot_claim_a_check_through_the_answers(application):
    forged = {"nib": NIB, "checked": True, "name": "PT Palsu"}
    application_update_draft(application=application, form_data={NIB_CHECK: forged}, nib=NIB)
    application.refresh_from_db()
    assert NIB_CHECK not in application.form_data
