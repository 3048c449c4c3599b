import pytest
from django.core.management import call_command

from satupintu.accounts.models import User
from satupintu.cases.models import Application
from satupintu.cases.selectors import work_queue
from satupintu.catalog.models import Service
from satupintu.catalog.selectors import service_search
from satupintu.malls.models import Agency, Mall, StaffMembership

pytestmark = pytest.mark.django_db


def test_demo_has_both_malls_as_the_articles_describe_and_lighter_ones_elsewhere(capsys):
    call_command("seed_demo", "--no-history")
    bogor = Mall.objects.get(slug="kota-bogor")
    probolinggo = Mall.objects.get(slug="kabupaten-probolinggo")

    assert Agency.objects.filter(mall=bogor).count() == 14
    assert Service.objects.filter(agency__mall=bogor).count() == 203
    assert Service.objects.filter(agency__mall=probolinggo, agency__kind="local").count() == 121
    assert Service.objects.filter(agency__mall=probolinggo, agency__kind="vertical").count() == 70
    out = capsys.readouterr().out
    for role in StaffMembership.Role.values:
        assert role in out
    assert service_search(query="KTP", mall=bogor).exists()
    # A few more malls in other provinces and time zones, for the national view.
    others = Mall.objects.exclude(pk__in=[bogor.pk, probolinggo.pk])
    assert {m.region_code[:2] for m in others} == {"13", "51", "73", "94"}
    assert {m.time_zone for m in others} == {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
    for mall in others:
        assert 2 <= Agency.objects.filter(mall=mall).count() <= 3
        assert Service.objects.filter(agency__mall=mall, channel="both").exists()


def test_demo_can_be_loaded_twice_without_duplicates():
    call_command("seed_demo", "--no-history")
    count = Service.objects.count()
    call_command("seed_demo", "--no-history")
    assert Service.objects.count() == count
    assert Application.objects.count() == 1


def test_the_demo_application_waits_in_dpmptsp_queue_with_its_documents():
    call_command("seed_demo", "--no-history")
    application = Application.objects.get(applicant__nik="3271014501900001")
    assert application.status == Application.Status.IN_PROGRESS
    assert application.step == "pemeriksaan_berkas"
    assert application.documents.count() == application.service.requirements.count()
    officer = User.objects.get(username="fo.dpmptsp.bogor")
    assert list(work_queue(officer)) == [application]


def test_demo_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="production"):
        call_command("seed_demo", "--no-history")


def test_the_demo_citizen_has_a_visit_and_a_complaint_made_through_the_services():
    from satupintu.booking.models import Booking
    from satupintu.complaints.models import Report

    call_command("seed_demo", "--no-history")
    call_command("seed_demo", "--no-history")
    citizen = User.objects.get(nik="3271014501900001")
    assert citizen.check_password("satupintu-demo")
    [booking] = Booking.objects.filter(citizen=citizen)
    assert booking.status == Booking.Status.CONFIRMED and booking.slot.booked == 1
    [report] = Report.objects.filter(reporter=citizen)
    assert report.status == Report.Status.SUBMITTED and report.events.exists()


def test_a_second_seed_keeps_what_the_demo_users_did():
    from satupintu.malls.models import Announcement, Counter

    call_command("seed_demo", "--no-history")
    bogor = Mall.objects.get(slug="kota-bogor")
    Mall.objects.filter(pk=bogor.pk).update(phone="+622510000000")
    Announcement.objects.filter(mall=bogor).delete()
    service = Service.objects.filter(agency__mall=bogor).earliest("pk")
    Service.objects.filter(pk=service.pk).update(description="Diubah oleh pengelola")
    counter = Counter.objects.filter(agency__mall=bogor).earliest("pk")
    counter.delete()
    admin = User.objects.get(username="admin")
    admin.set_password("another-secret-1")
    admin.save()

    call_command("seed_demo", "--no-history")

    assert Mall.objects.get(pk=bogor.pk).phone == "+622510000000"
    assert not Announcement.objects.filter(mall=bogor).exists()
    assert Service.objects.get(pk=service.pk).description == "Diubah oleh pengelola"
    assert not Counter.objects.filter(pk=counter.pk).exists()
    assert not Counter.objects.filter(agency=counter.agency, label=counter.label).exists()
    assert User.objects.get(username="admin").check_password("another-secret-1")


def test_the_demo_restricted_hours_are_a_rule_the_slots_and_the_banner_follow(client):
    from datetime import time

    from django.utils import translation

    from satupintu.booking.models import Booking, Closure
    from satupintu.booking.selectors import open_days
    from satupintu.booking.services.slots import slots_open
    from satupintu.malls.calendar import in_mall_time
    from satupintu.malls.selectors import announcement_current

    call_command("seed_demo", "--no-history")
    call_command("seed_demo", "--no-history")
    bogor = Mall.objects.get(slug="kota-bogor")
    [closure] = Closure.objects.filter(mall=bogor)
    assert (closure.kind, closure.opens, closure.closes) == ("restricted", time(9), time(12))
    [banner] = [a for a in announcement_current(mall=bogor) if a.kind == "restricted_hours"]
    assert banner.pk == closure.announcement_id
    with translation.override("id"):
        assert "hanya buka 09.00–12.00" in banner.title
    with translation.override("en"):
        assert "open only 09.00–12.00" in banner.title

    service = Service.objects.filter(agency__mall=bogor, channel="both").order_by("pk").first()
    service = service or Service.objects.filter(agency__mall=bogor, channel="in_person").first()
    day = next(d for d in open_days(service=service) if d <= closure.ends_on)
    times = [
        in_mall_time(s.start, bogor).time() for s in slots_open(service=service, day=day).slots
    ]
    assert times and min(times) >= time(9) and max(times) < time(12)
    for booking in Booking.objects.filter(service__agency__mall=bogor):
        start = in_mall_time(booking.slot.start, bogor)
        if start.date() <= closure.ends_on:
            assert time(9) <= start.time() < time(12)
