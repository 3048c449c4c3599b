"""axe-core (bundled by axe-playwright-python, injected by Playwright) finds no violation, of any
impact, on the portal's and the staff pages, on a phone; the skip link and the focus ring work."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from satupintu.accounts.models import User
from satupintu.booking.models import Booking
from satupintu.cases.models import Application
from satupintu.catalog.models import Service
from satupintu.complaints.models import Report
from satupintu.complaints.services import report_file
from satupintu.demo.seed import CITIZEN_NIK
from satupintu.malls.models import Agency, Counter, Mall

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every WCAG 2.0/2.1/2.2 A and AA rule, and axe's best practices (landmarks, headings, regions).
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}


def _pages() -> dict[str, list[tuple[str, str]]]:
    """Who looks (None: nobody signed in) -> the pages (name, path) they look at."""
    bogor = Mall.objects.get(slug="kota-bogor")
    dpmptsp = Agency.objects.filter(mall=bogor, name__icontains="Penanaman Modal").earliest("pk")
    citizen = User.objects.get(nik=CITIZEN_NIK)
    application = Application.objects.get(applicant=citizen)
    booking = Booking.objects.filter(citizen=citizen).get()
    report = Report.objects.filter(reporter=citizen).get()
    in_person = booking.slot.service
    online = application.service
    counter = Counter.objects.filter(agency=dpmptsp).earliest("pk")
    any_service = Service.objects.filter(agency__mall=bogor).earliest("pk")
    anonymous = report_file(
        mall=bogor,
        kind=Report.Kind.COMPLAINT,
        category=Report.Category.TIME,
        title="Antrean lama",
        text="Menunggu tiga jam di loket.",
        anonymous=True,
    )
    return {
        "": [
            ("home", "/"),
            ("search", "/?q=kartu+tanda+penduduk"),
            ("mall", f"/mpp/{bogor.slug}/"),
            ("agency", f"/mpp/{bogor.slug}/instansi/{dpmptsp.slug}/"),
            ("service", f"/layanan/{any_service.pk}/"),
            ("sign in", "/masuk/"),
            ("register", "/daftar/"),
            ("forgot password", "/lupa-sandi/"),
            ("claim", "/klaim/"),
            ("sign out", "/keluar/"),
            ("complaint new", "/pengaduan/"),
            ("complaint lookup", "/pengaduan/lacak/"),
            ("tracking", "/lacak/"),
            ("kiosk", f"/mpp/{bogor.slug}/kios/"),
            ("board", f"/mpp/{bogor.slug}/layar/"),
            ("report follow-up", anonymous.follow_path),
        ],
        citizen.username: [
            ("book", f"/layanan/{in_person.pk}/booking/"),
            ("bookings", "/akun/kunjungan/"),
            ("booking", f"/kunjungan/{booking.code}/"),
            ("applications", "/akun/permohonan/"),
            ("application", f"/akun/permohonan/{application.pk}/"),
            ("apply", f"/layanan/{online.pk}/ajukan/"),
            ("inbox", "/akun/pesan/"),
            ("profile", "/akun/"),
            ("change password", "/akun/sandi/"),
            ("my data", "/akun/data/"),
            ("consultations", "/akun/konsultasi/"),
            ("consult", f"/layanan/{online.pk}/konsultasi/"),
        ],
        "fo.dpmptsp.bogor": [
            ("staff queue", "/petugas/permohonan/"),
            ("case page", f"/petugas/permohonan/{application.pk}/"),
            ("walk-in application", "/petugas/permohonan/baru/"),
            ("counter", f"/petugas/loket/{counter.pk}/"),
        ],
        "pengelola.bogor": [
            ("front desk", f"/petugas/{bogor.slug}/meja-depan/"),
            ("staff reports", f"/petugas/{bogor.slug}/pengaduan/"),
            ("staff report", f"/petugas/pengaduan/{report.tracking_id}/"),
            ("staff consultations", f"/petugas/{bogor.slug}/konsultasi/"),
        ],
    }


def _sign_in_as(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    if not username:
        return
    client = Client()
    client.force_login(User.objects.get(username=username))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}
    page.context.add_cookies([cookie])


def _describe(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:4])
        for v in violations
    ]


def test_axe_finds_no_violation_on_portal_and_staff_pages(live_server, page):
    call_command("seed_demo")
    axe = Axe()
    found: dict[str, list[str]] = {}
    looked = 0
    for username, pages in _pages().items():
        _sign_in_as(page, live_server.url, username)
        for name, path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, (name, path, response)
            results = axe.run(page, options=AXE_OPTIONS)
            looked += 1
            if results.response["violations"]:
                found[f"{name} {path}"] = _describe(results.response["violations"])
    assert looked >= 15
    assert not found, "\n".join(f"{page}:\n  " + "\n  ".join(v) for page, v in found.items())


def test_the_skip_link_is_first_and_moves_focus_to_the_content(live_server, page):
    page.goto(f"{live_server.url}/lacak/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Langsung ke isi"
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_focused_controls_show_a_ring_of_at_least_two_pixels(live_server, page):
    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("NIK atau email").focus()
    page.keyboard.press("Tab")  # keyboard focus: :focus-visible applies
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert ring[0] != "none" and ring[1] >= 2
