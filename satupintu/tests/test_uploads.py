"""Every upload path refuses archive bombs, path tricks, fake Office files and markup; files
served back are downloads unless checked PDFs or images, sandboxed and never sniffed."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from satupintu.catalog.importer import ImportRejected, read_rows
from satupintu.catalog.validators import validate_form_file
from satupintu.complaints.validators import validate_evidence
from satupintu.demo.seed import blank_form_pdf
from satupintu.filecheck import (
    DOCUMENT_KINDS,
    EVIDENCE_KINDS,
    MAX_ENTRIES,
    check_count,
    check_upload,
    looks_like_markup,
)


def _zip(entries: dict[str, bytes], *, deflate: bool = True) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx(**extra: bytes) -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>", **extra})


def _document(upload):
    return check_upload(upload, kinds=DOCUMENT_KINDS, max_bytes=10 * 1024 * 1024, match_name=False)


DOCX_CHECKS = [
    lambda data: validate_form_file(SimpleUploadedFile("formulir.docx", data)),
    lambda data: validate_evidence(SimpleUploadedFile("bukti.docx", data)),
]


@pytest.mark.parametrize("check", DOCX_CHECKS)
def test_a_real_docx_passes(check):
    check(_docx())


REFUSED_DOCX = {
    # 60 MiB of zeros in a ~60 KB file: over the 50 MiB cap.
    "bomb": (_docx(**{"word/media/zero.bin": b"\0" * (60 * 1024 * 1024)}), "archive_too_large"),
    # 2 MiB from ~2 KB: within 50 MiB but a thousand times its size.
    "ratio": (_docx(**{"word/media/zero.bin": b"\0" * (2 * 1024 * 1024)}), "archive_too_large"),
    "entries": (
        _docx(**{f"word/part{i}.xml": b"" for i in range(MAX_ENTRIES)}),
        "archive_entries",
    ),
    "climbs": (_docx(**{"../../etc/cron.d/x": b"x"}), "archive_paths"),
    "absolute": (_docx(**{"/etc/passwd": b"x"}), "archive_paths"),
    "drive": (_docx(**{"C:/Windows/x.dll": b"x"}), "archive_paths"),
    "backslash": (_docx(**{"word\\..\\..\\x": b"x"}), "archive_paths"),
    "no content types": (_zip({"word/document.xml": b"<document/>"}), "file_content"),
    "an xlsx named docx": (
        _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
        "file_content",
    ),
    "not a zip": (b"PK\x03\x04 broken", "file_content"),
}


@pytest.mark.parametrize("case", REFUSED_DOCX)
@pytest.mark.parametrize("check", DOCX_CHECKS)
def test_dangerous_or_fake_docx_are_refused_with_a_message(check, case):
    data, code = REFUSED_DOCX[case]
    with pytest.raises(ValidationError) as refused:
        check(data)
    assert refused.value.code == code
    assert refused.value.messages[0]


def test_a_zip_whose_headers_lie_about_sizes_is_measured_while_inflating():
    data = bytearray(_docx(**{"word/media/zero.bin": b"\0" * (60 * 1024 * 1024)}))
    # Rewrite the declared size of the big entry (local and central headers) to 10 bytes.
    real = (60 * 1024 * 1024).to_bytes(4, "little")
    assert data.count(real) == 2
    data = data.replace(real, (10).to_bytes(4, "little"))
    with pytest.raises(ValidationError) as refused:
        validate_evidence(SimpleUploadedFile("bukti.docx", bytes(data)))
    assert refused.value.code in ("archive_too_large", "file_content")


def test_an_xlsx_bomb_is_refused_by_the_catalog_import(tmp_path: Path):
    bomb = tmp_path / "katalog.xlsx"
    bomb.write_bytes(
        _zip(
            {
                "[Content_Types].xml": b"<Types/>",
                "xl/workbook.xml": b"<workbook/>",
                "xl/worksheets/sheet1.xml": b" " * (60 * 1024 * 1024),
            }
        )
    )
    with pytest.raises(ImportRejected) as refused:
        list(read_rows(bomb))
    assert "MB" in refused.value.errors[0][1]


MARKUP = [
    b"<!DOCTYPE html><html><body>hi</body></html>",
    b"  \n<html><script>alert(1)</script>",
    b"\xef\xbb\xbf<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"<?xml version='1.0'?><svg/>",
    b"<script>alert(document.cookie)</script>",
    b"%PDF-1.4\n<html><script>alert(1)</script></html>",  # a PDF/HTML polyglot
    b"\xff\xd8\xff\xe0 JFIF <svg onload=alert(1)>",  # a JPEG/SVG polyglot
    b"\x89PNG\r\n\x1a\n<iframe src=//evil>",
]


@pytest.mark.parametrize("data", MARKUP)
def test_markup_is_refused_on_every_upload_path(data):
    assert looks_like_markup(data)
    for name in ("formulir.pdf", "formulir.docx"):
        with pytest.raises(ValidationError):
            validate_form_file(SimpleUploadedFile(name, data))
    for name in ("bukti.pdf", "bukti.png", "bukti.jpg"):
        with pytest.raises(ValidationError):
            validate_evidence(SimpleUploadedFile(name, data))
    with pytest.raises(ValidationError):
        _document(SimpleUploadedFile("ktp.pdf", data + b"\n%%EOF"))


def test_markup_gets_its_own_message():
    with pytest.raises(ValidationError) as refused:
        validate_evidence(SimpleUploadedFile("bukti.pdf", MARKUP[5]))
    assert refused.value.code == "file_markup"


def test_real_pdfs_and_pictures_are_not_taken_for_markup():
    pdf = blank_form_pdf("Formulir")
    assert not looks_like_markup(pdf)
    validate_form_file(SimpleUploadedFile("formulir.pdf", pdf))
    validate_evidence(SimpleUploadedFile("bukti.pdf", pdf))
    assert _document(SimpleUploadedFile("ktp.pdf", pdf)).kind.content_type == "application/pdf"


@pytest.mark.django_db
def test_downloadable_forms_are_served_sandboxed_and_docx_as_a_download(client, settings):
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / "formulir.docx").write_bytes(_docx())
    (settings.MEDIA_ROOT / "formulir.pdf").write_bytes(blank_form_pdf("Formulir"))
    docx = client.get("/media/formulir.docx")
    assert docx.status_code == 200
    assert docx["Content-Disposition"] == 'attachment; filename="formulir.docx"'
    pdf = client.get("/media/formulir.pdf")
    assert "attachment" not in pdf.get("Content-Disposition", "")
    for response in (docx, pdf):
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG")
    return out.getvalue()


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return out.getvalue()


KINDS = {
    "PDF": ("bukti.pdf", lambda: blank_form_pdf("Formulir"), "application/pdf"),
    "DOCX": (
        "bukti.docx",
        _docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "JPEG": ("bukti.jpeg", _jpeg, "image/jpeg"),
    "PNG": ("bukti.png", _png, "image/png"),
}


@pytest.mark.parametrize("label", KINDS)
def test_each_kind_is_told_by_its_content(label):
    name, data, content_type = KINDS[label]
    checked = check_upload(
        SimpleUploadedFile(name, data()), kinds=EVIDENCE_KINDS, max_bytes=10 * 1024 * 1024
    )
    assert (checked.kind.label, checked.kind.content_type) == (label, content_type)
    # Where the name is not looked at, the content alone decides.
    unnamed = check_upload(
        SimpleUploadedFile("scan", data()),
        kinds=EVIDENCE_KINDS,
        max_bytes=10 * 1024 * 1024,
        match_name=False,
    )
    assert unnamed.kind.label == label


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("bukti.png", _jpeg(), "file_content"),  # a JPEG named .png
        ("bukti.png", _png()[:30], "file_content"),  # a picture cut short
        ("bukti.pdf", b"%PDF-1.4 no end", "file_content"),  # a PDF cut short
        ("bukti.gif", b"GIF89a", "file_type"),
        ("bukti.pdf", b"", "file_empty"),
    ],
)
def test_disguised_damaged_empty_or_other_files_are_refused(name, data, code):
    with pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile(name, data), kinds=EVIDENCE_KINDS, max_bytes=1024 * 1024)
    assert refused.value.code == code


def test_a_kind_not_allowed_here_is_refused_and_the_allowed_ones_named():
    with pytest.raises(ValidationError) as refused:
        check_upload(
            SimpleUploadedFile("denah.docx", _docx()),
            kinds=DOCUMENT_KINDS,
            max_bytes=1024 * 1024,
            match_name=False,
        )
    assert refused.value.code == "file_type"
    assert "PDF, JPEG, PNG" in refused.value.messages[0]


def test_a_file_over_the_size_limit_is_refused_with_its_size():
    with pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("bukti.png", _png()), kinds=EVIDENCE_KINDS, max_bytes=10)
    assert refused.value.code == "file_too_large"


def test_evidence_has_its_own_size_limit(settings):
    settings.FORM_UPLOAD_MAX_BYTES = 10
    validate_evidence(SimpleUploadedFile("bukti.png", _png()))
    settings.COMPLAINT_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        validate_evidence(SimpleUploadedFile("bukti.png", _png()))
    assert refused.value.code == "file_too_large"


def test_more_files_than_allowed_at_once_are_refused():
    check_count([object()] * 5, limit=5)
    with pytest.raises(ValidationError) as refused:
        check_count([object()] * 6, limit=5)
    assert refused.value.code == "too_many_files"
