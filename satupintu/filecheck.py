"""The one upload checker: every file (downloadable forms, complaint evidence, application
documents) is checked here for its kind by content, its size, its name and how many come at once.

* ``check_upload``: the kind is told by the file's content (PDF, DOCX, JPEG, PNG), never
  trusted from its name; where the name is kept and shown, its suffix must name that same kind.
  A PDF must end as a PDF does, a picture must open, a DOCX must pass ``check_ooxml``.
* Markup: bytes a browser would take for HTML, SVG or script are refused, whatever the name
  or the leading magic bytes say (a polyglot PDF/HTML, an SVG named .png).
* ``check_ooxml``: a DOCX or XLSX is a zip; it is opened only if it has at most
  ``MAX_ENTRIES`` entries, inflates to at most ``MAX_INFLATED_BYTES`` and at most
  ``MAX_RATIO`` times its own size (counted while inflating, not trusted from its headers), has
  no entry whose path climbs out (``..``, absolute, drive letters, backslashes) and really is
  Office Open XML (``[Content_Types].xml`` and the document's main part).
"""

import hashlib
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Collection, Sized
from dataclasses import dataclass
from io import BytesIO
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

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


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError(_("The PDF file is damaged or incomplete."), code="file_content")


def _check_image(data: bytes) -> None:
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


def _check_docx(data: bytes) -> None:
    check_ooxml(BytesIO(data), size=len(data), main_part="word/document.xml")


@dataclass(frozen=True)
class Kind:
    """A kind of file accepted somewhere: how its content starts, the names it goes by, and
    the deeper look that tells a real one from a damaged or disguised one."""

    label: str
    content_type: str
    magic: bytes
    suffixes: tuple[str, ...]
    check: Callable[[bytes], None]


PDF = Kind("PDF", "application/pdf", b"%PDF-", (".pdf",), _check_pdf)
DOCX = Kind(
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"PK\x03\x04",
    (".docx",),
    _check_docx,
)
JPEG = Kind("JPEG", "image/jpeg", b"\xff\xd8\xff", (".jpg", ".jpeg"), _check_image)
PNG = Kind("PNG", "image/png", b"\x89PNG\r\n\x1a\n", (".png",), _check_image)

FORM_KINDS = (PDF, DOCX)  # downloadable forms
EVIDENCE_KINDS = (PDF, DOCX, JPEG, PNG)  # a complaint's evidence
DOCUMENT_KINDS = (PDF, JPEG, PNG)  # an application's documents and survey evidence


@dataclass(frozen=True)
class CheckedFile:
    kind: Kind
    sha256: str


def _megabytes(size: int) -> float:
    return round(size / 1048576, 1)


def check_upload(
    upload: File, *, kinds: Collection[Kind], max_bytes: int, match_name: bool = True
) -> CheckedFile:
    """The kind and SHA-256 of an acceptable file; ValidationError otherwise.

    ``match_name``: the file's name must end as its kind's names do (a form or evidence is
    downloaded under its name); without it the name is not looked at (a photo of an ID card
    named "scan").
    """
    check_file_name(upload.name or "")
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s MB; at most %(limit)s MB is allowed."),
            code="file_too_large",
            params={"size": _megabytes(upload.size), "limit": _megabytes(max_bytes)},
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data:
        raise ValidationError(_("The file is empty."), code="file_empty")
    if looks_like_markup(data):
        raise ValidationError(
            _("The file contains web page or script code; such files are not accepted."),
            code="file_markup",
        )
    by_content = next((kind for kind in kinds if data.startswith(kind.magic)), None)
    if match_name:
        name = (upload.name or "").lower()
        named = next((kind for kind in kinds if name.endswith(kind.suffixes)), None)
        if named is None:
            raise _wrong_type(kinds)
        if by_content is not named:
            raise ValidationError(
                _("The file's content does not match its type: upload the real file."),
                code="file_content",
            )
    elif by_content is None:
        raise _wrong_type(kinds)
    by_content.check(data)
    return CheckedFile(kind=by_content, sha256=hashlib.sha256(data).hexdigest())


def _wrong_type(kinds: Collection[Kind]) -> ValidationError:
    return ValidationError(
        _("Only these files are accepted, checked by their content: %(kinds)s."),
        code="file_type",
        params={"kinds": ", ".join(kind.label for kind in kinds)},
    )


def check_count(files: Sized, *, limit: int) -> None:
    """ValidationError if more than ``limit`` files come at once."""
    if len(files) > limit:
        raise ValidationError(
            _("At most %(n)s files may be attached."), code="too_many_files", params={"n": limit}
        )
