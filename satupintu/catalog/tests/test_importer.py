import csv

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from satupintu.catalog.importer import COLUMNS, ImportRejected, catalog_import
from satupintu.catalog.models import Service
from satupintu.malls.models import Agency
from satupintu.malls.tests.factories import MallFactory

pytestmark = pytest.mark.django_db

ROW = {
    "agency_name": "Dinas Kependudukan dan Pencatatan Sipil",
    "agency_short_name": "Disdukcapil",
    "agency_kind": "local",
    "service_name": "Penerbitan KTP-el Baru",
    "channel": "both",
    "duration_working_days": "1",
    "fee_rupiah": "0",
    "product": "KTP-el",
    "complaint_handling": "SP4N-LAPOR!",
    "requirements": "Fotokopi KK | Surat pengantar RT/RW",
    "steps": "Ambil antrean | Perekaman biometrik | Pengambilan KTP-el",
    "staff_count": "4",
}


def _csv(tmp_path, rows, name="katalog.csv", columns=COLUMNS):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_good_file_creates_agencies_services_requirements_and_steps(tmp_path):
    mall = MallFactory()
    rows = [
        ROW,
        {
            **ROW,
            "service_name": "Penerbitan SKCK",
            "agency_name": "Polres",
            "agency_kind": "vertical",
            "fee_rupiah": "30.000",
        },
    ]

    result = catalog_import(mall=mall, path=_csv(tmp_path, rows))

    assert (result.agencies_created, result.services_created) == (2, 2)
    ktp = Service.objects.get(name="Penerbitan KTP-el Baru")
    assert [r.text for r in ktp.requirements.all()] == ["Fotokopi KK", "Surat pengantar RT/RW"]
    assert ktp.steps.count() == 3 and ktp.agency.mall == mall and ktp.is_free
    assert Service.objects.get(name="Penerbitan SKCK").fee_rupiah == 30000
    assert "ktp" in ktp.search_text.split()


def test_importing_again_updates_instead_of_duplicating(tmp_path):
    mall = MallFactory()
    catalog_import(mall=mall, path=_csv(tmp_path, [ROW]))
    result = catalog_import(
        mall=mall,
        path=_csv(tmp_path, [{**ROW, "duration_working_days": "2", "requirements": "Fotokopi KK"}]),
    )
    assert (result.services_created, result.services_updated) == (0, 1)
    service = Service.objects.get()
    assert service.duration_working_days == 2 and service.requirements.count() == 1


def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(tmp_path):
    rows = [
        ROW,
        {**ROW, "service_name": "A", "duration_working_days": "dua"},
        {**ROW, "service_name": "B", "channel": "pos", "fee_rupiah": "-5"},
        {**ROW, "service_name": ""},
        ROW,
    ]
    with pytest.raises(ImportRejected) as rejected:
        catalog_import(mall=MallFactory(), path=_csv(tmp_path, rows))

    lines = sorted({line for line, _ in rejected.value.errors})
    assert lines == [3, 4, 5, 6]
    assert any("duration_working_days" in message for _, message in rejected.value.errors)
    assert not Service.objects.exists() and not Agency.objects.exists()


def test_agency_kind_must_not_change_between_rows(tmp_path):
    rows = [ROW, {**ROW, "service_name": "Akta", "agency_kind": "vertical"}]
    with pytest.raises(ImportRejected) as rejected:
        catalog_import(mall=MallFactory(), path=_csv(tmp_path, rows))
    assert [line for line, _ in rejected.value.errors] == [3]


def test_missing_and_unknown_columns_reject_the_file(tmp_path):
    columns = [c for c in COLUMNS if c != "product"] + ["harga"]
    row = {k: v for k, v in ROW.items() if k != "product"} | {"harga": "1"}
    with pytest.raises(ImportRejected) as rejected:
        catalog_import(mall=MallFactory(), path=_csv(tmp_path, [row], columns=columns))
    messages = " ".join(m for _, m in rejected.value.errors)
    assert "product" in messages and "harga" in messages


def test_xlsx_files_import_like_csv(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    sheet.append([ROW.get(c, "") for c in COLUMNS])
    sheet.append([None] * len(COLUMNS))  # trailing empty rows are common in spreadsheets
    path = tmp_path / "katalog.xlsx"
    workbook.save(path)

    result = catalog_import(mall=MallFactory(), path=path)

    assert result.services_created == 1


def test_command_reports_bad_rows_with_file_and_line(tmp_path, capsys):
    mall = MallFactory()
    path = _csv(tmp_path, [ROW, {**ROW, "service_name": "X", "agency_kind": "swasta"}])
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_catalog", mall.slug, str(path), "--no-progress")
    assert "katalog.csv:3:" in capsys.readouterr().err
    assert not Service.objects.exists()


def test_command_imports_a_good_file(tmp_path, capsys):
    mall = MallFactory()
    call_command("import_catalog", mall.slug, str(_csv(tmp_path, [ROW])), "--no-progress")
    assert "1 services created" in capsys.readouterr().out


def test_command_refuses_an_unknown_mall(tmp_path):
    with pytest.raises(CommandError, match="No mall"):
        call_command("import_catalog", "tidak-ada", str(_csv(tmp_path, [ROW])))
