"""The questionnaire by its one-use link: answered once, anonymously; every bad input gets a
clear message and stores nothing."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from satupintu.surveys.elements import COMMENT_MAX, ELEMENTS
from satupintu.surveys.errors import SurveyError
from satupintu.surveys.models import Response
from satupintu.surveys.services.responses import response_submit
from satupintu.surveys.tests.factories import answers, invitation

pytestmark = pytest.mark.django_db


def _url(token: str) -> str:
    return reverse("surveys:form", args=[token])


def test_the_form_shows_nine_fieldsets_of_four_radios_in_indonesian_and_english(client):
    _made, token = invitation()
    page = client.get(_url(token)).text
    assert page.count("<fieldset") == 10  # nine elements and the profile
    assert page.count('type="radio"') == 36
    assert "Persyaratan" in page and "Sangat sesuai" in page and "Gratis" in page
    english = client.get("/en" + _url(token)).text
    assert "Requirements" in english and "Very appropriate" in english


def test_answering_stores_an_anonymous_response_and_uses_the_link(client):
    made, token = invitation(source_id=987_654_321)
    posted = {**answers(4, 3, 2, 4, 3, 3, 4, 1, 2), "gender": "P", "education": "d4-s1"}
    posted["comment"] = "Ruang tunggu nyaman."
    page = client.post(_url(token), posted)
    assert page.status_code == 302 and page["Location"] == reverse("surveys:thanks")
    response = Response.objects.get()
    assert [getattr(response, e.field) for e in ELEMENTS] == [4, 3, 2, 4, 3, 3, 4, 1, 2]
    assert (response.gender, response.education, response.age_band) == ("P", "d4-s1", "")
    assert (response.service, response.agency, response.mall) == (
        made.service,
        made.agency,
        made.mall,
    )
    assert response.channel == Response.Channel.ONLINE
    made.refresh_from_db()
    assert made.used_on == response.date
    # Nothing links the response to the invitation, the event or a person: no such column,
    # and the day (no time) is all that is kept of when.
    columns = {f.column for f in Response._meta.concrete_fields}
    assert not columns & {"invitation_id", "user_id", "citizen_id", "booking_id", "created_at"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM surveys_response")
        flat = " ".join(str(v) for v in cursor.fetchone())
    assert "987654321" not in flat and made.token_hash not in flat


def test_a_link_used_twice_says_so_and_stores_nothing_more(client):
    _made, token = invitation()
    client.post(_url(token), answers())
    again = client.post(_url(token), answers(1, 1, 1, 1, 1, 1, 1, 1, 1))
    assert again.status_code == 410
    assert "sudah diisi" in again.text
    assert client.get(_url(token)).status_code == 410
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_four_submissions_of_one_link_at_once_store_one_response():
    _made, token = invitation()
    start = threading.Barrier(4)
    outcomes = []

    def submit():
        try:
            start.wait()
            response_submit(token=token, scores=answers(), profile={})
            outcomes.append("stored")
        except SurveyError as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stored", "used", "used", "used"]
    assert Response.objects.count() == 1


def test_an_expired_or_unknown_link_says_so(client):
    _made, expired = invitation(expires_in=timedelta(seconds=-1))
    page = client.post(_url(expired), answers())
    assert page.status_code == 410 and "kedaluwarsa" in page.text
    unknown = client.get(_url("tebakan-saja"))
    assert unknown.status_code == 404 and "tidak berlaku" in unknown.text
    assert client.post(_url("x" * 5000), answers()).status_code == 404
    assert not Response.objects.exists()


@pytest.mark.parametrize("bad", ["0", "5", "-1", "2.5", "empat", "99999999", "1e0", "4" * 5000])
def test_an_answer_outside_1_to_4_is_refused_with_a_message(client, bad):
    made, token = invitation()
    page = client.post(_url(token), {**answers(), "u4": bad})
    assert page.status_code == 200
    assert "U4: pilih salah satu dari empat jawaban" in page.text
    assert not Response.objects.exists()
    made.refresh_from_db()
    assert made.used_on is None  # the link still works


@pytest.mark.parametrize("bad", ["4\x00", "\x00"])
def test_a_nul_in_an_answer_is_refused_before_the_form_and_the_link_still_works(client, bad):
    made, token = invitation()
    page = client.post(_url(token), {**answers(), "u4": bad})
    assert page.status_code == 400 and "NUL" in page.text
    assert not Response.objects.exists()
    made.refresh_from_db()
    assert made.used_on is None


def test_missing_answers_are_named_and_the_given_ones_kept(client):
    _made, token = invitation()
    posted = answers()
    del posted["u2"], posted["u9"]
    page = client.post(_url(token), posted)
    assert "2 belum dijawab" in page.text
    assert "Jawab U2" in page.text and "Jawab U9" in page.text
    assert page.text.count("checked") == 7
    assert not Response.objects.exists()


def test_a_huge_comment_or_an_unknown_profile_answer_is_refused(client):
    _made, token = invitation()
    page = client.post(_url(token), {**answers(), "comment": "a" * (COMMENT_MAX + 1)})
    assert "terlalu panjang" in page.text
    page = client.post(_url(token), {**answers(), "comment": "b" * 1_000_000})
    assert page.status_code in (200, 400)
    page = client.post(_url(token), {**answers(), "occupation": "presiden"})
    assert "Pilih salah satu pilihan" in page.text
    assert not Response.objects.exists()
