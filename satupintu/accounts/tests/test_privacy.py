"""Every staff look at personal data is recorded (UU 27/2022 PDP): complaint identities, NIK
look-ups at the desk, citizens' messages in the admin; the record is read by the mall's manager
and the superuser only, and the ministry monitor reads no citizen's message."""

import pytest
from django.urls import reverse

from satupintu.accounts.models import PersonalDataAccess
from satupintu.accounts.privacy import Kind, record_access
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.complaints.tests.factories import ConsultationFactory, ReportFactory
from satupintu.malls.models import StaffMembership
from satupintu.malls.tests.factories import AgencyFactory, MallFactory, UserFactory, staff_member
from satupintu.notify.models import Message
from satupintu.notify.services import Recipient, notify
from satupintu.notify.tests.factories import ensure_default_template

pytestmark = pytest.mark.django_db
R = StaffMembership.Role


def _staff(role, *, mall=None, agency=None, **fields):
    return staff_member(role, mall=mall, agency=agency, **fields)


def test_opening_a_complaints_identity_is_recorded_without_the_identity(client):
    mall = MallFactory()
    manager = _staff(R.MALL_MANAGER, mall=mall)
    report = ReportFactory(mall=mall)
    client.force_login(manager)
    page = client.get(reverse("backoffice:report", args=[report.tracking_id]))
    assert "budi@example.id" in page.text
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.kind, access.mall) == (manager, Kind.COMPLAINT_IDENTITY, mall)
    assert (access.object_type, access.object_id) == ("complaints.report", str(report.pk))
    assert access.where == "backoffice:report"
    stored = " ".join(str(v) for v in PersonalDataAccess.objects.values().get().values())
    assert "budi" not in stored.lower() and "6281234567890" not in stored


def test_a_report_whose_identity_is_not_shown_records_nothing(client):
    mall = MallFactory()
    agency = AgencyFactory(mall=mall)
    officer = _staff(R.FRONT_OFFICE, agency=agency)
    anonymous = ReportFactory(mall=mall, anonymous=True)
    client.force_login(_staff(R.MALL_MANAGER, mall=mall))
    assert client.get(reverse("backoffice:report", args=[anonymous.tracking_id])).status_code == 200
    client.force_login(officer)
    confidential = ReportFactory(mall=mall, confidential=True, agency=agency)
    client.get(reverse("backoffice:report", args=[confidential.tracking_id]))
    assert not PersonalDataAccess.objects.exists()


def test_a_nik_look_up_at_the_desk_is_recorded_found_or_new(client):
    service = ServiceFactory(form_schema=[])
    officer = _staff(R.FRONT_OFFICE, agency=service.agency)
    client.force_login(officer)
    refused = client.post(reverse("backoffice:case-new"), {"service": service.pk, "nik": "12"})
    assert refused.status_code == 200 and not PersonalDataAccess.objects.exists()
    data = {"service": service.pk, "nik": "3271014501900001", "name": "Ani", "phone": ""}
    client.post(reverse("backoffice:case-new"), data)
    client.post(reverse("backoffice:case-new"), data)  # found this time
    accesses = list(PersonalDataAccess.objects.order_by("at"))
    assert [a.kind for a in accesses] == [Kind.NIK_LOOKUP, Kind.NIK_LOOKUP]
    ani = accesses[0].subject
    assert ani.nik == "3271014501900001" and accesses[1].subject == ani
    assert all(a.user == officer and a.mall == service.agency.mall for a in accesses)
    assert "3271014501900001" not in accesses[0].object_id + accesses[0].where


def test_opening_a_consultation_in_the_back_office_is_recorded(client):
    service = ServiceFactory()
    asker = UserFactory(first_name="Rina")
    consultation = ConsultationFactory(
        citizen=asker, service=service, subject="Syarat PBG", text="Perlu gambar struktur?"
    )
    officer = _staff(R.VERIFIER, agency=service.agency)
    client.force_login(officer)
    listing = client.get(reverse("backoffice:consultations", args=[service.agency.mall.slug]))
    assert listing.status_code == 200 and "Syarat PBG" in listing.text
    assert not PersonalDataAccess.objects.exists()  # the list shows subjects only
    page = client.get(reverse("backoffice:consultation", args=[consultation.pk]))
    assert "Perlu gambar struktur?" in page.text
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.kind, access.subject) == (officer, Kind.CONSULTATION, asker)
    assert access.mall == service.agency.mall and access.where == "backoffice:consultation"
    assert (access.object_type, access.object_id) == (
        "complaints.consultation",
        str(consultation.pk),
    )
    # Someone who may not see it gets a 404 and leaves no record.
    client.force_login(_staff(R.VERIFIER, agency=AgencyFactory()))
    assert client.get(reverse("backoffice:consultation", args=[consultation.pk])).status_code == 404
    assert PersonalDataAccess.objects.count() == 1


@pytest.fixture
def message():
    ensure_default_template()
    mall = MallFactory()
    citizen = UserFactory(email="warga@example.id")
    return notify(
        event="application_received",
        mall=mall,
        context={"name": "Warga", "tracking": "MPP-1"},
        recipient=Recipient(user=citizen, email="warga@example.id", channels=("email",)),
    )


def test_opening_a_citizens_message_in_the_admin_is_recorded(client, message):
    manager = _staff(R.MALL_MANAGER, mall=message.mall)
    client.force_login(manager)
    listing = client.get(reverse("admin:notify_message_changelist"))
    assert listing.status_code == 200 and not PersonalDataAccess.objects.exists()
    page = client.get(reverse("admin:notify_message_change", args=[message.pk]))
    assert page.status_code == 200 and "warga@example.id" in page.text
    access = PersonalDataAccess.objects.get()
    assert (access.kind, access.subject, access.mall) == (Kind.MESSAGE, message.user, message.mall)
    assert access.object_id == str(message.pk)


def test_another_malls_manager_opens_nothing_and_nothing_is_recorded(client, message):
    client.force_login(_staff(R.MALL_MANAGER, mall=MallFactory()))
    page = client.get(reverse("admin:notify_message_change", args=[message.pk]))
    assert page.status_code == 302
    assert not PersonalDataAccess.objects.exists()


def test_the_ministry_monitor_reads_no_citizens_message(client, message):
    client.force_login(_staff(R.MINISTRY_MONITOR, is_staff=True))
    assert client.get(reverse("admin:notify_message_changelist")).status_code == 403
    assert client.get(reverse("admin:notify_message_change", args=[message.pk])).status_code in (
        403,
        302,
    )
    index = client.get(reverse("admin:index"))
    assert reverse("admin:notify_message_changelist") not in index.text
    assert "warga@example.id" not in index.text
    assert not PersonalDataAccess.objects.exists()
    assert Message.objects.filter(pk=message.pk).exists()


def test_the_record_is_read_only_and_scoped_to_the_managers_mall(client):
    mall, other = MallFactory(), MallFactory()
    officer = _staff(R.FRONT_OFFICE, agency=AgencyFactory(mall=mall))
    mine = record_access(user=officer, kind=Kind.NIK_LOOKUP, mall=mall, where="x")
    theirs = record_access(user=officer, kind=Kind.NIK_LOOKUP, mall=other, where="y")
    listing_url = reverse("admin:accounts_personaldataaccess_changelist")

    client.force_login(_staff(R.MALL_MANAGER, mall=mall))
    listing = client.get(listing_url)
    assert listing.status_code == 200
    assert reverse("admin:accounts_personaldataaccess_change", args=[mine.pk]) in listing.text
    assert reverse("admin:accounts_personaldataaccess_change", args=[theirs.pk]) not in listing.text
    page = client.get(reverse("admin:accounts_personaldataaccess_change", args=[mine.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text
    client.post(
        reverse("admin:accounts_personaldataaccess_change", args=[mine.pk]), {"where": "changed"}
    )
    deleted = client.post(
        reverse("admin:accounts_personaldataaccess_delete", args=[mine.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    mine.refresh_from_db()
    assert mine.where == "x"

    for outsider in (officer, _staff(R.MINISTRY_MONITOR, is_staff=True)):
        client.force_login(outsider)
        assert client.get(listing_url).status_code == 403

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(listing_url)
    assert reverse("admin:accounts_personaldataaccess_change", args=[theirs.pk]) in listing.text
