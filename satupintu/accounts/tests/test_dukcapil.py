"""Identities checked with Dukcapil, over real HTTP against a fake Dukcapil on loopback: a match
verifies the account (with the time), a mismatch refuses without saying what the registry
holds, the registry down or slow never blocks anyone (the account is checked again later),
the daily quota stops the re-checks for the day, and only verdicts are ever kept."""

import logging
import re
from datetime import date, timedelta

import pytest
import requests
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from satupintu.accounts.identity.base import Outcome
from satupintu.accounts.identity.dukcapil import score, verdict_from_answer
from satupintu.accounts.identity.fake import FakeDukcapil
from satupintu.accounts.identity.registry import identity_provider
from satupintu.accounts.identity.services import dukcapil_quota_reached, identity_recheck
from satupintu.accounts.models import User
from satupintu.accounts.services import user_profile_set, walk_in_citizen
from satupintu.accounts.tasks import identity_recheck_due
from satupintu.cases.models import Step
from satupintu.cases.tests.factories import WorkflowServiceFactory, staff_of
from satupintu.integrations.models import Integration, IntegrationEvent
from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db

SITI = "3271014501900001"  # SITI RAHAYU, born 5 January 1990 (the fake's resident)
BUDI = "3201011708850002"  # BUDI SANTOSO, born 17 August 1985
AGUS = "3271010203000003"  # inactive
DEWI = "3174096112750004"  # deceased
NOBODY = "3578101010600005"  # a valid NIK the registry does not know
PASSWORD = "kunjungan-aman-2020"  # noqa: S105
REFUSAL = "tidak cocok dengan data kependudukan"  # the Indonesian refusal, as the citizen reads it


@pytest.fixture
def fake():
    with FakeDukcapil() as server:
        yield server


@pytest.fixture
def dukcapil(fake, settings):
    """Dukcapil turned on for the deployment, as a region does it: an active integration with
    the fake's address, the agency code, the registered IP and the credentials."""
    settings.DUKCAPIL_TIMEOUT = 1.0
    integration = Integration(
        kind=Integration.Kind.DUKCAPIL,
        provider="dukcapil",
        name="Dukcapil",
        base_url=fake.base_url,
        options={"customer_id": "SATUPINTU", "ip_user": "127.0.0.1"},
        is_active=True,
    )
    integration.set_secrets({"user_id": "satupintu", "password": "rahasia-uji"})
    integration.save()
    return integration


def _register(client, **changes):
    data = {
        "full_name": "Siti Rahayu",
        "nik": SITI,
        "birth_date": "1990-01-05",
        "phone": "0819-1111-2222",
        "email": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **changes,
    }
    return client.post(reverse("portal:register"), data)


def _finish(client):
    sent = Message.objects.filter(event=Event.REGISTRATION_CODE).latest("pk")
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)
    done = client.post(reverse("portal:register-code"), {"code": code})
    assert done.status_code == 302
    return User.objects.get(nik=SITI)


def _private(text: str, *secrets: str) -> None:
    """None of the registry's data, nor the claim's, appears in ``text``."""
    for secret in ("Tidak Sesuai", "TGL_LHR", "NAMA_LGKP", "RESPONSE", *secrets):
        assert secret.lower() not in text.lower()


# The answer, read leniently ---------------------------------------------------------------


def test_verdicts_are_scored_as_the_registry_writes_them():
    assert score("Sesuai") == 100
    assert score("SESUAI (93)") == 93
    assert score("Sesuai(88.5)") == 88
    assert score("Tidak Sesuai") == score("Tidak Sesuai (0)") == 0
    assert score(3271014501900001) is None and score("") is None


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (
            {"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai (95)", "TGL_LHR": "Sesuai"}]},
            "match",
        ),
        (
            {"CONTENT": [{"nik": 3271014501900001, "nama_lgkp": "SESUAI", "tgl_lhr": "Sesuai"}]},
            "match",
        ),
        ({"content": {"NAMA_LGKP": "Sesuai (95)", "TGL_LHR": "Tidak Sesuai"}}, "mismatch"),
        ({"content": [{"NAMA_LGKP": "Sesuai (70)", "TGL_LHR": "Sesuai"}]}, "mismatch"),
        ({"content": [{"RESPONSE_CODE": 13, "RESPONSE": "Data Tidak Ditemukan"}]}, "mismatch"),
        ({"content": [{"response_code": "11"}]}, "mismatch"),
        ({"content": [{"RESPONSE_CODE": "03"}]}, "unavailable"),
        ({"content": [{"RESPONSE_CODE": "12"}]}, "unavailable"),  # not a verdict on the person
        ({"content": [{"NIK": "Sesuai"}]}, "unavailable"),  # no verdict on the name
        ({"content": []}, "unavailable"),
        ({"error": "Internal"}, "unavailable"),
        (["not", "an", "object"], "unavailable"),
    ],
)
def test_an_answer_is_a_verdict_only_when_it_clearly_is_one(answer, outcome):
    assert verdict_from_answer(answer, threshold=90).outcome == outcome


def test_the_daily_quota_is_read_from_code_05_and_from_the_limiter():
    assert verdict_from_answer({"content": [{"RESPONSE_CODE": "5"}]}, threshold=90).quota_reached
    spent = {"content": [{"NAMA_LGKP": "Sesuai", "TGL_LHR": "Sesuai"}], "quotaLimiter": 0}
    verdict = verdict_from_answer(spent, threshold=90)
    assert verdict.outcome == Outcome.MATCH and verdict.quota_reached


# The fake speaks the protocol ----------------------------------------------------------------


def test_the_fake_takes_credentials_in_any_key_case_and_both_date_forms(fake):
    url = f"{fake.base_url}/dukcapil/get_json/SATUPINTU/CALL_VERIFY_BY_ELEMEN"
    creds = {"user_id": "satupintu", "password": "rahasia-uji", "ip_user": "127.0.0.1"}
    for born in ("05-01-1990", "1990-01-05"):
        body = {**creds, "treshold": "90", "nik": SITI, "nama_lgkp": "SITI RAHAYU", "tgl_lhr": born}
        answer = requests.post(url, json=body, timeout=5).json()
        assert answer["content"][0]["TGL_LHR"] == "Sesuai"
    wrong = requests.post(url, json={**creds, "PASSWORD": "x", "NIK": SITI}, timeout=5)
    assert wrong.status_code == 200 and wrong.json()["content"][0]["RESPONSE_CODE"] == "03"


def test_answers_with_lowercase_keys_and_the_nik_as_a_number_are_read(dukcapil, fake):
    fake.lower_keys = fake.nik_as_number = True
    user = walk_in_citizen(nik=SITI, name="Siti Rahayu", phone="", birth_date=date(1990, 1, 5))
    assert user.dukcapil_status == User.Dukcapil.VERIFIED
    assert fake.requests[-1].json()["TGL_LHR"] == "05-01-1990"


# Registration ---------------------------------------------------------------------------------


def test_without_dukcapil_the_nik_checksum_decides_and_no_birth_date_is_needed(client):
    assert identity_provider().key == "nik-checksum"
    assert _register(client, birth_date="").status_code == 302
    assert _finish(client).dukcapil_status == User.Dukcapil.UNCHECKED


def test_a_match_verifies_the_account_with_the_time_and_keeps_only_the_verdict(
    client, dukcapil, fake
):
    before = timezone.now()
    # typed in lowercase: the registry keeps capitals, the name is sent so
    assert _register(client, full_name="siti rahayu").status_code == 302
    user = _finish(client)
    assert user.dukcapil_status == User.Dukcapil.VERIFIED
    assert before <= user.dukcapil_verified_at <= timezone.now()
    sent = fake.requests[-1]
    assert sent.path == "/dukcapil/get_json/SATUPINTU/CALL_VERIFY_BY_ELEMEN"
    body = sent.json()
    assert body["TRESHOLD"] == "90" and body["NIK"] == SITI and body["TGL_LHR"] == "05-01-1990"
    assert body["USER_ID"] == "satupintu" and body["IP_USER"] == "127.0.0.1"
    # what the account holds is what the citizen typed; the registry's spelling is nowhere
    assert (user.first_name, user.last_name) == ("siti", "rahayu")
    assert user.birth_date == date(1990, 1, 5)
    page = client.get(reverse("portal:profile")).text
    assert "Diverifikasi Dukcapil" in page
    assert timezone.localtime(user.dukcapil_verified_at).strftime("%H:%M") in page


def test_the_threshold_comes_from_the_setting(dukcapil, fake, settings):
    # one letter too many: 96% like the registry's name
    assert _register(Client(), full_name="Siti Rahhayu").status_code == 302
    assert fake.requests[-1].json()["TRESHOLD"] == "90"
    settings.DUKCAPIL_THRESHOLD = 100
    response = _register(Client(), full_name="Siti Rahhayu")
    assert fake.requests[-1].json()["TRESHOLD"] == "100"
    assert REFUSAL in response.text.lower()


@pytest.mark.parametrize(
    ("nik", "name", "born", "hidden"),
    [
        (SITI, "Siti Rahayu", "1990-01-06", ["1990-01-05", "05-01-1990"]),  # the date differs
        (SITI, "Budi Santoso", "1990-01-05", ["siti", "rahayu"]),  # the name differs
        (NOBODY, "Siti Rahayu", "1960-10-10", []),  # code 13: not found
        (AGUS, "Agus Pratama", "2000-03-02", []),  # code 14: inactive
        (DEWI, "Dewi Lestari", "1975-12-21", []),  # code 11: deceased
    ],
)
def test_a_mismatch_refuses_and_says_nothing_of_the_registry(
    client, dukcapil, nik, name, born, hidden
):
    response = _register(client, nik=nik, full_name=name, birth_date=born)
    assert response.status_code == 200
    text = response.text
    assert REFUSAL in text.lower()
    # one message for every case: not which field, nor whether the NIK exists or is active
    for telling in ("ditemukan", "tidak aktif", "meninggal"):
        assert telling not in text.lower()
    _private(text, *hidden)
    assert not Message.objects.exists() and not User.objects.exists()


def test_a_mismatch_is_refused_by_the_api_too(client, dukcapil):
    body = {
        "name": "Siti Rahayu",
        "nik": SITI,
        "birth_date": "1990-02-05",
        "phone": "081911112222",
        "password": PASSWORD,
    }
    refused = client.post("/api/v1/auth/register/", body, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "identity_not_matched"
    _private(refused.text)
    no_date = client.post(
        "/api/v1/auth/register/", {**body, "birth_date": None}, content_type="application/json"
    )
    assert no_date.status_code == 400 and "birth_date" in no_date.json()["error"]["fields"]


def test_with_dukcapil_on_the_birth_date_is_asked_for(client, dukcapil, fake):
    response = _register(client, birth_date="")
    assert response.status_code == 200 and not fake.requests
    assert "tanggal lahir" in response.text.lower()


@pytest.mark.parametrize("setup", ["wrong password", "quota", "agency inactive", "http error"])
def test_a_setup_error_never_blocks_registration(client, dukcapil, fake, setup):
    if setup == "wrong password":
        dukcapil.set_secrets({"user_id": "satupintu", "password": "lama"})
        dukcapil.save()
    elif setup == "quota":
        fake.quota = 0
    elif setup == "agency inactive":
        fake.forced_code = "16"
    else:
        dukcapil.base_url = f"{fake.base_url}/rusak"  # the fake answers 404 there
        dukcapil.save()
    assert _register(client).status_code == 302
    user = _finish(client)
    assert user.dukcapil_status == User.Dukcapil.PENDING and user.dukcapil_verified_at is None
    event = IntegrationEvent.objects.filter(integration=dukcapil).latest("pk")
    assert not event.ok


def test_the_quota_reached_stops_asking_for_the_day(client, dukcapil, fake):
    fake.quota = 0
    _register(client)
    assert dukcapil_quota_reached()
    asked = len(fake.requests)
    walk_in_citizen(nik=BUDI, name="Budi Santoso", phone="", birth_date=date(1985, 8, 17))
    assert len(fake.requests) == asked  # not asked: pending, for the re-check
    assert User.objects.get(nik=BUDI).dukcapil_status == User.Dukcapil.PENDING
    assert identity_recheck() == 0 and len(fake.requests) == asked


def test_a_slow_registry_leaves_the_account_unverified_and_the_job_verifies_it_later(
    client, dukcapil, fake, settings
):
    settings.DUKCAPIL_TIMEOUT = 0.3
    fake.delay = 1.0
    assert _register(client).status_code == 302  # not blocked
    user = _finish(client)
    assert user.dukcapil_status == User.Dukcapil.PENDING
    assert "belum terverifikasi" in client.get(reverse("portal:profile")).text.lower()
    event = IntegrationEvent.objects.filter(integration=dukcapil).latest("pk")
    assert not event.ok and "timeout" in event.message
    fake.delay = 0
    assert identity_recheck_due() == 1
    user.refresh_from_db()
    assert user.dukcapil_status == User.Dukcapil.VERIFIED and user.dukcapil_verified_at


def test_the_recheck_is_bounded_stops_when_down_and_stops_for_the_day_at_the_quota(
    dukcapil, fake, settings
):
    born = {SITI: date(1990, 1, 5), BUDI: date(1985, 8, 17), NOBODY: date(1960, 10, 10)}
    for nik, birth in born.items():
        UserFactory(username=nik, nik=nik, first_name="Siti", last_name="Rahayu", birth_date=birth)
    User.objects.filter(nik__in=born).update(dukcapil_status=User.Dukcapil.PENDING)
    UserFactory(username="no-birth-date", nik="3271015505920006")  # cannot be asked: skipped
    settings.DUKCAPIL_RECHECK_BATCH = 1
    assert identity_recheck() == 1
    assert User.objects.get(nik=SITI).dukcapil_status == User.Dukcapil.VERIFIED
    # down: one call, no verdict, the run stops
    fake.forced_code = "06"
    assert identity_recheck(limit=10) == 1
    assert User.objects.filter(dukcapil_status=User.Dukcapil.PENDING).count() == 2
    # the quota: the run stops, and no run asks again today
    fake.forced_code = ""
    fake.quota = 0
    asked = len(fake.requests)
    assert identity_recheck(limit=10) == 1 and len(fake.requests) == asked + 1
    assert identity_recheck(limit=10) == 0 and len(fake.requests) == asked + 1
    # tomorrow (the mark is gone): the rest are asked; a mismatch found later is only marked
    cache.clear()
    fake.quota = 10
    assert identity_recheck(limit=10) == 2
    assert User.objects.get(nik=BUDI).dukcapil_status == User.Dukcapil.NOT_MATCHED
    assert User.objects.get(nik=NOBODY).dukcapil_status == User.Dukcapil.NOT_MATCHED
    assert User.objects.get(nik="3271015505920006").dukcapil_status == User.Dukcapil.UNCHECKED


def test_a_new_name_is_checked_again(dukcapil, fake):
    user = walk_in_citizen(nik=SITI, name="Siti Rahayu", phone="", birth_date=date(1990, 1, 5))
    assert user.dukcapil_status == User.Dukcapil.VERIFIED
    user_profile_set(
        user=user, full_name="Siti Rahayu Putri", channels=[], language="id", email="", phone=""
    )
    user.refresh_from_db()
    assert user.dukcapil_status == User.Dukcapil.PENDING and user.dukcapil_verified_at is None
    identity_recheck()
    user.refresh_from_db()
    assert user.dukcapil_status == User.Dukcapil.NOT_MATCHED


# Nothing of the person in logs or in the integration's log ---------------------------------


def test_no_nik_or_name_in_logs_or_the_integration_log(client, dukcapil, fake, caplog, settings):
    caplog.set_level(logging.DEBUG)
    _register(client)
    _register(client, birth_date="1990-01-09")
    fake.delay = 1.5
    settings.DUKCAPIL_TIMEOUT = 0.3
    _register(client, nik=BUDI, full_name="Budi Santoso", birth_date="1985-08-17")
    messages = [event.message for event in IntegrationEvent.objects.filter(integration=dukcapil)]
    assert len(messages) == 3
    for text in [*messages, caplog.text]:
        _private(text, SITI, BUDI, "Rahayu", "Santoso", "1990", "rahasia-uji")


# The front office's walk-in filing ----------------------------------------------------------


@pytest.fixture
def service():
    return WorkflowServiceFactory(
        name="Izin Reklame", form_schema=[], workflow=(Step.DOCUMENT_CHECK, Step.VERIFICATION)
    )


def _walk_in(client, service, **extra):
    data = {"service": service.pk, "nik": BUDI, "name": "Budi Santoso", "birth_date": "1985-08-17"}
    return client.post(reverse("backoffice:case-new"), {**data, **extra})


def test_a_walk_in_is_verified_and_staff_see_it_with_the_time(client, service, dukcapil):
    client.force_login(staff_of(service, "front_office")["front_office"])
    filed = _walk_in(client, service)
    assert filed.status_code == 302
    citizen = User.objects.get(nik=BUDI)
    assert citizen.dukcapil_status == User.Dukcapil.VERIFIED
    case = client.get(reverse("backoffice:case", args=[citizen.applications.get().pk])).text
    assert "Diverifikasi Dukcapil" in case
    assert timezone.localtime(citizen.dukcapil_verified_at).strftime("%H:%M") in case


def test_a_walk_in_who_does_not_match_is_refused_and_nothing_is_made(client, service, dukcapil):
    client.force_login(staff_of(service, "front_office")["front_office"])
    refused = _walk_in(client, service, birth_date="1985-08-18")
    assert refused.status_code == 200 and REFUSAL in refused.text.lower()
    _private(refused.text, "1985-08-17", "17-08-1985")
    assert not User.objects.filter(nik=BUDI).exists()
    # the refusal rolled back nothing of the integration's log
    assert IntegrationEvent.objects.get(integration=dukcapil).message.startswith("mismatch")
    no_date = _walk_in(client, service, birth_date="")
    assert no_date.status_code == 200 and not User.objects.filter(nik=BUDI).exists()
    bad_date = _walk_in(client, service, birth_date="1985-02-31")
    assert bad_date.status_code == 200 and not User.objects.filter(nik=BUDI).exists()


def test_a_walk_in_is_filed_when_dukcapil_is_down(client, service, dukcapil):
    dukcapil.base_url = "http://127.0.0.1:9"  # nothing listens there
    dukcapil.save()
    client.force_login(staff_of(service, "front_office")["front_office"])
    assert _walk_in(client, service).status_code == 302
    citizen = User.objects.get(nik=BUDI)
    assert citizen.dukcapil_status == User.Dukcapil.PENDING
    case = client.get(reverse("backoffice:case", args=[citizen.applications.get().pk])).text
    assert "belum terverifikasi" in case.lower()
    assert citizen.birth_date == date(1985, 8, 17) and citizen.dukcapil_checked_at
    assert citizen.dukcapil_checked_at > timezone.now() - timedelta(minutes=1)
