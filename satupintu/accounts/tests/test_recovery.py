"""Nobody locked out: a forgotten password, a walk-in's account claimed, registration that
tells a stranger nothing, a changed password, the profile page."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from satupintu.accounts.models import AccountCode, ApiToken, User
from satupintu.accounts.recovery import CODE_ATTEMPTS, REQUESTS_PER_ACCOUNT
from satupintu.accounts.services import api_token_create
from satupintu.cases.tests.factories import ApplicationFactory
from satupintu.malls.tests.factories import UserFactory
from satupintu.notify.models import Channel, Event, Message

pytestmark = pytest.mark.django_db
PASSWORD = "kata-sandi-lama-123"
NEW = "sandi-baru-yang-kuat-77"


@pytest.fixture
def siti():
    user = UserFactory(
        username="3271014501900001",
        nik="3271014501900001",
        first_name="Siti",
        email="siti@example.id",
        phone="+6281234567890",
        notification_channels=["whatsapp", "email"],
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def _code(message: Message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def _link(message: Message) -> str:
    return re.search(r"https?://\S+/lupa-sandi/tautan/[\w-]+/", message.body).group(0)


def _ask(client, login):
    return client.post(reverse("portal:password-forgot"), {"login": login})


def _answer_text(response, client) -> str:
    """What the asker sees after asking: the page they are sent to."""
    assert response.status_code == 302
    page = client.get(response.url)
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", page.text)


# Forgotten password ------------------------------------------------------------------------


def test_the_answer_is_the_same_whether_or_not_an_account_matches(siti):
    known, unknown = Client(), Client()
    for login in ("3271014501900001", "siti@example.id", "0812 3456 7890"):
        answer = _answer_text(_ask(known, login), known)
        assert answer == _answer_text(_ask(unknown, "nobody@example.id"), unknown)
        assert "Jika ada akun" in answer
    assert Message.objects.filter(user=siti, event=Event.PASSWORD_RESET).count() == 3
    assert not Message.objects.exclude(user=siti).exists()


def test_asked_by_email_the_link_goes_by_email_by_phone_the_code_by_whatsapp(client, siti):
    _ask(client, "SITI@example.id")
    by_email = Message.objects.get()
    assert by_email.channel == Channel.EMAIL and by_email.to == "siti@example.id"
    assert "/lupa-sandi/tautan/" in by_email.body
    _ask(client, "+62 812-3456-7890")
    by_phone = Message.objects.latest("pk")
    assert by_phone.channel == Channel.WHATSAPP and by_phone.to == "+6281234567890"
    assert re.search(r"\b\d{6}\b", by_phone.body)


def test_the_code_sets_a_new_password_once_and_signs_out_every_other_session(siti):
    elsewhere = Client()
    elsewhere.force_login(siti)
    _token, _secret = api_token_create(user=siti)
    client = Client()
    _ask(client, "081234567890")
    code = _code(Message.objects.get())
    weak = client.post(
        reverse("portal:password-code"), {"code": code, "password1": "123", "password2": "123"}
    )
    assert weak.status_code == 200 and "terlalu pendek" in weak.text  # the project's validators
    done = client.post(
        reverse("portal:password-code"), {"code": code, "password1": NEW, "password2": NEW}
    )
    assert done.status_code == 302 and done.url == reverse("portal:login")
    siti.refresh_from_db()
    assert siti.check_password(NEW)
    assert not ApiToken.objects.filter(user=siti).exists()
    inbox = elsewhere.get(reverse("portal:inbox"))
    assert inbox.status_code == 302 and inbox.url.startswith(reverse("portal:login"))

    _ask(client, "081234567890")  # the code used is dead; a new one was sent
    again = client.post(
        reverse("portal:password-code"),
        {"code": code, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "salah, sudah dipakai atau kedaluwarsa" in again.text
    siti.refresh_from_db()
    assert siti.check_password(NEW)


def test_the_emailed_link_works_once(client, siti):
    _ask(client, "siti@example.id")
    link = _link(Message.objects.get())
    path = link.split("8000", 1)[-1] if "8000" in link else "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 200  # opening it uses nothing (mail scanners)
    assert client.get(path).status_code == 200
    done = client.post(path, {"password1": NEW, "password2": NEW})
    assert done.status_code == 302
    assert client.login(username="siti@example.id", password=NEW)
    client.logout()
    used = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert used.status_code == 404 and "Minta yang baru" in used.text


def test_a_link_sent_before_the_account_was_closed_opens_nothing(client, siti):
    from satupintu.accounts.own_data import account_close

    _ask(client, "siti@example.id")
    path = "/" + _link(Message.objects.get()).split("/", 3)[3]
    account_close(user=siti, password=PASSWORD)
    assert client.post(path, {"password1": NEW, "password2": NEW}).status_code == 404
    siti.refresh_from_db()
    assert not siti.has_usable_password()


def test_a_code_expires(client, siti):
    _ask(client, "3271014501900001")
    code = _code(Message.objects.get())
    AccountCode.objects.update(expires=timezone.now() - timedelta(seconds=1))
    late = client.post(
        reverse("portal:password-code"), {"code": code, "password1": NEW, "password2": NEW}
    )
    assert "kedaluwarsa" in late.text
    siti.refresh_from_db()
    assert siti.check_password(PASSWORD)


def test_codes_dead_for_a_day_are_erased_when_the_next_is_made(client, siti):
    _ask(client, "3271014501900001")
    AccountCode.objects.update(expires=timezone.now() - timedelta(days=2))
    _ask(client, "3271014501900001")
    assert AccountCode.objects.count() == 1


def test_a_code_dies_after_a_few_wrong_guesses(client, siti):
    _ask(client, "3271014501900001")
    code = _code(Message.objects.get())
    wrong = "000000" if code != "000000" else "111111"
    for _n in range(CODE_ATTEMPTS):
        client.post(
            reverse("portal:password-code"), {"code": wrong, "password1": NEW, "password2": NEW}
        )
    right = client.post(
        reverse("portal:password-code"), {"code": code, "password1": NEW, "password2": NEW}
    )
    assert right.status_code == 200 and "kedaluwarsa" in right.text
    siti.refresh_from_db()
    assert siti.check_password(PASSWORD)


def test_asking_is_throttled_per_account_and_alike_for_unknown_logins(siti):
    for login in ("3271014501900001", "nobody@example.id"):
        client = Client()
        answers = [_ask(client, login).status_code for _n in range(REQUESTS_PER_ACCOUNT + 1)]
        assert answers == [302] * REQUESTS_PER_ACCOUNT + [429], login
    # the account counts its NIK, email and phone together
    assert _ask(Client(), "siti@example.id").status_code == 429


def test_asking_is_throttled_per_client(siti, settings):
    client = Client()
    answers = [_ask(client, f"orang{n}@example.id").status_code for n in range(21)]
    assert answers[-1] == 429 and set(answers[:-1]) == {302}
    assert _ask(Client(REMOTE_ADDR="10.9.9.9"), "siti@example.id").status_code == 302


def test_the_code_page_without_asking_first_goes_to_the_asking_page(client):
    response = client.get(reverse("portal:password-code"))
    assert response.url == reverse("portal:password-forgot")


# Walk-ins claim their account ------------------------------------------------------------


def test_a_walk_in_claims_the_account_signs_in_and_sees_the_application(client):
    from satupintu.accounts.services import walk_in_citizen

    ani = walk_in_citizen(nik="3271014501900001", name="Ani Lestari", phone="081234567890")
    application = ApplicationFactory(applicant=ani, submitted=True)
    claim = Message.objects.get(event=Event.ACCOUNT_CLAIM)
    assert claim.user == ani and claim.channel == Channel.WHATSAPP and claim.to == ani.phone
    assert AccountCode.objects.get().expires > timezone.now() + timedelta(days=6)

    # "Forgot password" sends another code; the one from the counter still works.
    _ask(client, "3271014501900001")
    assert Message.objects.filter(event=Event.ACCOUNT_CLAIM).count() == 2
    code = _code(claim)
    client.post(reverse("portal:password-code"), {"code": code, "password1": NEW, "password2": NEW})
    signed_in = client.post(
        reverse("portal:login"), {"username": "3271014501900001", "password": NEW}
    )
    assert signed_in.status_code == 302
    page = client.get(reverse("portal:applications"))
    assert application.tracking_number in page.text


def test_a_walk_in_back_at_the_counter_without_a_password_is_sent_the_claim_again(siti):
    from satupintu.accounts.services import walk_in_citizen

    walk_in_citizen(nik="3271014501900002", name="Ani", phone="081234567890")
    walk_in_citizen(nik="3271014501900002", name="Ani", phone="081234567890")
    assert Message.objects.filter(event=Event.ACCOUNT_CLAIM).count() == 2
    walk_in_citizen(nik=siti.nik, name="Siti", phone="")  # has a password: nothing to claim
    assert not Message.objects.filter(user=siti).exists()


def test_the_claim_link_from_the_counter_sets_the_password(client):
    from satupintu.accounts.services import walk_in_citizen

    walk_in_citizen(
        nik="3271014501900001", name="Ani", phone="081234567890", email="ani@example.id"
    )
    link = _link(Message.objects.get(event=Event.ACCOUNT_CLAIM))
    path = "/" + link.split("/", 3)[3]
    assert client.post(path, {"password1": NEW, "password2": NEW}).status_code == 302
    assert client.login(username="ani@example.id", password=NEW)


# Registration tells a stranger nothing ---------------------------------------------------

REGISTRATION = {
    "full_name": "Siti Aminah",
    "nik": "3271014501900001",
    "phone": "0819-1111-2222",
    "email": "orang.lain@example.id",
    "password1": "kunjungan-aman-2020",
    "password2": "kunjungan-aman-2020",
}


def test_registering_sends_a_code_and_the_code_opens_the_account(client):
    start = client.post(reverse("portal:register"), REGISTRATION)
    assert start.status_code == 302 and start.url == reverse("portal:register-code")
    assert not User.objects.exists()
    sent = Message.objects.get(event=Event.REGISTRATION_CODE)
    assert sent.channel == Channel.WHATSAPP and sent.to == "+6281911112222"
    wrong = client.post(reverse("portal:register-code"), {"code": "999999x"})
    assert wrong.status_code == 200 and not User.objects.exists()
    done = client.post(reverse("portal:register-code"), {"code": _code(sent)})
    assert done.status_code == 302
    user = User.objects.get(nik="3271014501900001")
    assert user.phone == "+6281911112222" and user.check_password("kunjungan-aman-2020")
    assert client.get(reverse("portal:profile")).status_code == 200  # signed in


def test_a_known_nik_gets_the_same_answer_and_its_owner_a_message(siti):
    stranger, newcomer = Client(), Client()
    taken = stranger.post(reverse("portal:register"), REGISTRATION)
    free = newcomer.post(reverse("portal:register"), {**REGISTRATION, "nik": "3271014501900002"})
    assert taken.status_code == free.status_code == 302 and taken.url == free.url
    assert _answer_text(taken, stranger) == _answer_text(free, newcomer)
    to_owner = Message.objects.get(event=Event.PASSWORD_RESET)
    assert to_owner.user == siti and to_owner.to in (siti.phone, siti.email)
    # the stranger's addresses got only the newcomer's code, never a word about the owner
    assert Message.objects.filter(to__in=["+6281911112222", "orang.lain@example.id"]).count() == 1
    # whatever code the stranger types, nothing opens and the owner's password stays
    for guess in ("000000", _code(to_owner)):
        stranger.post(reverse("portal:register-code"), {"code": guess})
    assert User.objects.filter(nik="3271014501900001").get() == siti
    siti.refresh_from_db()
    assert siti.check_password(PASSWORD) and siti.phone == "+6281234567890"


def test_a_walk_ins_nik_on_daftar_sends_the_owner_a_claim(client):
    from satupintu.accounts.services import walk_in_citizen

    walk_in_citizen(nik="3271014501900001", name="Ani", phone="081234567890")
    Message.objects.all().delete()
    client.post(reverse("portal:register"), REGISTRATION)
    claim = Message.objects.get()
    assert claim.event == Event.ACCOUNT_CLAIM and claim.to == "+6281234567890"


# Signed in: profile and password ---------------------------------------------------------


def test_the_profile_keeps_name_addresses_language_and_channels(client, siti):
    client.force_login(siti)
    assert client.get(reverse("portal:preferences")).url == reverse("portal:profile")
    response = client.post(
        reverse("portal:profile"),
        {
            "full_name": "Siti Aminah Putri",
            "email": "siti.baru@example.id",
            "phone": "0812 9999 0000",
            "language": "en",
            "channels": ["email", "sms"],
            "first": "sms",
        },
    )
    assert response.status_code == 302
    siti.refresh_from_db()
    assert (siti.first_name, siti.last_name) == ("Siti", "Aminah Putri")
    assert siti.email == "siti.baru@example.id" and siti.phone == "+6281299990000"
    assert siti.language == "en" and siti.notification_channels == ["sms", "email"]


def test_changing_the_password_keeps_this_session_and_ends_the_others(siti):
    here, elsewhere = Client(), Client()
    here.force_login(siti)
    elsewhere.force_login(siti)
    wrong = here.post(
        reverse("portal:password-change"),
        {"old_password": "bukan", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200 and "bukan kata sandi Anda saat ini" in wrong.text
    done = here.post(
        reverse("portal:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302
    assert here.get(reverse("portal:profile")).status_code == 200
    assert elsewhere.get(reverse("portal:profile")).status_code == 302


def test_the_header_links_register_for_strangers_and_the_account_for_citizens(client, siti):
    assert f'href="{reverse("portal:register")}"' in client.get("/").text
    client.force_login(siti)
    assert f'href="{reverse("portal:profile")}"' in client.get("/").text


# Every aria-describedby names an element of the page -------------------------------------


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        self.described.update((values.get("aria-describedby") or "").split())


def _dangling(html: str) -> set[str]:
    parser = _Ids()
    parser.feed(html)
    return parser.described - parser.ids


def test_every_aria_describedby_of_the_account_forms_points_at_an_element(client, siti):
    pages = [
        client.post(reverse("portal:report-new"), {"kind": "x"}),
        client.get(reverse("portal:register")),
        client.post(reverse("portal:register"), {**REGISTRATION, "nik": "1", "password2": "x"}),
        client.get(reverse("portal:login")),
        client.post(reverse("portal:login"), {"username": "", "password": ""}),
        client.get(reverse("portal:password-forgot")),
        client.post(reverse("portal:password-forgot"), {"login": ""}),
    ]
    _ask(client, "nobody@example.id")
    pages += [
        client.get(reverse("portal:password-code")),
        client.post(reverse("portal:password-code"), {"code": "", "password1": "a"}),
    ]
    client.force_login(siti)
    pages += [
        client.get(reverse("portal:profile")),
        client.post(reverse("portal:profile"), {"phone": "12", "channels": ["sms"]}),
        client.get(reverse("portal:password-change")),
        client.post(reverse("portal:password-change"), {"old_password": ""}),
    ]
    described = 0
    for page in pages:
        assert page.status_code == 200, page.request
        assert not _dangling(page.text), (page.request["PATH_INFO"], _dangling(page.text))
        described += page.text.count("aria-describedby")
    assert described > 10  # the forms do describe their inputs


def test_the_sign_in_page_leads_to_every_way_back_into_an_account(client):
    page = client.get(reverse("portal:login")).text
    for name in ("portal:password-forgot", "portal:register", "portal:claim"):
        assert f'href="{reverse(name)}' in page


def test_two_different_new_passwords_are_refused_on_both_forms():
    from satupintu.accounts.forms import NewPasswordForm, PasswordChangeForm

    reset = NewPasswordForm({"password1": "Kuat-sekali-2026", "password2": "Lain-sekali-2026"})
    change = PasswordChangeForm(
        {
            "old_password": "x",
            "new_password1": "Kuat-sekali-2026",
            "new_password2": "Lain-sekali-2026",
        }
    )
    assert not reset.is_valid() and list(reset.errors) == ["password2"]
    assert not change.is_valid() and list(change.errors) == ["new_password2"]
    same = NewPasswordForm({"password1": "Kuat-sekali-2026", "password2": "Kuat-sekali-2026"})
    assert same.is_valid()
