"""The results of a scope and period from stored responses, against the population of
invitable events; the staff pages and reports showing them, within each person's scope; the
paper forms; the public figure on the portal."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from satupintu.booking.models import Ticket
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, UserFactory, staff_member
from satupintu.surveys import selectors
from satupintu.surveys.models import Response
from satupintu.surveys.tests.factories import answers, response

pytestmark = pytest.mark.django_db
Role = StaffMembership.Role
# The worked example of test_ikm: IKM 3.25, converted 81.25, B, U3 first.
WORKED = [
    (4, 4, 3, 3, 4, 4, 4, 3, 4),
    (3, 3, 3, 4, 3, 3, 4, 3, 3),
    (3, 2, 2, 4, 3, 3, 3, 2, 3),
    (4, 3, 2, 4, 4, 3, 4, 3, 3),
]


@pytest.fixture
def service():
    return ServiceFactory(name="Izin Usaha Mikro")


@pytest.fixture
def today(service):
    return timezone.localdate()


def _worked(service, day):
    for scores in WORKED:
        response(service, day, *scores, gender="L", comment="Petugas ramah, Budi 0812")


def _served(service, day, n):
    for number in range(1, n + 1):
        Ticket.objects.create(
            agency=service.agency,
            service=service,
            date=day,
            number=number,
            label=f"A-{number:03d}",
            status=Ticket.Status.SERVED,
        )


def test_the_worked_example_from_stored_responses_with_its_population(service, today):
    _worked(service, today)
    _served(service, today, 5)
    response(ServiceFactory(), today, 1, 1, 1, 1, 1, 1, 1, 1, 1)  # another agency's
    response(service, today - timedelta(days=40), 1, 1, 1, 1, 1, 1, 1, 1, 1)  # before
    scope = selectors.Scope(service.agency.mall, service.agency)
    result = selectors.ikm_results(scope=scope, period=selectors.Period(today, today))
    assert (result.respondents, result.population, result.sample_needed) == (4, 5, 5)
    assert (str(result.converted), result.mutu.grade, result.to_improve.code) == (
        "81.25",
        "B",
        "U3",
    )
    per_service = selectors.ikm_results(
        scope=selectors.Scope(service.agency.mall, service.agency, service),
        period=selectors.Period(today, today),
    )
    assert per_service.converted == result.converted


def test_a_manager_sees_the_mall_and_agency_staff_only_their_agency(client, service, today):
    _worked(service, today)
    mall = service.agency.mall
    other = AgencyFactory(mall=mall)
    url = reverse("backoffice:ikm", args=[mall.slug])
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    page = client.get(url)
    assert page.status_code == 200 and "81,25" in page.text and "Baik" in page.text
    assert "U3" in page.text and "Petugas ramah" in page.text
    officer = staff_member(Role.VERIFIER, agency=other)
    client.force_login(officer)
    own = client.get(url)
    assert own.status_code == 200 and "81,25" not in own.text  # their agency: no answers
    assert client.get(url, {"instansi": service.agency.pk}).status_code == 404
    assert client.get(url, {"layanan": service.pk}).status_code == 404
    client.force_login(staff_member(Role.MALL_MANAGER, mall=AgencyFactory().mall))
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-13-01", "2026-12-31", "dua tanggal"),
        ("2026-06-30", "2026-01-01", "berakhir sebelum dimulai"),
        ("2999-01-01", "2999-12-31", "belum dimulai"),
        ("1999-01-01", "1999-12-31", "sebelum tahun 2000"),
        ("2000-01-01", "2026-01-01", "lebih dari lima tahun"),
        ("", "2026-01-01", "dua tanggal"),
    ],
)
def test_an_impossible_period_gets_a_clear_message(client, service, start, end, message):
    mall = service.agency.mall
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    page = client.get(reverse("backoffice:ikm", args=[mall.slug]), {"dari": start, "sampai": end})
    assert page.status_code == 400 and message in page.text
    pdf = client.get(
        reverse("backoffice:ikm-pdf", args=[mall.slug]), {"dari": start, "sampai": end}
    )
    assert pdf.status_code == 400


def test_the_reports_carry_the_figures_and_no_personal_data(client, service, today):
    _worked(service, today)
    mall = service.agency.mall
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    query = {"dari": today.isoformat(), "sampai": today.isoformat()}
    sheet = client.get(reverse("backoffice:ikm-xlsx", args=[mall.slug]), query)
    assert sheet["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(BytesIO(sheet.content))
    cells = [str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row]
    assert "81.25" in cells and "B (Baik)" in cells and "3.25" in cells
    assert not any("Budi" in c or "0812" in c or "ramah" in c for c in cells)
    pdf = client.get(reverse("backoffice:ikm-pdf", args=[mall.slug]), query)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_front_office_types_in_paper_forms_checked_as_online_ones(client, service, today):
    mall = service.agency.mall
    officer = staff_member(Role.FRONT_OFFICE, agency=service.agency)
    client.force_login(officer)
    url = reverse("backoffice:ikm-paper", args=[mall.slug])
    assert client.get(url).status_code == 200
    form = {
        "service": service.pk,
        "filled_on": today.isoformat(),
        **answers(3, 3, 3, 3, 3, 3, 3, 3, 3),
    }
    assert client.post(url, form).status_code == 302
    stored = Response.objects.get()
    assert (stored.channel, stored.service, stored.date) == ("paper", service, today)
    refused = client.post(url, {**form, "u1": "5"})
    assert refused.status_code == 200 and "U1: pilih salah satu dari empat jawaban" in refused.text
    missing = dict(form)
    del missing["u7"]
    assert "1 belum dijawab" in client.post(url, missing).text
    future = {**form, "filled_on": (today + timedelta(days=2)).isoformat()}
    assert "tidak di masa depan" in client.post(url, future).text
    elsewhere = ServiceFactory(agency=AgencyFactory(mall=mall))
    assert "Pilih salah satu layanan" in client.post(url, {**form, "service": elsewhere.pk}).text
    assert Response.objects.count() == 1
    client.force_login(staff_member(Role.VERIFIER, agency=service.agency))
    assert client.get(url).status_code == 403
    client.force_login(staff_member(Role.FRONT_OFFICE, agency=AgencyFactory()))
    assert client.get(url).status_code == 404


def test_the_portal_shows_the_ikm_only_from_ten_respondents(client, service, today):
    mall = service.agency.mall
    pages = [reverse("portal:mall", args=[mall.slug]), reverse("portal:service", args=[service.pk])]
    for _n in range(9):
        response(service, today, 4, 4, 4, 4, 4, 4, 4, 4, 3)
    for url in pages:
        assert "belum ditampilkan" in client.get(url).text
    response(service, today, 4, 4, 4, 4, 4, 4, 4, 4, 3)
    response(service, date(2000, 1, 1), 1, 1, 1, 1, 1, 1, 1, 1, 1)  # long ago: not counted
    for url in pages:
        page = client.get(url).text
        # Σ NRR = 8 × 4 + 3 = 35; IKM = 35/9 = 3.8889; × 25 = 97.22 -> A.
        assert "97,22" in page
        assert "Sangat baik" in page and "10 responden" in page


def test_each_agencys_row_matches_its_own_ikm_and_the_page_counts_its_queries(
    client, service, today, django_assert_max_num_queries
):
    mall = service.agency.mall
    _worked(service, today)
    _served(service, today, 5)
    others = [ServiceFactory(agency=AgencyFactory(mall=mall)) for _n in range(4)]
    for n, other in enumerate(others):
        response(other, today, *[1 + n % 4] * 9)
        _served(other, today, n + 1)
    period = selectors.Period(today, today)
    rows = selectors.ikm_by_agency(scope=selectors.Scope(mall), period=period)
    assert len(rows) == 5
    for row in rows:
        alone = selectors.ikm_results(scope=selectors.Scope(mall, row.agency), period=period)
        assert (row.result.respondents, row.result.population, row.result.converted) == (
            alone.respondents,
            alone.population,
            alone.converted,
        )
    client.force_login(staff_member(Role.MALL_MANAGER, mall=mall))
    with django_assert_max_num_queries(30):
        assert client.get(reverse("backoffice:ikm", args=[mall.slug])).status_code == 200
