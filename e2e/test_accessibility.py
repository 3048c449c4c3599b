"""axe-core (bundled by axe-playwright-python, injected by Playwright) finds no violation, of any
impact, on the portal's and the staff pages, on a phone and on a desktop (a few in English too);
no page scrolls sideways on a phone; the skip link and the focus ring work."""

import io
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from satupintu.accounts import recovery
from satupintu.accounts.models import AccountCode, User
from satupintu.booking.models import Booking
from satupintu.booking.services import tickets
from satupintu.cases.models import Application
from satupintu.cases.services import workflow
from satupintu.cases.tests.factories import ApplicationFactory, staff_of
from satupintu.cases.tests.test_signing import ADDRESS, decision_service, use_tmp_signing_dir
from satupintu.catalog.models import Service
from satupintu.complaints.models import Report
from satupintu.complaints.services import report_file
from satupintu.demo.seed import CITIZEN_NIK
from satupintu.malls.models import Agency, Counter, Mall
from satupintu.surveys.models import Invitation
from satupintu.surveys.services.invitations import token_hash

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TV = {"width": 1920, "height": 1080}
FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
# What sticks out on the right, to say where a page that scrolls sideways does.
STICKING_OUT = """[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(-3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
    + " " + Math.round(e.getBoundingClientRect().right) + "px")"""
LINK_SECRET = "a11y-link-secret-0123456789abcdefghijklmnop"  # noqa: S105 - a test's reset link
SURVEY_SECRET = "a11y-survey-secret-0123456789abcdefghijklmn"  # noqa: S105 - an invitation's

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
    # The counter has a waiting list to show; the reset link's row is live.
    walk_in = Service.objects.filter(agency=dpmptsp).exclude(channel=Service.Channel.ONLINE)
    for _n in range(2):
        tickets.walk_in(service=walk_in.earliest("pk"))
    AccountCode.objects.create(
        user=citizen,
        purpose=AccountCode.Purpose.RESET,
        link_hash=recovery._link_hash(LINK_SECRET),  # noqa: SLF001 - the emailed link's secret
        code_hash="-",
        expires=timezone.now() + timedelta(hours=1),
    )
    Invitation.objects.create(
        source=Invitation.Source.VISIT,
        source_id=booking.pk,
        token_hash=token_hash(SURVEY_SECRET),
        mall=bogor,
        agency=in_person.agency,
        service=in_person,
        expires_at=timezone.now() + timedelta(days=30),
    )
    return {
        "": [
            ("home", "/"),
            ("search", "/?q=kartu+tanda+penduduk"),
            ("mall with restricted hours", f"/mpp/{bogor.slug}/"),
            ("agency", f"/mpp/{bogor.slug}/instansi/{dpmptsp.slug}/"),
            ("service", f"/layanan/{any_service.pk}/"),
            ("sign in", "/masuk/"),
            ("register", "/daftar/"),
            ("forgot password", "/lupa-sandi/"),
            ("claim", "/klaim/"),
            ("password link", f"/lupa-sandi/tautan/{LINK_SECRET}/"),
            ("sign out", "/keluar/"),
            ("complaint new", "/pengaduan/"),
            ("complaint lookup", "/pengaduan/lacak/"),
            ("tracking", "/lacak/"),
            ("kiosk", f"/mpp/{bogor.slug}/kios/"),
            ("kiosk agency's services", f"/mpp/{bogor.slug}/kios/?agency={dpmptsp.pk}"),
            ("board", f"/mpp/{bogor.slug}/layar/"),
            ("report follow-up with its receipt", anonymous.follow_path),
            ("survey form", f"/survei/{SURVEY_SECRET}/"),
            ("survey thanks", "/survei/terima-kasih/"),
        ],
        citizen.username: [
            ("book", f"/layanan/{in_person.pk}/booking/"),
            ("reschedule", f"/layanan/{in_person.pk}/booking/?ubah={booking.code}"),
            ("bookings", "/akun/kunjungan/"),
            ("booking", f"/kunjungan/{booking.code}/"),
            ("cancel confirmation", f"/kunjungan/{booking.code}/batal/"),
            ("applications", "/akun/permohonan/"),
            ("application", f"/akun/permohonan/{application.pk}/"),
            ("apply", f"/layanan/{online.pk}/ajukan/"),
            ("inbox", "/akun/pesan/"),
            ("profile", "/akun/"),
            ("change password", "/akun/sandi/"),
            ("my data", "/akun/data/"),
            ("my reports", "/akun/pengaduan/"),
            ("my report", f"/akun/pengaduan/{report.tracking_id}/"),
            ("consultations", "/akun/konsultasi/"),
            ("consult", f"/layanan/{online.pk}/konsultasi/"),
        ],
        "fo.dpmptsp.bogor": [
            ("staff landing (their counter)", "/petugas/"),
            ("staff queue", "/petugas/permohonan/"),
            ("case page", f"/petugas/permohonan/{application.pk}/"),
            ("walk-in application", "/petugas/permohonan/baru/"),
            ("counter with a waiting list", f"/petugas/loket/{counter.pk}/"),
        ],
        "pengelola.bogor": [
            ("staff landing (front desk)", "/petugas/"),
            ("front desk", f"/petugas/{bogor.slug}/meja-depan/"),
            ("staff reports", f"/petugas/{bogor.slug}/pengaduan/"),
            ("staff report", f"/petugas/pengaduan/{report.tracking_id}/"),
            ("staff consultations", f"/petugas/{bogor.slug}/konsultasi/"),
            ("IKM results", f"/petugas/{bogor.slug}/ikm/"),
            ("IKM paper forms", f"/petugas/{bogor.slug}/ikm/kertas/"),
            ("statistics", f"/petugas/{bogor.slug}/statistik/"),
        ],
        "kementerian": [
            ("national view", "/petugas/nasional/"),
        ],
    }


# What a page must show for axe to look at what it was added for (its state, the new header).
SHOWS = {
    "mall with restricted hours": ".hours-rule",
    "kiosk agency's services": "button[name=service]",
    "report follow-up with its receipt": ".receipt",
    "reschedule": ".current-time",
    "cancel confirmation": "main form [type=submit]",
    "counter with a waiting list": "ol.queue li",
    "staff landing (their counter)": "nav.staff",
    "staff landing (front desk)": "nav.staff",
    "profile": "nav.account",
    "home": "form.lang",
    "survey form": "fieldset.survey-element",
    "IKM results": ".ikm-summary",
    "statistics": "figure.chart canvas",  # drawn by the project's Chart.js, under the CSP
    "national view": "figure.chart canvas",
}

# A few pages in English too: words differ in length and the language switcher flips.
IN_ENGLISH = {"home", "service", "sign in", "book", "case page", "survey form"}


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


class _Looker:
    """Runs axe on the page shown, at each viewport, and checks nothing scrolls sideways on
    a phone; collects what it finds so one run reports every page."""

    def __init__(self, page) -> None:
        self.page, self.axe = page, Axe()
        self.found: dict[str, list[str]] = {}
        self.looked = 0

    def look(self, name: str, viewports: tuple[dict, ...] = (PHONE, DESKTOP)) -> None:
        for viewport in viewports:
            self.page.set_viewport_size(viewport)
            where = f"{name} {self.page.url} at {viewport['width']}px"
            results = self.axe.run(self.page, options=AXE_OPTIONS)
            self.looked += 1
            problems = _describe(results.response["violations"])
            if viewport["width"] <= PHONE["width"] and not self.page.evaluate(FITS):
                wide = ", ".join(self.page.evaluate(STICKING_OUT))
                problems.append(f"scrolls sideways (scrollWidth > clientWidth): {wide}")
            if problems:
                self.found[where] = problems
        self.page.set_viewport_size(PHONE)

    def goto(self, base: str, name: str, path: str, **kwargs) -> None:
        response = self.page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, (name, path, response)
        shows = SHOWS.get(name.removesuffix(" (English)"))
        assert shows is None or self.page.locator(shows).count(), (name, path, shows)
        self.look(name, **kwargs)


def _code_steps(looker: _Looker, base: str) -> None:
    """The pages reached only through a form: the code steps of signing up and of a
    forgotten password."""
    page = looker.page
    page.context.clear_cookies()
    page.goto(f"{base}/daftar/")
    page.locator("[name=full_name]").fill("Rina Wulandari")
    page.locator("[name=nik]").fill("3271014501900077")
    page.locator("[name=phone]").fill("0812 3456 7890")
    page.locator("[name=password1]").fill("sandi-rina-yang-panjang-2026")
    page.locator("[name=password2]").fill("sandi-rina-yang-panjang-2026")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url("**/daftar/kode/**")
    looker.look("registration code")
    page.context.clear_cookies()
    page.goto(f"{base}/lupa-sandi/")
    page.locator("[name=login]").fill(CITIZEN_NIK)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url("**/lupa-sandi/kode/")
    looker.look("forgotten password code")


def _sign_confirmation(looker: _Looker, base: str) -> None:
    """The approver's page confirming what they sign, reached by "Approve and sign"."""
    service = decision_service()
    staff = staff_of(service)
    submitted = ApplicationFactory(  # by the demo's citizen: one account per NIK
        applicant=User.objects.get(nik=CITIZEN_NIK),
        service=service,
        form_data={"nik": CITIZEN_NIK, "fungsi": "usaha", "alamat": ADDRESS},
        submitted=True,
    )
    application = workflow.application_act(
        application=submitted, actor=staff["front_office"], action="forward"
    )
    _sign_in_as(looker.page, base, staff["approver"].username)
    looker.page.goto(f"{base}/petugas/permohonan/{application.pk}/")
    looker.page.locator("button[name=action][value=forward]").click()
    looker.page.locator("[name=confirmed][value=yes]").wait_for(state="attached")
    looker.look("approver's sign confirmation")


def test_axe_finds_no_violation_on_portal_and_staff_pages(live_server, page, settings, tmp_path):
    use_tmp_signing_dir(settings, tmp_path)
    # The pages are the same with or without the demo's history (a million rows, which
    # demo/tests/test_history.py seeds): the statistics show what the seed has, counted.
    call_command("seed_demo", "--no-history")
    call_command("stats_backfill", "--no-progress", stdout=io.StringIO())
    base = live_server.url
    looker = _Looker(page)
    for username, pages in _pages().items():
        _sign_in_as(page, base, username)
        for name, path in pages:
            if name == "board":  # a TV in the hall
                looker.goto(base, name, path, viewports=(TV,))
                continue
            looker.goto(base, name, path)
            if name in IN_ENGLISH:
                looker.goto(base, f"{name} (English)", f"/en{path}")
    _code_steps(looker, base)
    _sign_confirmation(looker, base)
    assert looker.looked >= 100
    found = looker.found
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
