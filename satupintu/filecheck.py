"""Checks every upload goes through whatever its kind: no markup, no archive bombs.

* ``refuse_markup``: bytes a browser would take for HTML, SVG or script are refused, whatever
  the name or the leading magic bytes say (a polyglot PDF/HTML, an SVG named .png).
* ``check_ooxml``: a DOCX or XLSX is a zip; it is opened only if it has at most
  ``MAX_ENTRIES`` entries, inflates to at most ``MAX_INFLATED_BYTES`` and at most
  ``MAX_RATIO`` times its own size (counted while inflating, not trusted from its headers), has
  no entry whose path climbs out (``..``, absolute, drive letters, backslashes) and really is
  Office Open XML (``[Content_Types].xml`` and the document's main part).
"""

import re
import zipfile
import zlib
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The longest file name kept (and shown) with an upload: a longer one is refused, never cut.
FILE_NAME_MAX = 200
MAX_ENTRIES = 1000
MAX_INFLATED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
SNIFF_BYTES = 1024
CHUNK = 64 * 1024

# What the WHATWG MIME sniffing standard takes for HTML (and XML/SVG) at the start of a file.
LEADING_MARKUP = re.compile(
    rb"^[\s\x00]*(?:\xef\xbb\xbf)?[\s]*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font"
    rb"|table|a|style|title|b|body|br|p|svg|\?xml|!--|object|embed|meta|img|math)[\s/>]",
    re.IGNORECASE,
)
# Anywhere in the first kilobyte: what makes a polyglot file run as a page.
EMBEDDED_MARKUP = re.compile(rb"<(?:script|html|svg|iframe|body|object|embed)[\s/>]", re.IGNORECASE)
DRIVE = re.compile(r"^[A-Za-z]:")


def check_file_name(name: str) -> None:
    """ValidationError if the file's name (without its folders) is longer than FILE_NAME_MAX."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    if len(name) > FILE_NAME_MAX:
        raise ValidationError(
            _(
                "The file's name has %(n)s characters; at most %(limit)s are allowed. Rename "
                "the file and upload it again."
            ),
            code="file_name_too_long",
            params={"n": len(name), "limit": FILE_NAME_MAX},
        )


def looks_like_markup(head: bytes) -> bool:
    """Whether a browser sniffing ``head`` (a file's first bytes) could render it as a page."""
    head = head[:SNIFF_BYTES]
    return bool(LEADING_MARKUP.match(head) or EMBEDDED_MARKUP.search(head))


def refuse_markup(upload: IO[bytes]) -> None:
    """ValidationError if the file's first kilobyte is HTML, SVG or script."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if looks_like_markup(head):
        raise ValidationError(
            _("The file contains web page or script code; such files are not accepted."),
            code="file_markup",
        )


def _unsafe_path(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or bool(DRIVE.match(name))
        or any(part == ".." for part in parts)
    )


def check_ooxml(upload: IO[bytes], *, size: int, main_part: str) -> None:
    """ValidationError unless ``upload`` (``size`` bytes) is a safe OOXML zip with
    ``main_part`` (``word/document.xml`` for DOCX, ``xl/workbook.xml`` for XLSX)."""
    not_office = ValidationError(
        _("The file's content does not match its type: upload a real DOCX or XLSX file."),
        code="file_content",
    )
    limit = min(MAX_INFLATED_BYTES, max(size, 1) * MAX_RATIO)
    too_big = ValidationError(
        _(
            "The archive unpacks to more than %(limit)s MB (at most %(ratio)s times its size "
            "and %(max)s MB): it is refused."
        ),
        code="archive_too_large",
        params={
            "limit": round(limit / 1048576, 1),
            "ratio": MAX_RATIO,
            "max": MAX_INFLATED_BYTES // 1048576,
        },
    )
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES:
                raise ValidationError(
                    _("The archive has %(n)s entries; at most %(max)s are allowed."),
                    code="archive_entries",
                    params={"n": len(entries), "max": MAX_ENTRIES},
                )
            if any(_unsafe_path(entry.filename) for entry in entries):
                raise ValidationError(
                    _("The archive has entries with unsafe paths; it is refused."),
                    code="archive_paths",
                )
            if sum(entry.file_size for entry in entries) > limit:
                raise too_big
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" not in names or main_part not in names:
                raise not_office
            inflated = 0
            # The headers may lie about sizes: count what actually comes out.
            for entry in entries:
                with archive.open(entry) as member:
                    while chunk := member.read(CHUNK):
                        inflated += len(chunk)
                        if inflated > limit:
                            raise too_big
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        # Not a zip, damaged, encrypted or compressed in a way Office does not write.
        raise not_office from exc
    finally:
        upload.seek(0)
