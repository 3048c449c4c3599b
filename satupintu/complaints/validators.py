"""Evidence attached to a report: PDF, DOCX, JPEG or PNG whose content matches its name."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _

from satupintu.filecheck import check_file_name, check_ooxml, refuse_markup

MAGIC = {".pdf": b"%PDF-", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG"}


def validate_evidence(upload: File) -> None:
    check_file_name(upload.name or "")
    limit = settings.FORM_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; at most %(limit)s MB is allowed."),
            code="file_too_large",
            params={"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)},
        )
    name = (upload.name or "").lower()
    suffix = name[name.rfind(".") :] if "." in name else ""
    refuse_markup(upload)
    upload.seek(0)
    if suffix == ".docx":
        check_ooxml(upload, size=upload.size or 0, main_part="word/document.xml")
        ok = True
    elif suffix in MAGIC:
        ok = upload.read(len(MAGIC[suffix])) == MAGIC[suffix]
    else:
        raise ValidationError(
            _("Only PDF, DOCX, JPEG and PNG files are accepted."), code="file_type"
        )
    upload.seek(0)
    if not ok:
        raise ValidationError(
            _("The file's content does not match its type: upload the real file."),
            code="file_content",
        )
