"""A walk-in without a phone or email gets their account's claim code on a printed slip: shown
once, voided by a newer one, printed only by the front office of the case's agency, and good on
the portal's claim page."""

import re

import pytest
from django.urls import reverse

from satupintu.accounts.models import User
from satupintu.cases.models import Application, Step
from satupintu.cases.tests.factories import ApplicationFactory, WorkflowServiceFactory, staff_of
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.tests.factories import UserFactory, staff_member

pytestmark = pytest.mark.django_db
NIK = "3271014501900001"
NEW_PASSWORD = "sandi-ani-yang-baru-2026"  # noqa: S105


@pytest.fixture
def service():
    return WorkflowServiceFactory(
        name="Izin Reklame", form_schema=[], workflow=(Step.DOCUMENT_CHECK, Step.VERIFICATION)
    )


@pytest.fixture
def officers(service):
    return staff_of(service, "front_office", "technical_team")


def _walk_in(client, service, **extra):
    return client.post(
        reverse("backoffice:case-new"),
        {"service": service.pk, "nik": NIK, "name": "Ani Lestari", **extra},
    )


def _code(page) -> str:
    found = re.search(r'class="code">(\d{6})<', page.text)
    assert found, "no claim code on the page"
    return found.group(1)


def _claim(client, code, password=NEW_PASSWORD):
    return client.post(
        reverse("portal:claim"),
        {"nik": NIK, "code": code, "password1": password, "password2": password},
    )


def test_a_walk_in_without_contact_gets_a_slip_shown_once_that_claims_the_account(
    client, service, officers
):
    client.force_login(officers["front_office"])
    filed = _walk_in(client, service)
    application = Application.objects.get()
    slip_url = reverse("backoffice:case-claim-slip", args=[application.pk])
    assert filed.status_code == 302 and filed.url == slip_url
    page = client.get(slip_url)
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    code = _code(page)
    assert application.tracking_number in page.text
    assert "/klaim/" in page.text and "data:image/svg+xml" in page.text  # the address, the QR
    assert "3271 •••• •••• 0001" in page.text  # the NIK masked
    again = client.get(slip_url)
    assert not re.search(r'class="code">\d{6}<', again.text)
    assert "hanya ditampilkan sekali" in again.text

    client.logout()
    claimed = _claim(client, code)
    assert claimed.status_code == 302 and claimed.url == reverse("portal:login")
    ani = User.objects.get(nik=NIK)
    assert ani.check_password(NEW_PASSWORD)
    assert _claim(client, code, "another-pass-2026").status_code == 200  # used once only
    ani.refresh_from_db()
    assert ani.check_password(NEW_PASSWORD)


def test_a_new_slip_voids_the_old_and_a_claimed_account_gets_none(client, service, officers):
    client.force_login(officers["front_office"])
    _walk_in(client, service)
    application = Application.objects.get()
    slip_url = reverse("backoffice:case-claim-slip", args=[application.pk])
    old = _code(client.get(slip_url))
    assert client.post(slip_url).url == slip_url
    new = _code(client.get(slip_url))
    assert _claim(client, old).status_code == 200  # refused: the page again
    assert not User.objects.get(nik=NIK).has_usable_password()
    assert _claim(client, new).status_code == 302

    client.force_login(officers["front_office"])
    refused = client.post(slip_url, follow=True)
    assert "sudah memiliki kata sandi" in refused.text
    assert not re.search(r'class="code">\d{6}<', refused.text)


def test_only_the_front_office_of_the_cases_agency_prints_a_slip(client, service, officers):
    applicant = UserFactory(nik=NIK)
    applicant.set_unusable_password()
    applicant.save()
    application = ApplicationFactory(applicant=applicant, service=service, submitted=True)
    slip_url = reverse("backoffice:case-claim-slip", args=[application.pk])
    client.force_login(officers["technical_team"])
    assert client.post(slip_url).status_code == 403
    client.force_login(staff_member("front_office", agency=ServiceFactory().agency))
    assert client.post(slip_url).status_code == 404
    client.force_login(applicant)
    assert client.post(slip_url).status_code == 404
    client.force_login(officers["front_office"])
    case_page = client.get(reverse("backoffice:case", args=[application.pk]))
    assert slip_url in case_page.text
    assert client.post(slip_url).status_code == 302
    assert re.fullmatch(r"\d{6}", _code(client.get(slip_url)))


def test_a_walk_in_with_a_phone_gets_a_slip_only_when_asked(client, service, officers):
    client.force_login(officers["front_office"])
    filed = _walk_in(client, service, phone="081234567890")
    application = Application.objects.get()
    assert filed.url == reverse("backoffice:case", args=[application.pk])
    asked = client.post(
        reverse("backoffice:case-new"),
        {"service": service.pk, "nik": NIK, "slip": "1"},
    )
    second = Application.objects.latest("pk")
    assert asked.url == reverse("backoffice:case-claim-slip", args=[second.pk])
