"""Files of applications: what a photo says about itself, and how a kept file is served.

They are checked on the way in by ``satupintu.filecheck.check_upload``.
"""

import re
from typing import Any

from django.core.files import File
from django.http import FileResponse
from PIL import Image, UnidentifiedImageError

from satupintu.cases.models import Document
from satupintu.security import protect_file

EXIF_TIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2}) (\d{2}:\d{2}:\d{2})$")
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
DATETIME_ORIGINAL, DATETIME = 0x9003, 0x0132


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
