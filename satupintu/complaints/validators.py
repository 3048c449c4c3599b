"""Evidence attached to a report: PDF, DOCX, JPEG or PNG whose content matches its name, at most
COMPLAINT_UPLOAD_MAX_BYTES each and MAX_ATTACHMENTS at once."""

from collections.abc import Sequence

from django.conf import settings
from django.core.files import File

from satupintu.filecheck import EVIDENCE_KINDS, check_count, check_upload

MAX_ATTACHMENTS = 5


def validate_evidence(upload: File) -> None:
    check_upload(upload, kinds=EVIDENCE_KINDS, max_bytes=settings.COMPLAINT_UPLOAD_MAX_BYTES)


def validate_evidence_files(files: Sequence[File]) -> None:
    check_count(files, limit=MAX_ATTACHMENTS)
    for upload in files:
        validate_evidence(upload)
