"""Demo data modelled on the 2020 articles: MPP Kota Bogor and MPP Kabupaten Probolinggo.

It writes through the apps' services wherever one exists (registering the citizen, granting
staff roles, publishing announcements, importing catalogs, filing an application, booking a
visit, filing a complaint); the rows no service writes yet (malls, opening hours, counters,
forms, demo authenticators) directly.
"""

from base64 import b32encode
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from satupintu.accounts.models import User
from satupintu.accounts.services import citizen_register
from satupintu.booking.models import Closure, VisitPolicy
from satupintu.booking.selectors import open_days, ticket_prefix
from satupintu.booking.services.bookings import booking_create
from satupintu.booking.services.closures import closure_record
from satupintu.booking.services.slots import slots_open
from satupintu.cases.models import Application
from satupintu.cases.services.documents import document_add
from satupintu.cases.services.drafts import application_draft
from satupintu.cases.services.workflow import application_submit
from satupintu.catalog.importer import catalog_import
from satupintu.catalog.models import DownloadableForm, Service
from satupintu.complaints.models import Report
from satupintu.complaints.services import report_file
from satupintu.demo.history import history_seed
from satupintu.malls.calendar import in_mall_time, national_holiday
from satupintu.malls.models import (
    Agency,
    Announcement,
    Counter,
    Mall,
    OpeningHours,
    StaffMembership,
)
from satupintu.malls.services import announcement_publish, membership_grant
from satupintu.surveys.models import Response
from satupintu.surveys.services.responses import response_record_paper

DEMO_DIR = Path(settings.BASE_DIR) / "demo"
DEMO_PASSWORD = "satupintu-demo"  # noqa: S105 - printed for the demo, refused in production
# Every demo staff login's authenticator secret (the second step of signing in), printed too.
DEMO_TOTP_KEY = b"satupintu-demo-totp!".hex()
DEMO_TOTP_BASE32 = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
CITIZEN_NIK = "3271014501900001"  # the demo citizen signs in with it, as every citizen does

MALLS: list[dict[str, Any]] = [
    {
        "slug": "kota-bogor",
        "name": "MPP Kota Bogor",
        "kind": Mall.Kind.CITY,
        "region_code": "32.71",
        "time_zone": Mall.TimeZone.WIB,
        "address": "Jl. Ir. H. Juanda No. 10, Paledang, Bogor Tengah, Kota Bogor, Jawa Barat",
        "phone": "+622518321075",
        "whatsapp": "+6281110001234",
        "email": "mpp@kotabogor.go.id",
        "website": "https://mpp.kotabogor.go.id",
        "social_media": {"instagram": "mppkotabogor", "twitter": "mppkotabogor"},
        "hours": {d: (time(8), time(15, 30)) for d in range(5)},
        "catalog": "catalog-kota-bogor.csv",
    },
    {
        "slug": "kabupaten-probolinggo",
        "name": "MPP Kabupaten Probolinggo",
        "kind": Mall.Kind.REGENCY,
        "region_code": "35.13",
        "time_zone": Mall.TimeZone.WIB,
        "address": "Jl. Panglima Sudirman No. 134, Kraksaan, Kabupaten Probolinggo, Jawa Timur",
        "phone": "+62335841044",
        "whatsapp": "+6281130005678",
        "email": "mpp@probolinggokab.go.id",
        "website": "https://mpp.probolinggokab.go.id",
        "social_media": {"instagram": "mppkabprobolinggo"},
        "hours": {**{d: (time(7, 30), time(15)) for d in range(5)}, 5: (time(8), time(12))},
        "catalog": "catalog-kabupaten-probolinggo.csv",
    },
    *(
        # Lighter malls in other provinces, so the ministry's national view has rows to compare.
        {
            "slug": slug,
            "name": f"MPP {city}",
            "kind": Mall.Kind.CITY,
            "region_code": region,
            "time_zone": zone,
            "address": address,
            "hours": {d: (time(8), time(15)) for d in range(5)},
            "catalog": f"catalog-{slug}.csv",
        }
        for slug, city, region, zone, address in [
            (
                "kota-padang",
                "Kota Padang",
                "13.71",
                Mall.TimeZone.WIB,
                "Jl. Bagindo Aziz Chan No. 1, Padang Barat, Kota Padang, Sumatera Barat",
            ),
            (
                "kota-denpasar",
                "Kota Denpasar",
                "51.71",
                Mall.TimeZone.WITA,
                "Jl. Mulawarman No. 1, Dauh Puri Kelod, Denpasar Barat, Kota Denpasar, Bali",
            ),
            (
                "kota-makassar",
                "Kota Makassar",
                "73.71",
                Mall.TimeZone.WITA,
                "Jl. Jend. Ahmad Yani No. 2, Bulogading, Ujung Pandang, Kota Makassar, "
                "Sulawesi Selatan",
            ),
            (
                "kota-jayapura",
                "Kota Jayapura",
                "94.71",
                Mall.TimeZone.WIT,
                "Jl. Balai Kota No. 1, Entrop, Jayapura Selatan, Kota Jayapura, Papua",
            ),
        ]
    ),
]

# The online form most applications start with; services refine it in the admin.
BASE_FORM_SCHEMA = [
    {
        "name": "nik",
        "label": {"id": "NIK pemohon", "en": "Applicant's NIK"},
        "type": "nik",
        "required": True,
    },
    {
        "name": "nama",
        "label": {"id": "Nama lengkap", "en": "Full name"},
        "type": "text",
        "required": True,
    },
    {
        "name": "telepon",
        "label": {"id": "Nomor WhatsApp", "en": "WhatsApp number"},
        "type": "phone",
        "required": True,
    },
    {
        "name": "alamat",
        "label": {"id": "Alamat", "en": "Address"},
        "type": "textarea",
        "required": True,
    },
]


@dataclass
class DemoLogin:
    username: str
    role: str
    scope: str


def blank_form_pdf(title: str) -> bytes:
    """A one-page PDF showing ``title``: a stand-in for an agency's real form."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 16 Tf 60 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _mall(spec: dict) -> tuple[Mall, bool]:
    """The demo mall of ``spec``, created with its hours and catalog when missing; an existing
    one is left as its staff made it."""
    fields = {k: v for k, v in spec.items() if k not in ("slug", "hours", "catalog")}
    mall, created = Mall.objects.get_or_create(slug=spec["slug"], defaults=fields)
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(mall=mall, weekday=day, opens=opens, closes=closes)
            for day, (opens, closes) in spec["hours"].items()
        )
        catalog_import(mall=mall, path=DEMO_DIR / spec["catalog"])
    return mall, created


def _agency(mall: Mall, word: str) -> Agency:
    return Agency.objects.filter(mall=mall, name__icontains=word).earliest("pk")


# How the demo's approver is named under a signature: a full name, position (jabatan) and NIP.
SIGNATORIES = {
    "kepala.dpmptsp.bogor": {
        "first_name": "Rudi",
        "last_name": "Hartono, S.H., M.Si.",
        "position": "Kepala Dinas Penanaman Modal dan PTSP Kota Bogor",
        "nip": "197805122005011003",
    }
}


def _signatory(
    user: User, *, role: str, agency: Agency | None, first_name: str, last_name: str, **profile: str
) -> None:
    if not user.first_name:
        User.objects.filter(pk=user.pk).update(first_name=first_name, last_name=last_name)
    StaffMembership.objects.filter(user=user, role=role, agency=agency, position="").update(
        **profile
    )


def _staff(username: str, *, superuser: bool = False) -> tuple[User, bool]:
    # No service creates staff accounts: people get them from an administrator.
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@demo.satupintu.id"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_superuser = user.is_staff = superuser
        user.save()
    return user, created


@transaction.atomic
def demo_seed(*, history: bool = True) -> list[DemoLogin]:
    """Create what is missing of the demo malls, catalogs, forms, announcements and logins,
    and (``history``) each demo mall's past activity (``satupintu.demo.history``).

    A second run keeps what the demo's users did with the first one's data (edited services,
    withdrawn announcements, changed passwords, removed counters): it only adds what is absent.
    """
    malls: dict[str, Mall] = {}
    new: list[Mall] = []
    mall: Mall | None  # a demo mall's, then a staff login's (None for the mall-less ones)
    for spec in MALLS:
        mall, created = _mall(spec)
        malls[spec["slug"]] = mall
        if created:
            new.append(mall)
    bogor, probolinggo = malls["kota-bogor"], malls["kabupaten-probolinggo"]
    _forms(new, bogor)
    _announcements(malls, new)
    disdukcapil = _agency(bogor, "Kependudukan")
    dpmptsp = _agency(bogor, "Penanaman Modal")
    logins = _staff_logins(bogor, probolinggo, disdukcapil, dpmptsp)
    _counters(new)
    warga = User.objects.filter(nik=CITIZEN_NIK).first() or citizen_register(
        full_name="Siti Aminah",
        nik=CITIZEN_NIK,
        phone="+6281234567890",
        email="warga@demo.satupintu.id",
        password=DEMO_PASSWORD,
    )
    logins.append(DemoLogin(warga.username, "citizen", "Siti Aminah"))
    _demo_application(warga, dpmptsp)
    _demo_visit(warga, disdukcapil)
    _demo_report(warga, bogor, disdukcapil)
    _demo_survey(bogor)
    if history:
        history_seed(list(malls.values()))
    return logins


def _forms(malls: list[Mall], bogor: Mall) -> None:
    """A base form for every online service without one; a blank downloadable form for the
    first services of Bogor."""
    online = Service.objects.filter(
        agency__mall__in=malls, channel__in=[Service.Channel.ONLINE, Service.Channel.BOTH]
    )
    online.filter(form_schema=[]).update(form_schema=BASE_FORM_SCHEMA)
    if bogor not in malls:
        return
    for service in Service.objects.filter(agency__mall=bogor).order_by("pk")[:12]:
        if not service.forms.exists():
            form = DownloadableForm(service=service, title=f"Formulir {service.name}")
            form.file.save(
                f"formulir-{service.slug}.pdf",
                ContentFile(blank_form_pdf(f"Formulir {service.name}")),
                save=False,
            )
            form.save()


DEMO_RESTRICTION_DECREE = "SK Kepala DPMPTSP Kota Bogor No. 443/1120-DPMPTSP"
DEMO_RESTRICTION_DAYS = 30


def _announcements(malls: dict[str, Mall], new: list[Mall]) -> None:
    """The demo announcements of the malls just created. Bogor's restricted hours are a rule
    (a closure of kind "restricted"), which the slots follow and which words its announcement."""
    bogor, probolinggo = malls["kota-bogor"], malls["kabupaten-probolinggo"]
    now = timezone.now()
    if bogor in new:
        _restricted_hours(bogor)
    if probolinggo in new:
        announcement_publish(
            mall=probolinggo,
            kind=Announcement.Kind.NEW_ONLINE_SERVICE,
            agency=_agency(probolinggo, "Kependudukan"),
            title="Akta kelahiran kini dapat diajukan daring",
            body="Unggah berkas dari rumah; dokumen dapat dicetak mandiri setelah terbit.",
            title_en="Birth certificates can now be applied for online",
            body_en="Upload the documents from home; print the certificate yourself once issued.",
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=60),
        )


def _restricted_hours(bogor: Mall) -> None:
    """Bogor receives visitors only 09.00–12.00 for the coming month, unless a run of the seed
    already recorded that (the decree moves any booking outside those hours)."""
    today = in_mall_time(timezone.now(), bogor).date()
    if Closure.objects.filter(
        mall=bogor, decree_number=DEMO_RESTRICTION_DECREE, ends_on__gte=today
    ).exists():
        return
    closure_record(
        mall=bogor,
        kind=Closure.Kind.RESTRICTED,
        decree_number=DEMO_RESTRICTION_DECREE,
        reason="Untuk mencegah kerumunan, layanan tatap muka dibatasi",
        reason_en="To prevent crowding, in-person service is limited",
        starts_on=today,
        ends_on=today + timedelta(days=DEMO_RESTRICTION_DAYS),
        opens=time(9),
        closes=time(12),
    )


def _staff_logins(
    bogor: Mall, probolinggo: Mall, disdukcapil: Agency, dpmptsp: Agency
) -> list[DemoLogin]:
    """One login for each role, each with the demo authenticator key."""
    R = StaffMembership.Role
    plan: list[tuple[str, str, Mall | None, Agency | None]] = [
        ("admin", "superuser", None, None),
        ("kementerian", R.MINISTRY_MONITOR, None, None),
        ("pengelola.bogor", R.MALL_MANAGER, bogor, None),
        ("pengelola.probolinggo", R.MALL_MANAGER, probolinggo, None),
        ("fo.disdukcapil.bogor", R.FRONT_OFFICE, None, disdukcapil),
        ("fo.dpmptsp.bogor", R.FRONT_OFFICE, None, dpmptsp),
        ("verifikator.dpmptsp.bogor", R.VERIFIER, None, dpmptsp),
        ("teknis.dpmptsp.bogor", R.TECHNICAL_TEAM, None, dpmptsp),
        ("kepala.dpmptsp.bogor", R.APPROVER, None, dpmptsp),
    ]
    logins = []
    for username, role, mall, agency in plan:
        user, created = _staff(username, superuser=role == "superuser")
        if created:
            # An existing login keeps the roles and authenticator the demo's admin left it.
            if role != "superuser":
                membership_grant(user=user, role=role, mall=mall, agency=agency)
            TOTPDevice.objects.create(user=user, name="Demo", key=DEMO_TOTP_KEY, confirmed=True)
        if username in SIGNATORIES:
            _signatory(user, role=role, agency=agency, **SIGNATORIES[username])
        logins.append(DemoLogin(username, str(role), str(agency or mall or "—")))
    return logins


def _counters(malls: Iterable[Mall]) -> None:
    """Each mall's visit policy and its agencies' counters."""
    for mall in malls:
        VisitPolicy.objects.get_or_create(mall=mall)  # 60 seats at half, 14 days ahead
        for agency in Agency.objects.filter(mall=mall).order_by("pk"):
            # Civil registration and permits have the busiest counters, as in the articles.
            count = 6 if "Kependudukan" in agency.name else 4 if "Penanaman" in agency.name else 2
            for n in range(1, count + 1):
                Counter.objects.get_or_create(agency=agency, label=f"{ticket_prefix(agency)}{n}")


def _demo_visit(citizen: User, agency: Agency) -> None:
    """One booked visit of the demo citizen at Disdukcapil, on the first open day from tomorrow,
    so "my visits" and the front desk's list are not empty."""
    if citizen.bookings.exists():
        return
    service = (
        Service.objects.filter(agency=agency)
        .exclude(channel=Service.Channel.ONLINE)
        .order_by("pk")
        .first()
    )
    if service is None:
        return
    for day in open_days(service=service)[1:]:
        free = [slot for slot in slots_open(service=service, day=day).slots if slot.available > 0]
        if free:
            booking_create(citizen=citizen, slot=free[0])
            return


def _demo_report(citizen: User, mall: Mall, agency: Agency) -> None:
    """One complaint of the demo citizen waiting for the coordinator's verification."""
    if Report.objects.filter(reporter=citizen).exists():
        return
    report_file(
        mall=mall,
        agency=agency,
        kind=Report.Kind.COMPLAINT,
        category=Report.Category.TIME,
        title="Antrean perekaman KTP-el terlalu lama",
        text="Saya menunggu lebih dari tiga jam untuk perekaman KTP-el, padahal sudah datang "
        "sesuai jadwal kunjungan.",
        reporter=citizen,
    )


def _demo_application(citizen: User, agency: Agency) -> None:
    """One submitted application of the demo citizen, waiting at DPMPTSP's document check, so
    the work queue and "my applications" are not empty."""
    if Application.objects.filter(applicant=citizen).exists():
        return
    service = (
        Service.objects.filter(agency=agency)
        .exclude(channel=Service.Channel.IN_PERSON)
        .order_by("pk")
        .first()
    )
    if service is None:
        return
    draft = application_draft(
        applicant=citizen,
        service=service,
        form_data={
            "nik": citizen.nik,
            "nama": "Siti Aminah",
            "telepon": citizen.phone,
            "alamat": "Jl. Pajajaran No. 10, Kota Bogor",
        },
    )
    for requirement in service.requirements.all():
        document_add(
            application=draft,
            upload=ContentFile(blank_form_pdf(requirement.text[:60]), name="berkas.pdf"),
            by=citizen,
            requirement=requirement,
        )
    application_submit(application=draft)


def _demo_survey(mall: Mall) -> None:
    """Forty IKM questionnaires typed in from paper over the last months, so the mall's page,
    its first services' pages and the staff results show an IKM (fifteen for the first service,
    above the ten the portal asks for)."""
    if Response.objects.filter(mall=mall).exists():
        return
    services = list(Service.objects.filter(agency__mall=mall, is_active=True).order_by("pk")[:6])
    if not services:
        return
    today = in_mall_time(timezone.now(), mall).date()
    weekdays = set(mall.opening_hours.values_list("weekday", flat=True))

    def open_on_or_before(day: date) -> date:
        # Paper forms are filled in at the mall, on a day it receives visitors.
        while day.weekday() not in weekdays or national_holiday(day):
            day -= timedelta(days=1)
        return day

    profiles = [
        {"gender": "P", "age_band": "31-40", "education": "sma", "occupation": "wirausaha"},
        {"gender": "L", "age_band": "21-30", "education": "d4-s1", "occupation": "swasta"},
        {"gender": "P", "age_band": "41-50", "education": "smp", "occupation": "lainnya"},
        {},
    ]
    for n in range(40):
        # Mostly 3s and 4s, waiting time (U3) and facilities (U9) lowest, as surveys find.
        scores = {f"u{e}": 4 if (n + e) % 3 else 3 for e in range(1, 10)}
        scores["u3"] = 2 + n % 2
        scores["u9"] = 3
        response_record_paper(
            service=services[0] if n < 15 else services[n % len(services)],
            filled_on=open_on_or_before(today - timedelta(days=1 + (n * 7) % 300)),
            scores=scores,
            profile=profiles[n % len(profiles)],
        )
