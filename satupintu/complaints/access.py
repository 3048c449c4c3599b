"""Who may see or act on a report (staff side): one fetch-and-authorise. A report someone may
not see is not found, whether it exists or not; one they see but may not act on this way is
forbidden. (The reporter reaches their report with its secret: ``services.report_for_secret``,
or, signed in, as its owner: ``access_own_report``.)"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.complaints import selectors
from satupintu.complaints.models import Report


class Action(StrEnum):
    VIEW = "view"  # the mall's coordinators, the agency it was routed to, the ministry
    ROUTE = "route"  # the mall's coordinators verify and route...
    REJECT = "reject"  # ... or reject it ...
    ANSWER_ON_BEHALF = "answer_on_behalf"  # ... or answer for the agency
    ANSWER = "answer"  # the staff of the agency it was routed to


COORDINATORS_DO = {Action.ROUTE, Action.REJECT, Action.ANSWER_ON_BEHALF}


def access_report(user: User, tracking_id: str, *, action: Action) -> Report:
    """The report ``tracking_id`` for a member of staff doing ``action``: Http404 when they may
    not see it, PermissionDenied when they see it but ``action`` is not theirs."""
    report = Report.objects.select_related("mall").filter(tracking_id=tracking_id).first()
    if report is None or not user.is_authenticated:
        raise Http404
    if not selectors.reports_for_staff(user=user, mall=report.mall).filter(pk=report.pk).exists():
        raise Http404
    if action == Action.ANSWER and not selectors.answers_for_agency(user=user, report=report):
        raise PermissionDenied(_("Only the staff of the agency the report was sent to answer it."))
    if action in COORDINATORS_DO and not selectors.is_coordinator(user=user, mall=report.mall):
        raise PermissionDenied(_("Only the mall's coordinators do this."))
    return report


def access_own_report(user: User, tracking_id: str) -> Report:
    """The report ``tracking_id`` its signed-in reporter filed; Http404 for anyone else's,
    whether it exists or not."""
    if not user.is_authenticated:
        raise Http404
    report = selectors.reports_of_citizen(user=user).filter(tracking_id=tracking_id).first()
    if report is None:
        raise Http404
    return report
