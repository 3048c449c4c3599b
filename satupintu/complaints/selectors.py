"""Reads of complaints: what each member of staff may see, and whose identity."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.complaints.models import Consultation, FrequentAnswer, LaporLink, Report
from satupintu.malls.models import Mall
from satupintu.malls.permissions import staff_scope


def reports_for_staff(*, user: User, mall: Mall) -> QuerySet[Report]:
    """The mall's coordinators (its managers) see every report of the mall; an agency's staff
    see the reports routed to their agency; the ministry sees all."""
    scope = staff_scope(user)
    reports = Report.objects.filter(mall=mall).select_related("agency", "service")
    if scope.sees_everything or scope.manages_mall(mall.pk):
        return reports
    return reports.filter(agency_id__in=scope.agency_ids).filter(~Q(status=Report.Status.SUBMITTED))


def reports_of_citizen(*, user: User) -> QuerySet[Report]:
    """The reports a signed-in citizen filed under their name, newest first (an anonymous one
    keeps no account, so it is not among them)."""
    return (
        Report.objects.filter(reporter=user)
        .select_related("mall", "agency")
        .order_by("-created_at", "-pk")
    )


def is_coordinator(*, user: User, mall: Mall) -> bool:
    return staff_scope(user).manages_mall(mall.pk)


def answers_for_agency(*, user: User, report: Report) -> bool:
    """Whether ``user`` answers ``report`` as staff of the agency it was sent to (a coordinator
    answering for the agency does it explicitly, and the ministry monitor never does)."""
    scope = staff_scope(user)
    return scope.is_superuser or (
        report.agency_id is not None and report.agency_id in scope.agency_ids
    )


def consultation_answerable(*, user: User, consultation: Consultation) -> bool:
    """Whether ``user`` may answer ``consultation``, set its call or publish its answer: the
    service's agency or the mall's manager, never the ministry monitor."""
    scope = staff_scope(user)
    agency = consultation.service.agency
    return agency.pk in scope.agency_ids or scope.manages_mall(agency.mall_id)


def identity_visible(*, report: Report, user: User) -> bool:
    """Whether ``user`` may see who filed ``report``: never for an anonymous one; only the
    mall's coordinators for a confidential one."""
    if report.is_anonymous:
        return False
    if report.is_confidential:
        return is_coordinator(user=user, mall=report.mall)
    return True


def lapor_link(*, report: Report) -> LaporLink | None:
    """The report's twin in SP4N-LAPOR! (sent there or received from there), if any."""
    return LaporLink.objects.filter(report=report).first()


def consultations_for_staff(*, user: User, mall: Mall) -> QuerySet[Consultation]:
    """The mall's managers see every consultation; an agency's staff those about its services."""
    scope = staff_scope(user)
    consultations = Consultation.objects.filter(service__agency__mall=mall).select_related(
        "service", "service__agency"
    )
    if scope.sees_everything or scope.manages_mall(mall.pk):
        return consultations
    return consultations.filter(service__agency_id__in=scope.agency_ids)


def faqs(*, service_id: int) -> QuerySet[FrequentAnswer]:
    return FrequentAnswer.objects.filter(service_id=service_id, is_published=True)


def bot_report_status(code: str, phone: str) -> str | None:
    """The WhatsApp bot's STATUS answer for a report, only to the number it was filed with."""
    report = Report.objects.filter(tracking_id=code, reporter_phone=phone).first()
    if report is None:
        return None
    text = _("Report %(id)s: %(status)s.") % {
        "id": report.tracking_id,
        "status": report.get_status_display(),
    }
    if report.status == Report.Status.ROUTED and report.answer_due:
        text += " " + _("Answer due by %(due)s.") % {"due": report.answer_due.strftime("%d-%m-%Y")}
    return text
