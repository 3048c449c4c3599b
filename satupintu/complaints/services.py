"""Writes of complaint handling, with SP4N-LAPOR!'s clocks in working days.

Filed → verified and routed by the mall's coordinator within 3 working days → answered by the
agency within its class's days → closed by the reporter, or by itself 10 working days after the
answer. The reporter may reply, rate, or reopen. Overdue reports are escalated.
"""

import base64
import hashlib
import hmac
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.batches import in_batches
from satupintu.cases.models import Application
from satupintu.cases.services.drafts import application_draft
from satupintu.catalog.models import Service
from satupintu.complaints import selectors
from satupintu.complaints.errors import ReportError
from satupintu.complaints.lapor.outbox import (
    lapor_followup_enqueue,
    lapor_link_pulled,
    lapor_may_sync,
    lapor_push_enqueue,
    lapor_return_enqueue,
)
from satupintu.complaints.models import (
    Consultation,
    ConsultationMessage,
    FrequentAnswer,
    Report,
    ReportAttachment,
    ReportCounter,
    ReportEvent,
)
from satupintu.complaints.validators import MAX_ATTACHMENTS, validate_evidence
from satupintu.languages import site_url
from satupintu.malls.calendar import in_mall_time, working_days_after
from satupintu.malls.meetings import meeting_link
from satupintu.malls.models import Agency, Mall
from satupintu.malls.selectors import staff_users
from satupintu.notify.models import Channel, Event
from satupintu.notify.services import (
    Notice,
    Prepared,
    Recipient,
    Wordings,
    message_prepare,
    notify,
    notify_many,
    queue_delivery_on_commit,
    wordings_fill_verbatim,
    wordings_for,
)
from satupintu.surveys.models import Invitation
from satupintu.surveys.services.invitations import invitation_queue

VERIFY_DAYS = 3
AUTO_CLOSE_DAYS = 10
# Longest text a reporter, a citizen or an officer may write in one go, and a subject's length.
TEXT_MAX = 4000
SUBJECT_MAX = 150
QUESTION_MAX = 300  # of a published frequently asked question


@dataclass
class Filed:
    report: Report
    secret: str  # shown once, in the follow-up link; only its hash is kept

    @property
    def follow_path(self) -> str:
        return reverse("portal:report", args=[self.report.tracking_id, self.secret])


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _replayable_secret(*, scope: str, key: str) -> str:
    """The follow-up secret of a report filed with an Idempotency-Key: derived from the key, its
    client and SECRET_KEY, so a replay of the filing can be answered with the same secret while
    only its hash is kept."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"report-secret:{scope}:{key}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def _earlier(*, scope: str, key: str) -> Filed | None:
    earlier = Report.objects.filter(idempotency_scope=scope, idempotency_key=key).first()
    if earlier is None:
        return None
    return Filed(earlier, _replayable_secret(scope=scope, key=key))


def _check_length(text: str, *, limit: int = TEXT_MAX) -> None:
    """Refuse (never cut) a text longer than ``limit`` characters."""
    if len(text.strip()) > limit:
        raise ReportError(
            "too_long",
            _("The text has %(n)s characters; at most %(limit)s are allowed.")
            % {"n": len(text.strip()), "limit": limit},
        )


def _today(mall: Mall, now: datetime | None = None) -> date:
    return in_mall_time(now or timezone.now(), mall).date()


def _next_tracking_id(*, mall: Mall, now: datetime | None = None) -> str:
    """The next tracking ID of the year on ``mall``'s clock, from the year's counter row in one
    statement: created at the year's first filing, else raised by one, and locked until the
    filing transaction ends (a filing given up gives its number back). No count, no retry."""
    year = in_mall_time(now or timezone.now(), mall).year
    table = connection.ops.quote_name(ReportCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 (a model's table)
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (seq,) = cursor.fetchone()
    return f"LPR-{year}-{seq:06d}"


def _insert_numbered(
    report: Report, *, now: datetime | None = None, message: Prepared | None = None
) -> None:
    """Insert the new ``report`` with the next tracking ID, its "filed" event and ``message``
    (the reporter's, whose stand-in becomes the tracking ID) in one statement (PostgreSQL): the
    counter's row (as :func:`_next_tracking_id` raises it) is then locked for this statement
    and the commit, not for a round trip per row, and filings at once, which queue on that lock,
    wait the less. The columns are the model's."""
    year = in_mall_time(now or timezone.now(), report.mall).year
    quote = connection.ops.quote_name
    counter, reports = quote(ReportCounter._meta.db_table), quote(Report._meta.db_table)
    events = quote(ReportEvent._meta.db_table)
    fields = [
        f
        for f in Report._meta.local_concrete_fields
        if not f.primary_key and f.name != "tracking_id"
    ]
    values = [f.get_db_prep_save(f.pre_save(report, True), connection) for f in fields]
    columns = ", ".join(quote(str(f.column)) for f in fields)  # concrete: each has one
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"WITH number AS (INSERT INTO {counter} (year, last) VALUES (%s, 1) "  # noqa: S608
        f"ON CONFLICT (year) DO UPDATE SET last = {counter}.last + 1 RETURNING last), "
        f"filed AS (INSERT INTO {reports} ({columns}, tracking_id) VALUES ({placeholders}, "
        "(SELECT %s || lpad(last::text, greatest(6, length(last::text)), '0') FROM number)) "
        "RETURNING id, tracking_id), "
        f"event AS (INSERT INTO {events} (report_id, kind, text, created_at) "
        "SELECT id, %s, '', %s FROM filed) "
    )
    params = [year, *values, f"LPR-{year}-", ReportEvent.Kind.FILED, report.created_at]
    if message is not None:
        insert, insert_params = message.insert_sql(value_sql="filed.tracking_id", source="filed")
        sql = sql.rstrip() + f", message AS ({insert}) "
        params += insert_params
    sql += "SELECT id, tracking_id FROM filed"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        report.pk, report.tracking_id = cursor.fetchone()
    report._state.adding = False
    if message is not None:
        queue_delivery_on_commit()


def _save_numbered(
    report: Report, *, now: datetime | None = None, message: Prepared | None = None
) -> None:
    """Save the new ``report`` with its tracking ID and its "filed" event (and ``message``)."""
    if connection.vendor == "postgresql":
        _insert_numbered(report, now=now, message=message)
        return
    # The demo's SQLite has no INSERT inside WITH: the same rows, a statement each (a message
    # is prepared only on PostgreSQL).
    report.tracking_id = _next_tracking_id(mall=report.mall, now=now)
    report.save(force_insert=True)
    ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.FILED)


def report_file(
    *,
    mall: Mall,
    kind: str,
    category: str,
    title: str,
    text: str,
    event_date: date | None = None,
    location: str = "",
    agency: Agency | None = None,
    service: Service | None = None,
    anonymous: bool = False,
    confidential: bool = False,
    reporter: User | None = None,
    name: str = "",
    email: str = "",
    phone: str = "",
    attachments: list["UploadedFile[bytes]"] | None = None,
    idempotency_key: str = "",
    idempotency_scope: str = "",
    now: datetime | None = None,
    lapor_complaint_id: str = "",
) -> Filed:
    """File a report. An anonymous one keeps no identity (not even the signed-in account); a
    confidential one keeps it, shown only to the mall's coordinators.

    The same ``idempotency_key`` from the same client (``idempotency_scope``) returns the report
    it first filed, with the same secret (a double click, a retried request, a burst).
    ``now`` is the filing's moment (the clock, for tests); its year on the mall's clock is the
    tracking ID's.

    A report filed here is sent to SP4N-LAPOR! when the mall syncs with it; one received from
    there (``lapor_complaint_id``) is linked to its complaint instead.
    """
    if idempotency_key:
        earlier = _earlier(scope=idempotency_scope, key=idempotency_key)
        if earlier is not None:
            return earlier
    attachments = attachments or []
    _refuse_filing(mall=mall, agency=agency, service=service, attachments=attachments)
    if anonymous:
        reporter, name, email, phone = None, "", "", ""
    elif reporter is not None:
        name = name or reporter.get_full_name() or reporter.username
        email = email or reporter.email
        phone = phone or reporter.phone
    secret = (
        _replayable_secret(scope=idempotency_scope, key=idempotency_key)
        if idempotency_key
        else secrets.token_urlsafe(24)
    )
    report = Report(
        idempotency_key=idempotency_key,
        idempotency_scope=idempotency_scope if idempotency_key else "",
        secret_hash=secret_hash(secret),
        mall=mall,
        kind=kind,
        category=category,
        title=title.strip(),
        text=text.strip(),
        event_date=event_date,
        location=location.strip(),
        agency=agency or (service.agency if service else None),
        service=service,
        is_anonymous=anonymous,
        is_confidential=confidential and not anonymous,
        reporter=reporter,
        reporter_name=name,
        reporter_email=email,
        reporter_phone=phone,
        verify_due=working_days_after(mall=mall, start=_today(mall, now), days=VERIFY_DAYS),
    )
    return _save_filed(
        report,
        secret=secret,
        attachments=attachments,
        now=now,
        lapor_complaint_id=lapor_complaint_id,
    )


def _refuse_filing(
    *,
    mall: Mall,
    agency: Agency | None,
    service: Service | None,
    attachments: list["UploadedFile[bytes]"],
) -> None:
    """What refuses a filing before anything is written: an agency or a service of another
    mall, too many files, a file that is not evidence."""
    if agency is not None and agency.mall_id != mall.pk:
        raise ReportError("other_mall", _("That agency is not in this mall."))
    if service is not None and service.agency.mall_id != mall.pk:
        raise ReportError("other_mall", _("That service is not in this mall."))
    if len(attachments) > MAX_ATTACHMENTS:
        raise ReportError(
            "too_many_files", _("At most %(n)s files may be attached.") % {"n": MAX_ATTACHMENTS}
        )
    for upload in attachments:
        validate_evidence(upload)


def _save_filed(
    report: Report,
    *,
    secret: str,
    attachments: list["UploadedFile[bytes]"],
    now: datetime | None = None,
    lapor_complaint_id: str = "",
) -> Filed:
    """Save a new ``report`` with its tracking ID, its files and its first event; a filing saved
    at the same moment under the same Idempotency-Key answers with the one that was saved first."""
    # Checked in Python only: the mall, agency, service and reporter are rows the caller
    # already holds (no query to see they exist), and the anonymity rule is set by report_file
    # and held by the table's CHECK (no query to test it again).
    report.full_clean(
        exclude=[
            "tracking_id",
            "idempotency_key",
            "idempotency_scope",
            "mall",
            "agency",
            "service",
            "reporter",
        ],
        validate_constraints=False,
    )
    # The reporter's address and the message's wording before the tracking number: from that
    # number on, every filing at once waits on this one's commit.
    told = _reporter_to_tell(report)
    wordings = (
        wordings_for(event=Event.COMPLAINT_FILED, recipient=told, mall=report.mall) if told else {}
    )
    filed = Filed(report, secret)
    # On PostgreSQL the message is built ahead, its tracking ID a stand-in that the numbering
    # statement replaces, and written by that statement: no round trip holds the number's lock.
    # A wording with tags or filters might not show the stand-in as it is: the message is then
    # built once the number is known, in the filing's transaction.
    prepared = None
    ahead = connection.vendor == "postgresql" and wordings_fill_verbatim(wordings)
    if told is not None and ahead:
        prepared = _prepare_filed(filed, told, wordings, year=_today(report.mall, now).year)
    others = bool(attachments or lapor_complaint_id or lapor_may_sync(report.mall))
    # One statement alone commits by itself: no BEGIN and COMMIT round trips, no transaction
    # open while this process runs Python. The report, its event and its message are still
    # written together or not at all, as the statement is.
    with transaction.atomic() if others or not ahead else nullcontext():
        earlier = _save_once(report, now=now, message=prepared)
        if earlier is not None:
            return earlier  # the same filing won a race with itself
        for upload in attachments:
            ReportAttachment.objects.create(report=report, file=upload, name=upload.name or "")
        if lapor_complaint_id:
            lapor_link_pulled(report=report, complaint_id=lapor_complaint_id)
        else:
            lapor_push_enqueue(report=report)
        if told is not None and not ahead:
            _tell_filed(filed, told, wordings)
    return filed


def _save_once(report: Report, *, now: datetime | None, message: Prepared | None) -> Filed | None:
    """Save ``report`` numbered (with ``message``); a filing saved at the same moment under the
    same Idempotency-Key is returned instead (None: this one was saved)."""
    if not report.idempotency_key:
        # Nothing unique that two filings could both claim: no savepoint, no race to handle.
        _save_numbered(report, now=now, message=message)
        return None
    # The unique key is left to the database: a race ends in IntegrityError, handled below. A
    # savepoint (inside a transaction) or the statement alone gives the counter's number back
    # with the row that lost.
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            _save_numbered(report, now=now, message=message)
    except IntegrityError:
        earlier = _earlier(scope=report.idempotency_scope, key=report.idempotency_key)
        if earlier is None:
            raise
        return earlier
    return None


def _reporter_to_tell(report: Report) -> Recipient | None:
    """Whom a new report's follow-up link goes to: its reporter, when they left an email or a
    phone (an anonymous one left none)."""
    # Filed in the reporter's own request: the page's language is theirs.
    recipient = _reporter_recipient(report, language=get_language() or settings.LANGUAGE_CODE)
    if recipient is None or not (recipient.email or recipient.phone):
        return None
    return recipient


def _filed_context(filed: Filed, recipient: Recipient) -> dict[str, str]:
    report = filed.report
    with override(recipient.language):
        link = settings.SITE_URL + filed.follow_path
        # Greeted by the account's name, or as "reporter": not by a name typed into the form.
        reporter = report.reporter
        name = (reporter.get_full_name() or reporter.username) if reporter else _("Reporter")
    return {
        "name": name,
        "tracking": report.tracking_id,
        "title": report.title,
        "mall": report.mall.name,
        "link": link,
    }


def _tell_filed(filed: Filed, recipient: Recipient, wordings: Wordings) -> None:
    """Send the reporter the follow-up link: the secret goes only to the addresses they gave,
    and an anonymous reporter (who gave none) keeps it from the screen."""
    notify(
        event=Event.COMPLAINT_FILED,
        recipient=recipient,
        mall=filed.report.mall,
        context=_filed_context(filed, recipient),
        wordings=wordings,
    )


def _prepare_filed(
    filed: Filed, recipient: Recipient, wordings: Wordings, *, year: int
) -> Prepared | None:
    """``_tell_filed``'s message before the report has its tracking ID: a stand-in of the same
    shape (``LPR-{year}-`` and 32 hex digits, random: no reporter can type it) holds its place,
    in the link too, until the numbering statement writes the ID there."""
    stand_in = f"LPR-{year}-{secrets.token_hex(16)}"
    filed.report.tracking_id = stand_in
    try:
        context = _filed_context(filed, recipient)
    finally:
        filed.report.tracking_id = ""
    return message_prepare(
        event=Event.COMPLAINT_FILED,
        recipient=recipient,
        mall=filed.report.mall,
        context=context,
        stand_in=stand_in,
        wordings=wordings,
    )


def report_for_secret(*, tracking_id: str, secret: str) -> Report:
    """The report a follow-up link opens (raises Report.DoesNotExist for a wrong secret)."""
    return Report.objects.get(tracking_id=tracking_id, secret_hash=secret_hash(secret))


def _event(report: Report, kind: str, actor: User | None = None, text: str = "") -> ReportEvent:
    """Record a step; a report synced with SP4N-LAPOR! sends it there too (its answers and
    changes of status: ``lapor_followup_enqueue`` picks them), except a refusal, which
    ``report_reject`` sends itself."""
    event = ReportEvent.objects.create(report=report, kind=kind, actor=actor, text=text.strip())
    if kind != ReportEvent.Kind.REJECTED:
        lapor_followup_enqueue(event=event)
    return event


def _lock(report: Report, *statuses: str) -> Report:
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if statuses and locked.status not in statuses:
        raise ReportError("wrong_step", _("This report is not at that step."))
    return locked


@transaction.atomic
def report_route(
    *, report: Report, agency: Agency, deadline_class: int, by: User, note: str = ""
) -> Report:
    """The coordinator verifies the report and sends it to the agency that must answer, in one
    of SP4N-LAPOR!'s deadline classes (2, 5, 14 or 60 working days) and no other."""
    _check_length(note)
    if deadline_class not in Report.DeadlineClass.values:
        raise ReportError(
            "bad_deadline_class",
            _("Choose one of the SP4N-LAPOR! deadline classes: %(classes)s working days.")
            % {"classes": ", ".join(str(v) for v in Report.DeadlineClass.values)},
        )
    report = _lock(report, Report.Status.SUBMITTED)
    if agency.mall_id != report.mall_id:
        raise ReportError("other_mall", _("That agency is not in this mall."))
    report.agency = agency
    report.deadline_class = deadline_class
    report.status = Report.Status.ROUTED
    report.answer_due = working_days_after(
        mall=report.mall, start=_today(report.mall), days=deadline_class
    )
    report.save(update_fields=["agency", "deadline_class", "status", "answer_due"])
    _event(report, ReportEvent.Kind.ROUTED, by, note)
    _tell_staff(report, Event.COMPLAINT_ROUTED, staff_users(agency=agency), report.answer_due)
    return report


def _tell_staff(report: Report, event: str, users: list[User], due: date) -> None:
    """Tell staff of a step of a report: its ID, title and deadline, never the reporter."""
    link = settings.SITE_URL + reverse("backoffice:report", args=[report.tracking_id])
    notices = []
    for user in users:
        recipient = Recipient.for_user(user)
        with override(recipient.language):
            context = {
                "name": user.get_full_name() or user.username,
                "tracking": report.tracking_id,
                "title": report.title,
                "due": formats.date_format(due, "l, j F Y"),
                "mall": report.mall.name,
                "link": link,
            }
        notices.append(Notice(recipient, context))
    notify_many(event=event, notices=notices, mall=report.mall)


@transaction.atomic
def report_reject(*, report: Report, by: User, reason: str, lapor_institution: str = "") -> Report:
    """The coordinator does not follow it up (not a matter of this mall), saying why. A report
    SP4N-LAPOR! forwarded here goes back there, to ``lapor_institution`` (its ID in LAPOR!)
    or to the integration's default institution."""
    _check_length(reason)
    lapor_institution = lapor_institution.strip()
    if lapor_institution and not (
        lapor_institution.isascii() and lapor_institution.isdigit() and len(lapor_institution) <= 12
    ):
        raise ReportError(
            "bad_lapor_institution", _("The SP4N-LAPOR! institution is a number (its ID there).")
        )
    report = _lock(report, Report.Status.SUBMITTED)
    report.status = Report.Status.REJECTED
    report.closed_at = timezone.now()
    report.save(update_fields=["status", "closed_at"])
    lapor_return_enqueue(
        event=_event(report, ReportEvent.Kind.REJECTED, by, reason), institution=lapor_institution
    )
    _tell_reporter(report, reason)
    return report


@transaction.atomic
def report_answer(*, report: Report, by: User, text: str, on_behalf: bool = False) -> Report:
    """The agency answers; the reporter is told, and the report closes by itself later. A mall
    coordinator answers only ``on_behalf`` of the agency, recorded as such."""
    _check_length(text)
    report = _lock(report, Report.Status.ROUTED)
    if on_behalf:
        if not selectors.is_coordinator(user=by, mall=report.mall):
            raise ReportError(
                "not_coordinator", _("Only the mall's coordinators answer for an agency.")
            )
    elif not selectors.answers_for_agency(user=by, report=report):
        raise ReportError(
            "not_agency", _("Only the staff of the agency the report was sent to answer it.")
        )
    if not text.strip():
        raise ReportError("empty", _("Write the answer."))
    report.status = Report.Status.ANSWERED
    report.close_due = working_days_after(
        mall=report.mall, start=_today(report.mall), days=AUTO_CLOSE_DAYS
    )
    report.save(update_fields=["status", "close_due"])
    kind = ReportEvent.Kind.ANSWERED_ON_BEHALF if on_behalf else ReportEvent.Kind.ANSWERED
    _event(report, kind, by, text)
    _tell_reporter(report, text)
    if report.agency is not None:  # an anonymous reporter has no address: nobody to invite
        invitation_queue(
            source=Invitation.Source.COMPLAINT,
            source_id=report.pk,
            recipient=_reporter_recipient(report),
            name=report.reporter_name,
            agency=report.agency,
            service=report.service,
        )
    return report


def _reporter_recipient(report: Report, *, language: str = "id") -> Recipient | None:
    """Who filed ``report``, on the addresses they gave with it (their account's when they
    gave none; in ``language`` when they have no account); None for an anonymous report,
    which keeps no identity."""
    if report.is_anonymous:
        return None
    if report.reporter is not None:
        recipient = Recipient.for_user(report.reporter)
        recipient.email = report.reporter_email or recipient.email
        recipient.phone = report.reporter_phone or recipient.phone
        return recipient
    return Recipient(
        email=report.reporter_email,
        phone=report.reporter_phone,
        language=language,
        channels=(Channel.EMAIL, Channel.WHATSAPP, Channel.SMS),
    )


def _tell_reporter(report: Report, answer: str) -> None:
    recipient = _reporter_recipient(report)
    if recipient is None:
        return  # they follow it with their secret link
    notify(
        event=Event.COMPLAINT_ANSWERED,
        recipient=recipient,
        mall=report.mall,
        context={
            "name": report.reporter_name,
            "tracking": report.tracking_id,
            "answer": answer.strip(),
            "mall": report.mall.name,
            "link": site_url("portal:report-lookup", language=recipient.language),
        },
    )


@transaction.atomic
def report_reply(*, report: Report, text: str) -> Report:
    """The reporter adds to their report (before or after the answer)."""
    _check_length(text)
    if not text.strip():
        raise ReportError("empty", _("Write your reply."))
    report = _lock(report, Report.Status.SUBMITTED, Report.Status.ROUTED, Report.Status.ANSWERED)
    _event(report, ReportEvent.Kind.REPLIED, text=text)
    return report


@transaction.atomic
def report_rate(*, report: Report, rating: int, close: bool = True) -> Report:
    """The reporter rates the answer (1-5); rating closes the report unless they reopen it."""
    if rating not in range(1, 6):
        raise ReportError("bad_rating", _("Rate from 1 to 5."))
    report = _lock(report, Report.Status.ANSWERED)
    report.rating = rating
    fields = ["rating"]
    if close:
        report.status, report.closed_at = Report.Status.CLOSED, timezone.now()
        fields += ["status", "closed_at"]
    report.save(update_fields=fields)
    _event(report, ReportEvent.Kind.RATED, text=str(rating))
    if close:
        _event(report, ReportEvent.Kind.CLOSED)
    return report


@transaction.atomic
def report_reopen(*, report: Report, text: str) -> Report:
    """The reporter is not satisfied: the report goes back to the agency with a new deadline."""
    _check_length(text)
    if not text.strip():
        raise ReportError("empty", _("Say why the answer is not enough."))
    report = _lock(report, Report.Status.ANSWERED)
    report.status = Report.Status.ROUTED
    report.close_due = None
    report.answer_due = working_days_after(
        mall=report.mall, start=_today(report.mall), days=report.deadline_class
    )
    report.save(update_fields=["status", "close_due", "answer_due"])
    _event(report, ReportEvent.Kind.REOPENED, text=text)
    return report


def reports_close_silent(*, today: date) -> int:
    """Close answered reports whose reporter said nothing for 10 working days (daily job)."""
    closed = 0
    for report in Report.objects.filter(status=Report.Status.ANSWERED, close_due__lt=today):
        with transaction.atomic():
            if Report.objects.filter(pk=report.pk, status=Report.Status.ANSWERED).update(
                status=Report.Status.CLOSED, closed_at=timezone.now()
            ):
                _event(report, ReportEvent.Kind.CLOSED, text=_("Closed: no reply in time."))
                closed += 1
    return closed


def reports_escalate(*, today: date) -> int:
    """Mark reports past their verification or answer deadline as escalated to the mall's
    manager (daily job); they show as such in the staff list. Returns how many."""
    overdue = Report.objects.filter(escalated_at__isnull=True).filter(
        Q(status=Report.Status.SUBMITTED, verify_due__lt=today)
        | Q(status=Report.Status.ROUTED, answer_due__lt=today)
    )
    escalated = 0
    for report in overdue:
        with transaction.atomic():
            if Report.objects.filter(pk=report.pk, escalated_at__isnull=True).update(
                escalated_at=timezone.now()
            ):
                _event(report, ReportEvent.Kind.ESCALATED)
                due = report.verify_due
                if report.status != Report.Status.SUBMITTED and report.answer_due is not None:
                    due = report.answer_due  # a routed report's, always set
                _tell_staff(
                    report, Event.COMPLAINT_ESCALATED, staff_users(managers_of=report.mall), due
                )
                escalated += 1
    return escalated


@transaction.atomic
def consultation_ask(*, citizen: User, service: Service, subject: str, text: str) -> Consultation:
    """A signed-in citizen asks the agency of ``service`` a question."""
    _check_length(subject, limit=SUBJECT_MAX)
    _check_length(text)
    if not text.strip():
        raise ReportError("empty", _("Write your question."))
    consultation = Consultation.objects.create(
        citizen=citizen, service=service, subject=subject.strip()
    )
    ConsultationMessage.objects.create(consultation=consultation, author=citizen, text=text.strip())
    return consultation


@transaction.atomic
def consultation_post(
    *, consultation: Consultation, author: User, text: str, from_staff: bool
) -> Consultation:
    """Add to the thread; a staff message answers it, a citizen's opens it again."""
    _check_length(text)
    if not text.strip():
        raise ReportError("empty", _("Write your message."))
    if consultation.status == Consultation.Status.CLOSED:
        raise ReportError("closed", _("This consultation is closed."))
    ConsultationMessage.objects.create(
        consultation=consultation, author=author, text=text.strip(), from_staff=from_staff
    )
    consultation.status = Consultation.Status.ANSWERED if from_staff else Consultation.Status.OPEN
    consultation.save(update_fields=["status"])
    if from_staff:
        _tell_citizen_answered(consultation, text)
    return consultation


def _tell_citizen_answered(consultation: Consultation, answer: str) -> None:
    """The citizen hears of the agency's answer on their channels, with the thread's link."""
    citizen = consultation.citizen
    recipient = Recipient.for_user(citizen)
    with override(recipient.language):
        link = settings.SITE_URL + reverse("portal:consultation", args=[consultation.pk])
    notify(
        event=Event.CONSULTATION_ANSWERED,
        recipient=recipient,
        mall=consultation.service.agency.mall,
        context={
            "name": citizen.get_full_name() or citizen.username,
            "service": consultation.service.name,
            "subject": consultation.subject,
            "answer": answer.strip(),
            "mall": consultation.service.agency.mall.name,
            "link": link,
        },
    )


def consultation_schedule_call(
    *, consultation: Consultation, meeting_url: str, meeting_at: datetime
) -> Consultation:
    """Staff set a video call for the consultation (as for field surveys): a room on the mall's
    Jitsi server unless they give another link."""
    consultation.meeting_url = meeting_url.strip() or meeting_link(f"Konsultasi{consultation.pk}")
    consultation.meeting_at = meeting_at
    try:
        consultation.full_clean()
    except ValidationError as invalid:
        message = _("Give a valid video call link.")
        raise ReportError("bad_link", message, fields={"meeting_url": [message]}) from invalid
    consultation.save(update_fields=["meeting_url", "meeting_at"])
    return consultation


@transaction.atomic
def consultation_to_report(*, consultation: Consultation) -> Filed:
    """The citizen turns their consultation into a complaint about the service."""
    if consultation.report_id:
        raise ReportError("done", _("This consultation is a complaint already."))
    first = consultation.messages.order_by("created_at").first()
    filed = report_file(
        mall=consultation.service.agency.mall,
        kind=Report.Kind.COMPLAINT,
        category=Report.Category.SERVICE,
        title=consultation.subject,
        text=first.text if first else consultation.subject,
        service=consultation.service,
        reporter=consultation.citizen,
    )
    consultation.report = filed.report
    consultation.status = Consultation.Status.CLOSED
    consultation.save(update_fields=["report", "status"])
    return filed


@transaction.atomic
def consultation_to_application(*, consultation: Consultation) -> Application:
    """The citizen, answered, applies for the service: a draft application of theirs, linked
    to the thread so the agency sees where it came from."""
    if consultation.application is not None:
        return consultation.application
    application = application_draft(
        applicant=consultation.citizen, service=consultation.service, form_data={}
    )
    consultation.application = application
    consultation.save(update_fields=["application"])
    return application


def faq_publish(*, consultation: Consultation, question: str, answer: str) -> FrequentAnswer:
    """Publish a question and its answer on the service's page, without who asked."""
    _check_length(question, limit=QUESTION_MAX)
    _check_length(answer)
    return FrequentAnswer.objects.create(
        service=consultation.service, question=question.strip(), answer=answer.strip()
    )


_IDENTITY_ERASED = {
    "reporter": None,
    "reporter_name": "",
    "reporter_email": "",
    "reporter_phone": "",
}
_HAS_IDENTITY = (
    Q(reporter__isnull=False) | ~Q(reporter_name="") | ~Q(reporter_email="") | ~Q(reporter_phone="")
)


def reporter_identities_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Forget who filed the reports closed (or not followed up) before ``cutoff``; the report
    itself stays for the mall's statistics."""
    old = Report.objects.filter(
        _HAS_IDENTITY,
        status__in=[Report.Status.CLOSED, Report.Status.REJECTED],
        closed_at__lt=cutoff,
    )
    return in_batches(old, lambda batch: batch.update(**_IDENTITY_ERASED), dry_run=dry_run)


@transaction.atomic
def complaints_forget_citizen(*, citizen: User) -> None:
    """A closed account: its reports lose their reporter, its consultations go."""
    Report.objects.filter(_HAS_IDENTITY, reporter=citizen).update(**_IDENTITY_ERASED)
    Consultation.objects.filter(citizen=citizen).delete()
