"""/keluar/ answers a typed address with a page; only a POST signs out."""

import pytest

from satupintu.malls.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_get_sign_out_shows_a_page_and_keeps_the_citizen_signed_in(client):
    client.force_login(UserFactory(username="siti", first_name="Siti", last_name="Aminah"))

    page = client.get("/keluar/")

    assert page.status_code == 200
    assert "Siti Aminah" in page.text and 'method="post"' in page.text
    assert client.get("/akun/pesan/").status_code == 200


def test_post_sign_out_signs_out(client):
    client.force_login(UserFactory(username="siti"))

    response = client.post("/keluar/")

    assert response.status_code == 302
    assert client.get("/akun/pesan/").status_code == 302


def test_get_sign_out_when_signed_out_says_so(client):
    page = client.get("/keluar/")

    assert page.status_code == 200
    assert "Anda sudah keluar" in page.text
