"""The files of an application: the checklist's requirements the applicant hands in, and the
survey evidence the technical team adds, kept in private storage and checked by content."""

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from satupintu.accounts.models import User
from satupintu.cases.access import is_agency_staff
from satupintu.cases.errors import CaseError
from satupintu.cases.models import Application, Document, Step
from satupintu.cases.uploads import photo_metadata
from satupintu.catalog.models import Requirement
from satupintu.filecheck import DOCUMENT_KINDS, check_upload

MAX_FILES_PER_REQUIREMENT = 5
MAX_SURVEY_FILES = 30


def document_add(
    *,
    application: Application,
    upload: "File[bytes]",
    by: User,
    requirement: Requirement | None = None,
    kind: str = Document.Kind.REQUIREMENT,
) -> Document:
    """Keep a file of the application in private storage, checked by its content.

    The applicant (or the officer who files for them) adds requirements while the application
    is a draft or back for revision; the technical team adds survey evidence."""
    if kind == Document.Kind.REQUIREMENT:
        if application.status not in (Application.Status.DRAFT, Application.Status.REVISION):
            raise CaseError("wrong_status", _("Files can no longer be added."))
        if by != application.applicant and not (
            application.filed_by_id and is_agency_staff(by, application)
        ):
            raise CaseError("forbidden", _("You cannot add files to this application."))
        if requirement is None or requirement.service_id != application.service_id:
            raise CaseError("wrong_requirement", _("That requirement is of another service."))
        kept = application.documents.filter(
            kind=kind, requirement=requirement, superseded_by__isnull=True
        ).count()
        if kept >= MAX_FILES_PER_REQUIREMENT:
            raise CaseError(
                "too_many_files",
                _("At most %(n)s files per requirement.") % {"n": MAX_FILES_PER_REQUIREMENT},
            )
    elif application.step != Step.FIELD_SURVEY or not is_agency_staff(by, application):
        raise CaseError("forbidden", _("Survey evidence is added at the field survey step."))
    elif application.documents.exclude(kind=Document.Kind.REQUIREMENT).count() >= (
        MAX_SURVEY_FILES
    ):
        raise CaseError(
            "too_many_files",
            _("At most %(n)s survey files per application.") % {"n": MAX_SURVEY_FILES},
        )
    checked = check_upload(
        upload, kinds=DOCUMENT_KINDS, max_bytes=settings.CASE_UPLOAD_MAX_BYTES, match_name=False
    )
    content_type, digest = checked.kind.content_type, checked.sha256
    name = (upload.name or "dokumen").rsplit("/", 1)[-1]
    document = Document.objects.create(
        application=application,
        kind=kind,
        requirement=requirement,
        file=upload,
        name=name,
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest,
        metadata=photo_metadata(upload) if content_type != "application/pdf" else {},
        uploaded_by=by,
    )
    if kind == Document.Kind.REQUIREMENT and application.status == Application.Status.REVISION:
        # A file sent while fixing the application replaces what was handed in before for the
        # same requirement: the applicant sees the new one only, the staff both.
        application.documents.filter(
            kind=kind, requirement=requirement, superseded_by__isnull=True
        ).exclude(pk=document.pk).update(superseded_by=document)
    return document


def document_remove(*, document: Document, by: User) -> None:
    """Take back a requirement's file while the application is still a draft."""
    if document.application.status != Application.Status.DRAFT:
        raise CaseError("wrong_status", _("Files can no longer be removed."))
    if by != document.application.applicant and document.uploaded_by != by:
        raise CaseError("forbidden", _("You cannot remove this file."))
    document.file.delete(save=False)
    document.delete()
