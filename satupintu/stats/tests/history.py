"""Random history over several malls in the three time zones: bookings, tickets and their
calls, applications and their transitions, reports and their events, IKM responses, with
moments spread over a month boundary and near midnight (where the mall's date differs from
UTC's). Rows are written as the services leave them, timestamps set afterwards (the models
stamp ``created_at`` themselves)."""

import random
from datetime import UTC, date, datetime, timedelta

from satupintu.booking.models import Booking, DayOff, Slot, Ticket, TicketEvent
from satupintu.booking.tests.factories import citizen
from satupintu.cases.models import Application, Transition
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.complaints.models import Report, ReportEvent
from satupintu.malls.tests.factories import AgencyFactory, MallFactory
from satupintu.surveys.elements import ELEMENTS
from satupintu.surveys.models import Response

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
FIRST = date(2026, 1, 20)
DAYS = 24  # over the end of January into February


def _moment(rng: random.Random) -> datetime:
    # Any minute of the range in UTC: a third of them fall on another date in the mall's zone.
    return datetime.combine(FIRST, datetime.min.time(), tzinfo=UTC) + timedelta(
        minutes=rng.randrange(DAYS * 24 * 60)
    )


def make_history(seed: int = 13, *, malls: int = 3, per_mall: int = 30) -> dict[str, list]:
    rng = random.Random(seed)
    people = [citizen() for _ in range(4)]
    made: dict[str, list] = {"malls": [], "agencies": [], "services": []}
    sequence = 0
    for m in range(malls):
        mall = MallFactory(time_zone=ZONES[m % len(ZONES)])
        made["malls"].append(mall)
        DayOff.objects.create(mall=mall, date=FIRST + timedelta(days=3 + m), reason="Libur")
        services = []
        for _a in range(2):
            agency = AgencyFactory(mall=mall)
            made["agencies"].append(agency)
            services += [ServiceFactory(agency=agency, duration_working_days=rng.choice([1, 3]))]
            services += [ServiceFactory(agency=agency)]
        made["services"] += services
        for _n in range(per_mall):
            sequence += 1
            service = rng.choice(services)
            _visit(rng, service, people, sequence)
            _application(rng, service, people, sequence)
            _report(rng, mall, service, sequence)
            _response(rng, service)
    return made


def _visit(rng, service, people, n) -> None:
    start = _moment(rng)
    day = start.date()
    booking = None
    if rng.random() < 0.6:
        slot, _ = Slot.objects.get_or_create(
            service=service,
            start=start.replace(minute=0, second=0),
            defaults={
                "end": start.replace(minute=0, second=0) + timedelta(hours=1),
                "capacity": 1000,
                "priority_capacity": 0,
                "walk_in_places": 0,
            },
        )
        status = rng.choice(list(Booking.Status.values))
        booking = Booking.objects.create(
            code=f"B{n:08d}",
            citizen=people[n % len(people)],
            slot=slot,
            service=service,
            date=day,
            status=status,
        )
        if status not in (Booking.Status.CHECKED_IN, Booking.Status.SERVED):
            return
    ticket = Ticket.objects.create(
        agency=service.agency,
        service=service,
        booking=booking,
        date=day,
        number=n,
        label=f"A-{n:03d}",
        status=rng.choice(list(Ticket.Status.values)),
    )
    queued = start
    fields = {"created_at": queued}
    if ticket.status != Ticket.Status.WAITING:
        first_call = queued + timedelta(seconds=rng.randrange(30, 4 * 3600))
        last_call = first_call + timedelta(seconds=rng.choice([0, 0, 95]))
        fields["called_at"] = last_call
        if rng.random() < 0.8:  # some tickets carry their calls' history, some not (old data)
            TicketEvent.objects.create(
                ticket=ticket, at=first_call, to_status="called", reason="called"
            )
        if ticket.status != Ticket.Status.CALLED:
            fields["finished_at"] = last_call + timedelta(seconds=rng.randrange(20, 3600))
    Ticket.objects.filter(pk=ticket.pk).update(**fields)


def _application(rng, service, people, n) -> None:
    submitted = _moment(rng)
    channel = rng.choice(["online", "front_office", "oss"])
    app = Application.objects.create(
        tracking_number=f"P{n:010d}",
        service=service,
        applicant=people[n % len(people)],
        status=Application.Status.IN_PROGRESS,
        submitted_at=submitted,
        due_date=submitted.date() + timedelta(days=rng.randrange(1, 6)),
        external_ref=f"oss:{n}" if channel == "oss" else "",
        filed_by=people[0] if channel == "front_office" else None,
    )
    steps = [("submit", "draft", "in_progress", submitted)]
    at = submitted
    if rng.random() < 0.3:
        at += timedelta(hours=rng.randrange(1, 72))
        steps.append(("return", "in_progress", "revision", at))
        at += timedelta(hours=rng.randrange(1, 72))
        steps.append(("resubmit", "revision", "in_progress", at))
    if rng.random() < 0.6:
        at += timedelta(hours=rng.randrange(1, 200))
        steps.append(("forward", "in_progress", "done", at))
    for action, before, after, when in steps:
        t = Transition.objects.create(
            application=app, action=action, from_status=before, to_status=after
        )
        Transition.objects.filter(pk=t.pk).update(created_at=when)


def _report(rng, mall, service, n) -> None:
    filed = _moment(rng)
    report = Report.objects.create(
        tracking_id=f"LPR-{n:08d}",
        secret_hash="0" * 64,
        mall=mall,
        kind=rng.choice(list(Report.Kind.values)),
        category=rng.choice(list(Report.Category.values)),
        title="Antrean lama",
        text="Menunggu lama.",
        agency=service.agency if rng.random() < 0.8 else None,
        service=service if rng.random() < 0.5 else None,
        deadline_class=rng.choice(list(Report.DeadlineClass.values)),
        verify_due=filed.date() + timedelta(days=3),
        answer_due=filed.date() + timedelta(days=rng.randrange(0, 5)),
        escalated_at=filed + timedelta(hours=rng.randrange(1, 100)) if rng.random() < 0.2 else None,
        rating=rng.randrange(1, 6) if rng.random() < 0.4 else None,
    )
    Report.objects.filter(pk=report.pk).update(created_at=filed)
    events = []
    if rng.random() < 0.7:
        answered = filed + timedelta(hours=rng.randrange(1, 120))
        events.append((rng.choice(["answered", "on_behalf"]), answered))
        events.append(("answered", answered + timedelta(hours=30)))  # a second answer
        if report.rating:
            events.append(("rated", answered + timedelta(hours=rng.randrange(1, 50))))
            events.append(("rated", answered + timedelta(hours=rng.randrange(51, 100))))
    for kind, when in events:
        e = ReportEvent.objects.create(report=report, kind=kind)
        ReportEvent.objects.filter(pk=e.pk).update(created_at=when)


def _response(rng, service) -> None:
    if rng.random() < 0.5:
        return
    Response.objects.create(
        mall=service.agency.mall,
        agency=service.agency,
        service=service,
        date=FIRST + timedelta(days=rng.randrange(DAYS)),
        channel="online",
        **{e.field: rng.randrange(1, 5) for e in ELEMENTS},
    )
