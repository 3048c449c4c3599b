"""Staff land on their work after signing in, with a header linking their pages; the
closure admin speaks the user's language."""

import pytest
from django.urls import reverse

from satupintu.booking.tests.factories import citizen, visit_service
from satupintu.malls.models import Counter, StaffMembership
from satupintu.malls.tests.factories import staff_member

pytestmark = pytest.mark.django_db
PASSWORD = "secret-pass-123"  # noqa: S105 - the factories' test password
Role = StaffMembership.Role


def _sign_in(client, user) -> str:
    """Sign in through the form as a person does; the page signing in leads to."""
    page = client.post(
        reverse("portal:login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert page.status_code == 200
    return page.redirect_chain[-1][0]


def test_a_front_office_lands_at_its_counter_and_sees_its_pages_in_the_header(client):
    service = visit_service()
    desk = Counter.objects.create(agency=service.agency, label="A3")
    officer = staff_member(Role.FRONT_OFFICE, agency=service.agency)
    assert _sign_in(client, officer) == reverse("backoffice:counter", args=[desk.pk])
    header = client.get(reverse("portal:home")).text
    header = header[
        header.index('<nav class="staff"') : header.index(
            "</nav>", header.index('<nav class="staff"')
        )
    ]
    for url in (
        reverse("backoffice:counter", args=[desk.pk]),
        reverse("backoffice:front-desk", args=[service.agency.mall.slug]),
        reverse("backoffice:cases"),
        reverse("backoffice:reports", args=[service.agency.mall.slug]),
    ):
        assert f'href="{url}"' in header


def test_a_front_office_without_counters_lands_at_the_front_desk(client):
    service = visit_service()
    officer = staff_member(Role.FRONT_OFFICE, agency=service.agency)
    assert _sign_in(client, officer) == reverse(
        "backoffice:front-desk", args=[service.agency.mall.slug]
    )


def test_a_verifier_lands_at_the_case_queue(client):
    service = visit_service()
    Counter.objects.create(agency=service.agency, label="A3")
    verifier = staff_member(Role.VERIFIER, agency=service.agency)
    assert _sign_in(client, verifier) == reverse("backoffice:cases")
    header = client.get(reverse("portal:home")).text
    assert "meja-depan" not in header and "/loket/" not in header


def test_a_mall_manager_lands_at_the_front_desk(client):
    service = visit_service()
    manager = staff_member(Role.MALL_MANAGER, mall=service.agency.mall)
    assert _sign_in(client, manager) == reverse(
        "backoffice:front-desk", args=[service.agency.mall.slug]
    )


def test_a_citizen_lands_in_the_inbox_without_a_staff_header(client):
    person = citizen()
    person.username = "warga-nav"
    person.save()
    assert _sign_in(client, person) == reverse("portal:inbox")
    assert '<nav class="staff"' not in client.get(reverse("portal:home")).text


def test_the_closure_admin_form_is_in_indonesian(client):
    service = visit_service()
    manager = staff_member(Role.MALL_MANAGER, mall=service.agency.mall)
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    page = client.get(reverse("admin:booking_closure_add"), HTTP_ACCEPT_LANGUAGE="id").text
    for label in ("MPP", "Jenis", "Nomor surat keputusan", "Hari pertama"):
        assert f">{label}:</label>" in page, label
    assert "Tidak ada: seluruh MPP." in page and "- Pilih salah satu -" in page
    for english in ("Mall:", "Agencies", "Kind:", "Decree number", "First day", "Select an option"):
        assert english not in page, english
