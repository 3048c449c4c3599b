"""GET /api/v1/malls/{slug}/ikm/ and /api/v1/services/{id}/ikm/: the figures of the public
pages (the last twelve months, shown from ten respondents), computed here by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.malls.calendar import in_mall_time
from satupintu.surveys.tests.factories import response

pytestmark = pytest.mark.django_db


def _today(service):
    return in_mall_time(timezone.now(), service.agency.mall).date()


def test_the_mall_and_service_ikm_from_ten_respondents(client):
    service = ServiceFactory()
    other = ServiceFactory(agency=service.agency)
    today = _today(service)
    # Ten answers of all 3s and of one service: NRR 3 each, IKM 3.00, converted 75.00 (C).
    for n in range(10):
        response(service, today - timedelta(days=n), *(3,) * 9)
    # Ten more of another service, all 4s: the mall has 20, (10·3 + 10·4)/20 per element.
    for n in range(10):
        response(other, today - timedelta(days=n), *(4,) * 9)
    response(service, today - timedelta(days=400), *(1,) * 9)  # outside the twelve months

    answer = client.get(f"/api/v1/services/{service.pk}/ikm/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["enough"] is True and body["respondents"] == 10
    assert Decimal(body["ikm"]) == Decimal("75.00") and body["mutu"] == "C"
    assert body["minimum_respondents"] == 10
    assert body["end"] == today.isoformat()
    assert body["start"] == (today - timedelta(days=365)).isoformat()

    mall = client.get(f"/api/v1/malls/{service.agency.mall.slug}/ikm/").json()
    nrr = Decimal(10 * 3 + 10 * 4) / 20  # 3.5, the same for each of the nine elements
    assert mall["respondents"] == 20
    assert Decimal(mall["ikm"]) == (nrr * 25).quantize(Decimal("0.01"))  # 87.50
    assert mall["mutu"] == "B"
    english = client.get(
        f"/api/v1/malls/{service.agency.mall.slug}/ikm/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert english["mutu_label"] == "Good"


def test_a_service_is_withheld_when_the_mall_less_it_would_give_away_a_small_group(client):
    service = ServiceFactory()
    small = ServiceFactory(agency=service.agency)
    today = _today(service)
    for n in range(10):
        response(service, today - timedelta(days=n), *(3,) * 9)
    for n in range(2):
        response(small, today - timedelta(days=n), *(4,) * 9)
    url = f"/api/v1/services/{service.pk}/ikm/"
    mall_url = f"/api/v1/malls/{service.agency.mall.slug}/ikm/"
    # Were both the mall (12, 79.17) and this service (10, 75.00) shown, 12 × 3.1667 - 10 × 3
    # = 8 would be the two other respondents' sum per element: their answers, all 4s.
    mall = client.get(mall_url).json()
    assert mall["respondents"] == 12 and mall["ikm"] is not None
    body = client.get(url).json()
    assert body["enough"] is False and body["ikm"] is None and body["respondents"] is None
    page = client.get(reverse("portal:service", args=[service.pk])).text
    assert "belum ditampilkan" in page and "75,00" not in page
    # Eight more for the small service: it is shown itself (10), and so is this one.
    for n in range(8):
        response(small, today - timedelta(days=n), *(4,) * 9)
    assert client.get(url).json()["ikm"] == "75.00"
    assert client.get(f"/api/v1/services/{small.pk}/ikm/").json()["ikm"] == "100.00"


def test_below_ten_respondents_only_says_so(client):
    service = ServiceFactory()
    today = _today(service)
    for n in range(9):
        response(service, today - timedelta(days=n), *(4,) * 9)
    body = client.get(f"/api/v1/services/{service.pk}/ikm/").json()
    assert body["enough"] is False
    assert body["respondents"] is None and body["ikm"] is None and body["mutu"] is None


def test_an_unknown_mall_or_a_withdrawn_service_is_404_in_the_error_shape(client):
    service = ServiceFactory(is_active=False)
    for url in ("/api/v1/malls/tidak-ada/ikm/", f"/api/v1/services/{service.pk}/ikm/"):
        answer = client.get(url)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"
