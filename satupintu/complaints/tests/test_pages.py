"""Filing and following a report on the portal; handling it on the staff pages."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from satupintu.cases.tests.files import png
from satupintu.complaints import services
from satupintu.complaints.models import Report
from satupintu.malls.models import StaffMembership
from satupintu.malls.services import membership_grant
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory, staff_member

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def mall():
    return MallFactory(name="MPP Kota Bogor")


@pytest.fixture
def agency(mall):
    return AgencyFactory(mall=mall, name="Disdukcapil")


def _form(mall, **extra):
    return {
        "mall": mall.pk,
        "kind": "pengaduan",
        "category": "biaya",
        "title": "Pungutan di loket",
        "text": f"Saya diminta membayar untuk KTP-el. {SCRIPT}",
        "name": "Budi",
        "email": "budi@example.id",
        **extra,
    }


def _file(client, mall, **extra):
    response = client.post(reverse("portal:report-new"), _form(mall, **extra))
    assert response.status_code == 302, response.content[:2000]
    return response.url


def test_anyone_files_and_follows_with_the_secret_link(client, mall):
    follow = _file(client, mall)
    report = Report.objects.get()
    page = client.get(follow)
    assert report.tracking_id in page.text
    assert SCRIPT not in page.text and "&lt;script&gt;" in page.text  # stored as is, shown escaped
    assert SCRIPT in report.text
    wrong = follow.replace(follow.rstrip("/").rsplit("/", 1)[1], "salah")
    assert client.get(wrong).status_code == 404


def test_signed_in_but_anonymous_leaves_no_trace(client, mall):
    client.force_login(UserFactory(email="budi@example.id"))
    _file(client, mall, anonymous="on")
    report = Report.objects.get()
    assert report.reporter is None and report.reporter_email == "" and report.reporter_name == ""


def test_bad_input_is_explained(client, mall):
    short = client.post(reverse("portal:report-new"), _form(mall, text="pendek"))
    assert short.status_code == 200 and "text" in short.context["form"].errors
    fake = SimpleUploadedFile("bukti.jpg", b"GIF89a not a jpeg")
    disguised = client.post(reverse("portal:report-new"), {**_form(mall), "attachments": fake})
    assert "sesuai" in str(disguised.context["form"].errors["attachments"])
    other = AgencyFactory()
    wrong = client.post(reverse("portal:report-new"), _form(mall, agency=other.pk))
    assert "agency" in wrong.context["form"].errors
    assert not Report.objects.exists()


def test_flooding_from_one_address_is_refused_with_a_message(client, mall):
    for _ in range(5):
        _file(client, mall)
    refused = client.post(reverse("portal:report-new"), _form(mall))
    assert refused.status_code == 429 and "Terlalu banyak" in refused.text
    assert Report.objects.count() == 5


def test_coordinator_routes_the_agency_answers_and_the_reporter_rates(client, mall, agency):
    follow = _file(client, mall, confidential="on")
    report = Report.objects.get()
    coordinator, officer = UserFactory(), UserFactory()
    membership_grant(user=coordinator, role=StaffMembership.Role.MALL_MANAGER, mall=mall)
    membership_grant(user=officer, role=StaffMembership.Role.FRONT_OFFICE, agency=agency)

    client.force_login(officer)
    assert client.get(reverse("backoffice:report", args=[report.tracking_id])).status_code == 404

    client.force_login(coordinator)
    page = client.get(reverse("backoffice:report", args=[report.tracking_id]))
    assert "budi@example.id" in page.text and SCRIPT not in page.text
    client.post(
        reverse("backoffice:report-act", args=[report.tracking_id]),
        {"action": "route", "agency": agency.pk, "deadline_class": 5},
    )

    client.force_login(officer)
    page = client.get(reverse("backoffice:report", args=[report.tracking_id]))
    assert "budi@example.id" not in page.text  # confidential
    client.post(
        reverse("backoffice:report-act", args=[report.tracking_id]),
        {"action": "route", "agency": agency.pk},
    )  # only coordinators route: refused
    client.post(
        reverse("backoffice:report-act", args=[report.tracking_id]),
        {"action": "answer", "text": "Petugas telah diberi sanksi."},
    )
    report.refresh_from_db()
    assert report.status == Report.Status.ANSWERED

    client.logout()
    respond = re.sub(r"/$", "/tanggapi/", follow)
    client.post(respond, {"action": "rate", "rating": "5"})
    report.refresh_from_db()
    assert report.status == Report.Status.CLOSED and report.rating == 5


def test_evidence_is_served_only_to_staff_who_may_read_the_report(client, mall, agency):
    client.post(reverse("portal:report-new"), {**_form(mall), "attachments": png("bukti.png")})
    report = Report.objects.get()
    attachment = report.attachments.get()
    stored = Path(attachment.file.path)
    assert stored.exists() and not stored.is_relative_to(settings.MEDIA_ROOT)
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    url = reverse("backoffice:report-attachment", args=[report.tracking_id, attachment.pk])
    stranger = staff_member(StaffMembership.Role.FRONT_OFFICE, agency=agency)
    client.force_login(stranger)
    assert client.get(url).status_code == 404  # not routed to their agency
    coordinator = staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)
    client.force_login(coordinator)
    response = client.get(url)
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(
        b"\x89PNG"
    )


@pytest.mark.parametrize("posted", ["abc", "3", "٥", "５", "1e3", "-2", "99999"])
def test_staff_page_refuses_a_deadline_class_outside_sp4n_lapor(client, mall, agency, posted):
    coordinator = staff_member(StaffMembership.Role.MALL_MANAGER, mall=mall)
    report = services.report_file(
        mall=mall, kind="pengaduan", category="biaya", title="Pungutan", text="Ada pungutan liar."
    ).report
    client.force_login(coordinator)
    answer = client.post(
        reverse("backoffice:report-act", args=[report.tracking_id]),
        {"action": "route", "agency": agency.pk, "deadline_class": posted},
        follow=True,
    )
    assert answer.status_code == 200
    assert "SP4N-LAPOR!" in answer.text
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED


def test_an_evidence_file_name_too_long_is_refused_not_cut(client, mall):
    from satupintu.cases.tests.files import pdf

    long_name = client.post(
        reverse("portal:report-new"), {**_form(mall), "attachments": pdf("b" * 197 + ".pdf")}
    )
    assert "paling banyak 200" in str(long_name.context["form"].errors["attachments"])
    assert not Report.objects.exists()
    _file(client, mall, attachments=pdf("b" * 196 + ".pdf"))
    assert Report.objects.get().attachments.get().name == "b" * 196 + ".pdf"
