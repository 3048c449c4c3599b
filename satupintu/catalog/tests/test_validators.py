import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from satupintu.catalog.validators import validate_form_file, validate_form_schema
from satupintu.demo.seed import blank_form_pdf


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def test_real_pdf_and_docx_are_accepted():
    validate_form_file(SimpleUploadedFile("formulir.pdf", blank_form_pdf("Formulir")))
    validate_form_file(SimpleUploadedFile("formulir.docx", _docx()))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("formulir.pdf", b"MZ\x90\x00 an executable renamed"),
        ("formulir.docx", b"%PDF-1.4 a pdf named docx"),
        ("formulir.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_disguised_files_are_refused(name, content):
    with pytest.raises(ValidationError) as error:
        validate_form_file(SimpleUploadedFile(name, content))
    assert error.value.code == "file_content"


def test_other_types_are_refused():
    with pytest.raises(ValidationError) as error:
        validate_form_file(SimpleUploadedFile("formulir.exe", b"MZ"))
    assert error.value.code == "file_type"


def test_oversize_file_is_refused_with_its_size(settings):
    settings.FORM_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as error:
        validate_form_file(SimpleUploadedFile("formulir.pdf", b"%PDF-" + b"0" * 2048))
    assert error.value.code == "file_too_large"


GOOD_FIELD = {"name": "nik", "label": {"id": "NIK", "en": "NIK"}, "type": "nik", "required": True}


def test_a_well_formed_schema_is_accepted():
    validate_form_schema(
        [
            GOOD_FIELD,
            {
                "name": "jenis",
                "label": "Jenis",
                "type": "select",
                "choices": ["baru", "perpanjangan"],
            },
        ]
    )


@pytest.mark.parametrize(
    "schema",
    [
        {"name": "nik"},
        [{**GOOD_FIELD, "name": "NIK Pemohon"}],
        [GOOD_FIELD, GOOD_FIELD],
        [{**GOOD_FIELD, "label": ""}],
        [{**GOOD_FIELD, "type": "signature"}],
        [{**GOOD_FIELD, "required": "ya"}],
        [{"name": "jenis", "label": "Jenis", "type": "select"}],
    ],
)
def test_malformed_schemas_are_refused(schema):
    with pytest.raises(ValidationError):
        validate_form_schema(schema)
