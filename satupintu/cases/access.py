"""Who may see or act on an application: one fetch-and-authorise (like Zulip's
``access_stream_by_id``). An application someone may not see is not found, whether it exists
or not; one they may see but not act on this way is forbidden."""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.models import Application
from satupintu.malls.models import AGENCY_ROLES
from satupintu.malls.permissions import staff_scope


class Action(StrEnum):
    VIEW = "view"  # its applicant, or its agency's staff
    APPLY = "apply"  # the applicant's own acts: edit, upload, submit, resubmit, cancel
    WORK = "work"  # the agency's staff's acts: transitions, notes, surveys, documents


@dataclass(frozen=True)
class ApplicationAccess:
    application: Application
    staff: bool  # reached as the agency's staff (every look is audited), not as the applicant


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related(
        "service__agency__mall", "applicant", "assignee", "issued_document"
    )


def applications_seen_by_staff(user: User) -> QuerySet[Application]:
    """The applications ``user`` sees as agency staff: those of every agency where they hold an
    agency role (every agency for a superuser), once submitted or filed by an officer. Never
    submitted (a draft, or a draft given up) is the applicant's own business."""
    scope = staff_scope(user)
    applications = Application.objects.all()
    if not scope.is_superuser:
        applications = applications.filter(service__agency_id__in=scope.agency_ids_as(AGENCY_ROLES))
    return applications.exclude(submitted_at__isnull=True, filed_by__isnull=True)


def is_agency_staff(user: User, application: Application) -> bool:
    """Whether ``user`` works at the agency the application is for (any agency role), whether
    or not they may see it yet."""
    return staff_scope(user).acts_as(AGENCY_ROLES, agency_id=application.service.agency_id)


def access_application(
    user: User, application_id: int, *, action: Action, one_side: bool = False
) -> ApplicationAccess:
    """The application ``application_id`` for ``user`` doing ``action``.

    Http404 when ``user`` may not see it (or it does not exist); PermissionDenied when they see
    it but ``action`` is not theirs: staff do not act as the applicant, nor the applicant as
    staff. ``one_side`` is for the pages, each of which serves one side (the portal the
    applicant, the back office the agency): there, what is not the reader's to do is not found
    either. An officer who applied for themself is the applicant on their own case, except in
    the agency's work, where they are staff (and the workflow keeps them from deciding it)."""
    application = _applications().filter(pk=application_id).first()
    if application is None or not user.is_authenticated:
        raise Http404
    applicant = application.applicant_id == user.pk
    if action != Action.WORK and applicant:
        return ApplicationAccess(application, staff=False)
    if applications_seen_by_staff(user).filter(pk=application.pk).exists():
        if action != Action.APPLY:
            return ApplicationAccess(application, staff=True)
        if not one_side:
            raise PermissionDenied(_("Only the applicant does this."))
    elif applicant and not one_side:
        raise PermissionDenied(_("Only the agency's staff act on applications."))
    raise Http404


def access_pushed(*, integration_id: int, mall_id: int | None, application_id: int) -> Application:
    """The application ``application_id`` for the licensing system (integration key) that
    pushed it, which acts for the applicant; Http404 for any other system, or for an
    application filed another way. A key narrowed to one mall since it pushed reaches no
    further than it could push."""
    applications = _applications().filter(
        pk=application_id, external_ref__startswith=f"{integration_id}:"
    )
    if mall_id:
        applications = applications.filter(service__agency__mall_id=mall_id)
    application = applications.first()
    if application is None:
        raise Http404
    return application
