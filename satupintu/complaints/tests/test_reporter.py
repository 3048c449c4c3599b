"""What the reporter keeps of a report: the follow link by message, the receipt on screen,
"my complaints" when signed in, and their own evidence, served to them alone."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from satupintu.cases.tests.files import png
from satupintu.complaints.models import Report
from satupintu.complaints.tests.factories import FiledReportFactory
from satupintu.malls.tests.factories import MallFactory, UserFactory
from satupintu.notify.models import Event, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def mall():
    return MallFactory(name="MPP Kota Bogor")


def _form(mall, **extra):
    return {
        "mall": mall.pk,
        "kind": "pengaduan",
        "category": "biaya",
        "title": "Pungutan di loket",
        "text": "Saya diminta membayar untuk KTP-el.",
        **extra,
    }


def _file(client, mall, **extra):
    response = client.post(reverse("portal:report-new"), _form(mall, **extra))
    assert response.status_code == 302, response.content[:2000]
    return response.url


def test_a_reporter_with_an_email_gets_the_follow_link(client, mall):
    follow = _file(client, mall, name="Budi https://phish.example", email="budi@example.id")
    told = Message.objects.get(event=Event.COMPLAINT_FILED)
    assert told.channel == "email" and told.to == "budi@example.id"
    assert told.context["link"] == settings.SITE_URL + follow
    assert settings.SITE_URL + follow in told.body
    assert f'href="{settings.SITE_URL}{follow}"' in told.html_body
    assert "Pungutan di loket" not in told.body + told.html_body  # nothing the filer wrote
    assert "phish" not in told.body + told.html_body and told.body.startswith("Yth. Pelapor,")
    assert client.get(follow).status_code == 200


def test_a_reporter_with_only_a_phone_gets_it_by_whatsapp(client, mall):
    follow = _file(client, mall, name="Budi", phone="+6281234567890")
    told = Message.objects.get(event=Event.COMPLAINT_FILED)
    assert told.channel == "whatsapp" and told.to == "+6281234567890"
    assert follow in told.body


def test_an_anonymous_reporter_is_sent_nothing_and_sees_both_codes(client, mall):
    follow = _file(client, mall, anonymous="on", email="budi@example.id")
    assert not Message.objects.filter(event=Event.COMPLAINT_FILED).exists()
    tracking, secret = re.fullmatch(r"/pengaduan/([^/]+)/([^/]+)/", follow).groups()
    page = client.get(follow)
    assert f'<code id="receipt-tracking">{tracking}</code>' in page.text
    assert f'<code id="receipt-secret">{secret}</code>' in page.text
    assert "satupintu/copy.js" in page.text and "<script>" not in page.text
    assert "satupintu/receipt.css" in page.text  # the print stylesheet
    assert "budi@example.id" not in page.text


def test_the_lookup_accepts_exactly_the_two_codes_on_the_receipt(client, mall):
    follow = _file(client, mall, anonymous="on")
    tracking, secret = re.fullmatch(r"/pengaduan/([^/]+)/([^/]+)/", follow).groups()
    lookup = reverse("portal:report-lookup")
    opened = client.get(lookup, {"id": f" {tracking.lower()} ", "kode": f" {secret}\n"})
    assert opened.status_code == 302 and opened.url == follow
    assert client.get(opened.url).status_code == 200
    wrong = client.get(lookup, {"id": tracking, "kode": secret[:-1]}, follow=True)
    assert wrong.status_code == 404


def test_the_receipt_downloads_as_a_text_file_with_both_codes(client, mall):
    follow = _file(client, mall, anonymous="on")
    tracking, secret = re.fullmatch(r"/pengaduan/([^/]+)/([^/]+)/", follow).groups()
    receipt = client.get(reverse("portal:report-receipt", args=[tracking, secret]))
    assert receipt.status_code == 200
    assert receipt["Content-Type"].startswith("text/plain")
    assert receipt["Content-Disposition"] == f'attachment; filename="{tracking}.txt"'
    assert f"Nomor pelacakan: {tracking}" in receipt.text
    assert f"Kode rahasia: {secret}" in receipt.text
    assert client.get(reverse("portal:report-receipt", args=[tracking, "salah"])).status_code == 404


def test_my_complaints_lists_what_i_filed_with_details_as_filed(
    client, mall, django_assert_max_num_queries
):
    citizen = UserFactory(first_name="Siti", last_name="Aminah", email="siti@example.id")
    client.force_login(citizen)
    _file(client, mall, name="Siti A.", email="siti.lain@example.id", phone="+6281200000001")
    _file(client, mall, title="Antrean tidak jalan")
    _file(client, mall, title="Laporan anonim saya", anonymous="on")
    FiledReportFactory(mall=mall, title="Laporan orang lain")
    told = Message.objects.filter(event=Event.COMPLAINT_FILED, user=citizen)
    assert told.count() == 2  # not the anonymous one
    # On the citizen's first channel, at the address given with the report.
    assert told.order_by("pk").first().to in {"siti.lain@example.id", "+6281200000001"}

    home = client.get(reverse("portal:home"))
    assert reverse("portal:my-reports") in home.text  # in the header
    with django_assert_max_num_queries(10):
        listing = client.get(reverse("portal:my-reports"))
    assert "Pungutan di loket" in listing.text and "Antrean tidak jalan" in listing.text
    assert "Laporan anonim saya" not in listing.text
    assert "Laporan orang lain" not in listing.text

    first = Report.objects.get(reporter=citizen, title="Pungutan di loket")
    detail = client.get(reverse("portal:my-report", args=[first.tracking_id]))
    for shown in ("Siti A.", "siti.lain@example.id", "+6281200000001"):
        assert shown in detail.text


def test_nobody_else_opens_my_complaint(client, mall):
    citizen = UserFactory()
    client.force_login(citizen)
    _file(client, mall)
    report = Report.objects.get()
    url = reverse("portal:my-report", args=[report.tracking_id])
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(reverse("portal:my-report", args=["LPR-1999-000001"])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_the_owner_replies_from_my_complaints(client, mall):
    client.force_login(UserFactory())
    _file(client, mall)
    report = Report.objects.get()
    url = reverse("portal:my-report-respond", args=[report.tracking_id])
    empty = client.post(url, {"action": "reply", "text": " "}, follow=True)
    assert "Tuliskan tanggapan Anda." in empty.text
    client.post(url, {"action": "reply", "text": "Ini tambahan saya."})
    assert report.events.filter(kind="replied", text="Ini tambahan saya.").exists()


def test_the_reporter_downloads_their_evidence_and_nobody_else(client, mall):
    citizen = UserFactory()
    client.force_login(citizen)
    follow = _file(client, mall, attachments=png("bukti.png"))
    report = Report.objects.get()
    attachment = report.attachments.get()
    other = FiledReportFactory(mall=mall, attachments=[png("lain.png")])
    other_file = other.report.attachments.get()

    own = reverse("portal:my-report-file", args=[report.tracking_id, attachment.pk])
    assert own in client.get(reverse("portal:my-report", args=[report.tracking_id])).text
    response = client.get(own)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    mixed = reverse("portal:my-report-file", args=[report.tracking_id, other_file.pk])
    assert client.get(mixed).status_code == 404  # another report's file under mine

    client.logout()
    by_secret = f"{follow}berkas/{attachment.pk}/"
    assert by_secret in client.get(follow).text
    assert client.get(by_secret).status_code == 200
    tracking = report.tracking_id
    wrong_secret = reverse("portal:report-file", args=[tracking, "salah", attachment.pk])
    assert client.get(wrong_secret).status_code == 404
    client.force_login(UserFactory())
    assert client.get(own).status_code == 404
