"""Links in messages are clickable in the inbox and in emails, and nothing else becomes markup."""

import pytest
from django.urls import reverse

from satupintu.malls.tests.factories import MallFactory, UserFactory
from satupintu.notify.links import linkify
from satupintu.notify.models import Channel, Event, MessageTemplate
from satupintu.notify.services import Recipient, notify

pytestmark = pytest.mark.django_db
SITE = "https://mpp.example.go.id"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def test_linkify_escapes_first_then_links_only_http_urls():
    text = (
        f"Lihat {SITE}/pengaduan/LPR-1/abc/. <script>alert(1)</script> "
        'javascript:alert(1) http://x.example/a"onmouseover="b (https://lain.example/p?a=1&b=2)'
    )
    html = linkify(text)
    assert f'<a href="{SITE}/pengaduan/LPR-1/abc/">{SITE}/pengaduan/LPR-1/abc/</a>.' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="http://x.example/a" rel="nofollow noopener noreferrer">' in html
    assert "onmouseover=" not in html.replace("&quot;onmouseover=&quot;", "")
    assert (
        '(<a href="https://lain.example/p?a=1&amp;b=2" rel="nofollow noopener noreferrer">' in html
    )
    assert linkify("https://") == "https://"


def test_inbox_messages_have_clickable_links(client):
    siti = UserFactory(email="siti@example.id", notification_channels=["whatsapp"], phone="")
    link = f"{SITE}/akun/permohonan/7/"
    notify(
        event=Event.COMPLAINT_ANSWERED,
        recipient=Recipient.for_user(siti),
        context={
            "name": "Siti",
            "tracking": "LPR-2026-000001",
            "answer": "Baca https://jdih.example.go.id/perda-5 <b>ya</b>",
            "mall": "MPP",
            "link": link,
        },
    )
    client.force_login(siti)
    inbox = client.get(reverse("portal:inbox"))
    assert (
        '<a href="https://jdih.example.go.id/perda-5" rel="nofollow noopener noreferrer">'
        in inbox.text
    )
    assert "&lt;b&gt;ya&lt;/b&gt;" in inbox.text and "<b>ya</b>" not in inbox.text
    assert f'<a href="{link}">' in inbox.text  # the message's own link, its text lacking it


def test_an_email_without_an_html_wording_gets_one_with_its_links():
    mall = MallFactory()
    MessageTemplate.objects.create(
        mall=mall,
        event=Event.COMPLAINT_ANSWERED,
        channel=Channel.EMAIL,
        language="id",
        subject="Dijawab",
        body="Halo {{ name }},\n\nBuka {{ link }} <sekarang>.",
    )
    message = notify(
        event=Event.COMPLAINT_ANSWERED,
        recipient=Recipient(email="budi@example.id", channels=(Channel.EMAIL,)),
        mall=mall,
        context={"name": "Budi & Co", "link": f"{SITE}/pengaduan/LPR-1/abc/"},
    )
    assert message is not None
    assert message.body == f"Halo Budi & Co,\n\nBuka {SITE}/pengaduan/LPR-1/abc/ <sekarang>."
    assert message.html_body == (
        "<p>Halo Budi &amp; Co,</p>\n\n"
        f'<p>Buka <a href="{SITE}/pengaduan/LPR-1/abc/">{SITE}/pengaduan/LPR-1/abc/</a>'
        " &lt;sekarang&gt;.</p>"
    )


def test_only_this_sites_urls_in_an_answer_become_links_in_the_html_email():
    message = notify(
        event=Event.COMPLAINT_ANSWERED,
        recipient=Recipient(email="budi@example.id", channels=(Channel.EMAIL,)),
        context={
            "name": "Budi",
            "tracking": "LPR-2026-000001",
            "answer": (f'Lihat {SITE}/layanan/5/?a=1&b=2. https://phish.example/masuk "<i>x</i>"'),
            "mall": "MPP",
            "link": f"{SITE}/pengaduan/lacak/",
        },
    )
    assert message is not None
    assert (
        f'<a href="{SITE}/layanan/5/?a=1&amp;b=2">{SITE}/layanan/5/?a=1&amp;b=2</a>.'
    ) in message.html_body
    assert 'href="https://phish.example' not in message.html_body
    assert "https://phish.example/masuk" in message.html_body  # shown, not linked
    assert "&lt;i&gt;x&lt;/i&gt;" in message.html_body and "<i>" not in message.html_body
    own = f'<a href="{SITE}/pengaduan/lacak/">{SITE}/pengaduan/lacak/</a>'
    assert message.html_body.count("<a ") == 2 and own in message.html_body
    assert f"{SITE}/layanan/5/?a=1&b=2." in message.body  # plain text kept
