"""Files of applications: PDF, JPEG or PNG, recognised by their content, never by their name."""

import hashlib
import re
import warnings
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from satupintu.cases.models import Document
from satupintu.filecheck import check_file_name, looks_like_markup
from satupintu.security import protect_file

SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]
EXIF_TIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2}) (\d{2}:\d{2}:\d{2})$")
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
DATETIME_ORIGINAL, DATETIME = 0x9003, 0x0132


def sniff(head: bytes) -> str | None:
    """The content type that ``head`` (the file's first bytes) shows, or None."""
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def check_upload(upload: File) -> tuple[str, str]:
    """(content type, SHA-256) of an acceptable file; ValidationError otherwise."""
    check_file_name(upload.name or "")
    limit = settings.CASE_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; at most %(limit)s MB is allowed."),
            code="file_too_large",
            params={"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)},
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data:
        raise ValidationError(_("The file is empty."), code="file_empty")
    if looks_like_markup(data[:1024]):
        raise ValidationError(
            _("The file contains web page or script code; such files are not accepted."),
            code="file_markup",
        )
    kind = sniff(data[:8])
    if kind is None:
        raise ValidationError(
            _("Only PDF, JPEG and PNG files are accepted (checked by their content)."),
            code="file_type",
        )
    if kind == "application/pdf" and b"%%EOF" not in data[-2048:]:
        raise ValidationError(_("The PDF file is damaged or incomplete."), code="file_content")
    if kind != "application/pdf":
        try:
            with warnings.catch_warnings():
                # A few bytes that claim a picture of billions of pixels: refused, not opened.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(BytesIO(data)) as image:
                    image.verify()
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
            OSError,
            SyntaxError,
        ) as exc:
            raise ValidationError(
                _("The image is damaged or incomplete."), code="file_content"
            ) from exc
    return kind, hashlib.sha256(data).hexdigest()


def _degrees(value: Any, ref: str) -> float:
    d, m, s = (float(x) for x in value)
    sign = -1 if ref in ("S", "W") else 1
    return round(sign * (d + m / 60 + s / 3600), 7)


def photo_metadata(upload: File) -> dict[str, Any]:
    """Where and when a photo was taken (EXIF GPS and time), as far as it says."""
    upload.seek(0)
    meta: dict[str, Any] = {}
    try:
        with Image.open(upload) as image:
            exif = image.getexif()
            gps = exif.get_ifd(GPS_IFD)
            taken = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
            if gps.get(2) and gps.get(4):
                meta["latitude"] = _degrees(gps[2], gps.get(1, "N"))
                meta["longitude"] = _degrees(gps[4], gps.get(3, "E"))
            if gps.get(6) is not None:
                meta["altitude_m"] = round(float(gps[6]), 1)
            if taken:
                found = EXIF_TIME.match(str(taken).strip("\x00 "))
                if found:
                    year, month, day, clock = found.groups()
                    meta["taken_at"] = f"{year}-{month}-{day}T{clock}"  # the camera's local time
            if exif.get(0x0110):
                meta["camera"] = str(exif[0x0110]).strip("\x00")
    except (UnidentifiedImageError, OSError, ValueError, TypeError, ZeroDivisionError):
        pass
    upload.seek(0)
    return meta


def document_response(document: Document) -> FileResponse:
    """An uploaded file as it was kept, never cached on the way. The caller checks who may
    have it."""
    response = FileResponse(
        document.file.open("rb"), filename=document.name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return protect_file(response, content_type=document.content_type, filename=document.name)
