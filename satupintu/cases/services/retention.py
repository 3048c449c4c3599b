"""Personal data (UU 27/2022 PDP) of applications: what the law does not require to keep goes
after a while, and a closed account's applications lose theirs. Issued permits and the
applications behind them are never touched here."""

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.batches import in_batches
from satupintu.cases.models import AccessLog, Application, Document
from satupintu.cases.services.transitions import swap

CLOSED_WITHOUT_PERMIT = (Application.Status.REJECTED, Application.Status.CANCELLED)


def _delete_documents(documents: QuerySet[Document]) -> None:
    for document in documents:
        document.file.delete(save=False)
    documents.delete()


def _delete_applications(applications: QuerySet[Application]) -> None:
    _delete_documents(Document.objects.filter(application__in=applications))
    applications.delete()


def _untouched_since(cutoff: datetime) -> QuerySet[Application]:
    """Applications nothing has happened to since ``cutoff``."""
    return Application.objects.filter(created_at__lt=cutoff).exclude(
        transitions__created_at__gte=cutoff
    )


def cancelled_drafts_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the drafts given up (never submitted) and left alone since ``cutoff``."""
    drafts = _untouched_since(cutoff).filter(
        status=Application.Status.CANCELLED, submitted_at__isnull=True
    )
    return in_batches(drafts, _delete_applications, dry_run=dry_run)


def rejected_uploads_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the uploaded files (requirements and survey evidence) of submitted applications
    rejected or cancelled and left alone since ``cutoff``; the case's record stays."""
    closed = _untouched_since(cutoff).filter(
        status__in=CLOSED_WITHOUT_PERMIT, submitted_at__isnull=False
    )
    files = Document.objects.filter(application__in=closed)
    return in_batches(files, _delete_documents, dry_run=dry_run)


def case_access_purge_older_than(*, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete the record of staff looks at cases made before ``cutoff``."""
    old = AccessLog.objects.filter(at__lt=cutoff)
    return in_batches(old, lambda batch: batch.delete(), dry_run=dry_run)


@transaction.atomic
def applications_forget_applicant(*, applicant: User) -> None:
    """A closed account: its open applications are withdrawn (without a message) and every
    application without an issued permit loses its form and files. An issued permit and its
    application stay as they are, with the holder's name as on the permit."""
    open_ones = applicant.applications.filter(
        status__in=[
            Application.Status.DRAFT,
            Application.Status.IN_PROGRESS,
            Application.Status.REVISION,
        ]
    )
    for application in open_ones:
        swap(
            application,
            applicant,
            "cancel",
            _("Account closed by its owner."),
            status=Application.Status.CANCELLED,
        )
    no_permit = applicant.applications.filter(issued_document__isnull=True)
    _delete_documents(Document.objects.filter(application__in=no_permit))
    no_permit.update(form_data={}, nib="")
