"""Tracking an application shows its steps to whoever has its number and the phone's last
four digits, and never personal data; the WhatsApp bot answers STATUS to the applicant."""

from dataclasses import asdict

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from satupintu.cases.selectors import track, track_own
from satupintu.cases.services.configuration import workflow
from satupintu.cases.services.workflow import application_act
from satupintu.cases.tests.factories import ApplicationFactory, WorkflowServiceFactory
from satupintu.malls.tests.factories import UserFactory, staff_member
from satupintu.notify import bot

pytestmark = pytest.mark.django_db
PHONE = "+6281234567890"


@pytest.fixture
def application():
    service = WorkflowServiceFactory(
        verified_then_decided=True, name="Surat Izin Praktik Bidan", form_schema=[]
    )
    applicant = UserFactory(
        first_name="Siti",
        last_name="Aminah",
        email="siti@example.id",
        phone=PHONE,
        nik="3271014501900001",
    )
    verifier = staff_member("verifier", agency=service.agency)
    submitted = ApplicationFactory(applicant=applicant, service=service, submitted=True)
    return application_act(application=submitted, actor=verifier, action="forward")


def test_tracking_shows_the_steps_and_nothing_personal(client, application):
    page = client.get(
        reverse("portal:tracking"), {"nomor": application.tracking_number, "hp": "7890"}
    )
    assert page.status_code == 200
    assert "Verifikasi" in page.text and "Penetapan" in page.text and "sekarang" in page.text
    for personal in ("Siti", "Aminah", "siti@example.id", "3271014501900001", PHONE):
        assert personal not in page.text
    wrong = client.get(
        reverse("portal:tracking"), {"nomor": application.tracking_number, "hp": "0000"}
    )
    assert wrong.status_code == 404 and "Penetapan" not in wrong.text


def test_the_api_tracks_with_the_last_four_digits(application):
    api = APIClient()
    url = f"/api/v1/track/{application.tracking_number}/"
    body = api.get(url, {"phone_last4": "7890"}).json()
    assert body["status"] == "in_progress"
    assert [s["step"] for s in body["steps"]] == ["verifikasi", "penetapan"]
    assert body["steps"][0]["done_at"] and body["steps"][1]["current"]
    assert "Siti" not in str(body) and PHONE not in str(body)
    assert api.get(url, {"phone_last4": "1234"}).status_code == 404


def test_the_bot_answers_status_for_applications_and_reports_alike(application):
    reply = bot.answer(phone=PHONE, text=f"STATUS {application.tracking_number}")
    assert application.tracking_number in reply and "Penetapan" in reply
    assert "Penetapan" not in bot.answer(
        phone="+6281299998888", text=f"STATUS {application.tracking_number}"
    )


def test_guessing_the_digits_is_stopped_per_number_whatever_the_client(
    client, application, settings
):
    """Ten wrong guesses for one number, from ten addresses, on the page and the API together:
    the number is then refused to everyone (the right digits too) until the cool-down."""
    settings.TRACKING_FAILURE_LIMIT = 10
    number = application.tracking_number
    api = APIClient()
    for guess in range(10):
        address = {"REMOTE_ADDR": f"198.51.100.{guess}"}
        if guess % 2:
            answer = api.get(f"/api/v1/track/{number}/", {"phone_last4": f"{guess:04d}"}, **address)
        else:
            answer = client.get(
                reverse("portal:tracking"), {"nomor": number, "hp": f"{guess:04d}"}, **address
            )
        assert answer.status_code == 404
    page = client.get(
        reverse("portal:tracking"), {"nomor": number, "hp": "7890"}, REMOTE_ADDR="203.0.113.9"
    )
    assert page.status_code == 429 and "Terlalu banyak percobaan" in page.text
    assert "Penetapan" not in page.text and int(page["Retry-After"]) > 0
    refused = api.get(
        f"/api/v1/track/{number}/", {"phone_last4": "7890"}, REMOTE_ADDR="203.0.113.9"
    )
    assert refused.status_code == 429 and refused.json()["error"] == {
        "code": "throttled",
        "message": "Terlalu banyak angka yang salah untuk nomor ini akhir-akhir ini. "
        "Coba lagi dalam 60 menit.",
        "fields": {},
    }
    # Another application's number is not affected.
    assert (
        client.get(
            reverse("portal:tracking"), {"nomor": "MPP-2026-999999", "hp": "1234"}
        ).status_code
        == 404
    )


def test_the_page_counts_with_the_apis_per_client_throttle(client, application, settings):
    """One client's tries at the page and the API share the `auth` rate."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "3/minute",
        },
    }
    number = application.tracking_number
    api = APIClient()
    assert api.get(f"/api/v1/track/{number}/", {"phone_last4": "7890"}).status_code == 200
    assert api.get(f"/api/v1/track/{number}/", {"phone_last4": "7890"}).status_code == 200
    assert (
        client.get(reverse("portal:tracking"), {"nomor": number, "hp": "7890"}).status_code == 200
    )
    page = client.get(reverse("portal:tracking"), {"nomor": number, "hp": "7890"})
    assert page.status_code == 429 and "Penetapan" not in page.text


def test_wrong_guesses_in_a_row_from_one_client_are_stopped_whatever_the_number(
    client, application, settings
):
    """Guessing other numbers each time escapes the per-number count, not the per-client one:
    after the `auth` rate the page answers 429 with Retry-After, and looks nothing up."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "5/minute",
        },
    }
    answers = [
        client.get(reverse("portal:tracking"), {"nomor": f"MPP-2026-{n:08d}", "hp": "1234"})
        for n in range(7)
    ]
    assert [a.status_code for a in answers] == [404] * 5 + [429] * 2
    assert "Terlalu banyak percobaan" in answers[-1].text and int(answers[-1]["Retry-After"]) > 0
    right = client.get(
        reverse("portal:tracking"), {"nomor": application.tracking_number, "hp": "7890"}
    )
    assert right.status_code == 429 and "Penetapan" not in right.text


@pytest.mark.parametrize(
    ("query", "empty", "filled"),
    [
        ({"nomor": "", "hp": "7890"}, "nomor", "hp"),
        ({"nomor": "MPP-2026-00000001", "hp": ""}, "hp", "nomor"),
    ],
)
def test_the_page_says_which_field_was_left_empty(client, query, empty, filled):
    page = client.get(reverse("portal:tracking"), query)
    assert page.status_code == 400
    assert f'data-empty="{empty}"' in page.text and f'data-empty="{filled}"' not in page.text
    assert f'aria-describedby="{empty}-error"' in page.text
    assert "Tidak ada permohonan" not in page.text  # nothing was looked up


def test_both_fields_empty_are_both_named_and_a_first_visit_is_not_scolded(client):
    both = client.get(reverse("portal:tracking"), {"nomor": " ", "hp": ""})
    assert both.status_code == 400
    assert 'data-empty="nomor"' in both.text and 'data-empty="hp"' in both.text
    first = client.get(reverse("portal:tracking"))
    assert first.status_code == 200 and "data-empty" not in first.text


def test_the_api_answers_a_guess_with_one_query_whatever_the_answer(
    application, django_assert_num_queries
):
    # The throttles count in the cache, not the database: each answer is one SQL statement.
    api = APIClient()
    url = f"/api/v1/track/{application.tracking_number}/"
    with django_assert_num_queries(1):
        assert api.get(url, {"phone_last4": "7890"}).status_code == 200
    with django_assert_num_queries(1):
        assert api.get(url, {"phone_last4": "1234"}).status_code == 404
    with django_assert_num_queries(1):
        assert api.get("/api/v1/track/MPP-1999-000000/", {"phone_last4": "7890"}).status_code == 404
    with django_assert_num_queries(0):
        assert api.get(url, {"phone_last4": "78"}).status_code == 404


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("own_workflow", [True, False])
def test_public_tracking_reads_what_the_applicants_own_view_reads(language, own_workflow):
    # ``track`` reads in one query what ``track_own`` reads from the models: the same answer,
    # in either language, for a service with its own workflow or the default one.
    service = (
        WorkflowServiceFactory(verified_then_decided=True, form_schema=[])
        if own_workflow
        else ApplicationFactory().service
    )
    applicant = UserFactory(phone=PHONE)
    submitted = ApplicationFactory(applicant=applicant, service=service, submitted=True)
    forwarded = application_act(
        application=submitted,
        actor=staff_member(dict(workflow(service))[submitted.step], agency=service.agency),
        action="forward",
    )
    with translation.override(language):
        found = track(tracking_number=forwarded.tracking_number.lower(), phone_last4="7890")
        assert found is not None
        assert asdict(found) == asdict(track_own(forwarded))
        assert found.steps[0].done_at is not None
        assert track(tracking_number=forwarded.tracking_number, phone_last4="7891") is None
