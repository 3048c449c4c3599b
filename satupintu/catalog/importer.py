"""Import of a mall's catalog (agencies, services, standards) from a CSV or XLSX file.

Every row is checked before anything is written; one bad row rejects the whole file, and every
bad row is reported with its line number.
"""

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from satupintu.catalog.models import Service
from satupintu.catalog.services import service_save
from satupintu.filecheck import check_ooxml
from satupintu.malls.models import Agency, Mall

COLUMNS = (
    "agency_name",
    "agency_short_name",
    "agency_kind",
    "service_name",
    "description",
    "keywords",
    "channel",
    "duration_working_days",
    "fee_rupiah",
    "fee_legal_basis",
    "product",
    "complaint_handling",
    "requirements",
    "steps",
    "legal_basis",
    "facilities",
    "staff_competence",
    "internal_supervision",
    "staff_count",
    "service_guarantee",
    "security_guarantee",
    "performance_evaluation",
)
REQUIRED = (
    "agency_name",
    "agency_kind",
    "service_name",
    "duration_working_days",
    "product",
    "complaint_handling",
)
TEXT_FIELDS = (
    "description",
    "keywords",
    "fee_legal_basis",
    "legal_basis",
    "facilities",
    "staff_competence",
    "internal_supervision",
    "service_guarantee",
    "security_guarantee",
    "performance_evaluation",
)
LIST_SEPARATOR = "|"
_RUPIAH = re.compile(r"^(\d+|\d{1,3}(\.\d{3})+)$")
_MAX_LENGTHS = {
    "agency_name": 200,
    "agency_short_name": 60,
    "service_name": 250,
    "product": 300,
    "fee_legal_basis": 300,
    "keywords": 500,
}


class ImportRejected(Exception):
    """The file has bad rows; nothing was imported. ``errors`` holds (line, message) pairs."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class ImportResult:
    agencies_created: int = 0
    services_created: int = 0
    services_updated: int = 0
    lines: int = 0
    created_agencies: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    agency: dict[str, str]
    service: dict[str, Any]


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) from a CSV or XLSX file; the header is line 1."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            _check_header(reader.fieldnames or [])
            for row in reader:
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        with path.open("rb") as handle:
            try:
                check_ooxml(handle, size=path.stat().st_size, main_part="xl/workbook.xml")
            except ValidationError as refused:
                raise ImportRejected([(0, message) for message in refused.messages]) from refused
        sheet = load_workbook(path, read_only=True, data_only=True).active
        assert sheet is not None  # a workbook openpyxl loads has a sheet
        rows = sheet.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows, ())]
        _check_header(header)
        for number, values in enumerate(rows, start=2):
            if all(v in (None, "") for v in values):
                continue
            yield (
                number,
                {
                    name: ("" if v is None else str(v)).strip()
                    for name, v in zip(header, values, strict=False)
                    if name
                },
            )
    else:
        raise ImportRejected([(0, _("Only .csv and .xlsx files can be imported."))])


def _check_header(header: Sequence[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c and c not in COLUMNS]
    errors = []
    if missing:
        errors.append((1, _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)}))
    if unknown:
        errors.append((1, _("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)}))
    if errors:
        raise ImportRejected(errors)


def _integer(value: str, *, minimum: int) -> int | None:
    cleaned = value.replace(" ", "")
    if cleaned.lower() == "gratis":
        cleaned = "0"
    if not _RUPIAH.match(cleaned):
        return None
    number = int(cleaned.replace(".", ""))
    return number if number >= minimum else None


def _parse(line: int, raw: dict[str, str]) -> tuple[_Row | None, list[str]]:
    problems = [_("%(col)s is required.") % {"col": col} for col in REQUIRED if not raw.get(col)]
    for col, limit in _MAX_LENGTHS.items():
        if len(raw.get(col, "")) > limit:
            problems.append(
                _("%(col)s is longer than %(n)s characters.") % {"col": col, "n": limit}
            )
    kind = raw.get("agency_kind", "")
    if kind and kind not in Agency.Kind.values:
        problems.append(_("agency_kind must be local or vertical, not %(v)r.") % {"v": kind})
    channel = raw.get("channel") or Service.Channel.BOTH
    if channel not in Service.Channel.values:
        problems.append(_("channel must be online, in_person or both, not %(v)r.") % {"v": channel})
    days = _integer(raw.get("duration_working_days", ""), minimum=1)
    if raw.get("duration_working_days") and days is None:
        problems.append(_("duration_working_days must be a whole number of at least 1."))
    fee = _integer(raw.get("fee_rupiah") or "0", minimum=0)
    if fee is None:
        problems.append(_("fee_rupiah must be a whole number of rupiah (0 or Gratis if free)."))
    staff = _integer(raw["staff_count"], minimum=0) if raw.get("staff_count") else None
    if raw.get("staff_count") and staff is None:
        problems.append(_("staff_count must be a whole number."))
    if problems:
        return None, problems
    agency = {
        "name": raw["agency_name"],
        "short_name": raw.get("agency_short_name", ""),
        "kind": kind,
    }
    service: dict[str, Any] = {
        "name": raw["service_name"],
        "channel": channel,
        "duration_working_days": days,
        "fee_rupiah": fee,
        "product": raw["product"],
        "complaint_handling": raw["complaint_handling"],
        "staff_count": staff,
        "requirements": _split(raw.get("requirements", "")),
        "steps": _split(raw.get("steps", "")),
    }
    service.update({name: raw.get(name, "") for name in TEXT_FIELDS})
    return _Row(line, agency, service), []


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def catalog_import(
    *,
    mall: Mall,
    path: Path,
    progress: Callable[[Iterator[Any]], Iterator[Any]] = iter,
) -> ImportResult:
    """Import agencies and services into ``mall``; raise ImportRejected and write nothing if any
    row is bad. Services are matched by agency and name: existing ones are updated."""
    rows: list[_Row] = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple[str, str], int] = {}
    agency_kinds: dict[str, str] = dict(
        Agency.objects.filter(mall=mall).values_list("name", "kind")
    )
    for line, raw in read_rows(path):
        row, problems = _parse(line, raw)
        errors.extend((line, problem) for problem in problems)
        if row is None:
            continue
        key = (row.agency["name"], row.service["name"])
        if key in seen:
            errors.append(
                (
                    line,
                    _("Service %(s)r of %(a)r already appears on line %(n)s.")
                    % {"s": key[1], "a": key[0], "n": seen[key]},
                )
            )
        seen[key] = line
        known_kind = agency_kinds.setdefault(row.agency["name"], row.agency["kind"])
        if known_kind != row.agency["kind"]:
            errors.append(
                (
                    line,
                    _("Agency %(a)r is %(k)s elsewhere; a row may not change it.")
                    % {"a": row.agency["name"], "k": known_kind},
                )
            )
        rows.append(row)
    if errors:
        raise ImportRejected(sorted(errors))
    if not rows:
        raise ImportRejected([(1, _("The file has no rows to import."))])
    return _write(mall=mall, rows=rows, progress=progress)


@transaction.atomic
def _write(*, mall: Mall, rows: list[_Row], progress: Callable) -> ImportResult:
    result = ImportResult(lines=len(rows))
    agencies = {a.name: a for a in Agency.objects.filter(mall=mall)}
    for row in progress(rows):
        agency = agencies.get(row.agency["name"])
        if agency is None:
            agency = Agency.objects.create(
                mall=mall,
                name=row.agency["name"],
                short_name=row.agency["short_name"],
                kind=row.agency["kind"],
                slug=_free_slug(mall, row.agency["name"]),
            )
            agencies[agency.name] = agency
            result.agencies_created += 1
            result.created_agencies.append(agency.name)
        existed = Service.objects.filter(agency=agency, name=row.service["name"]).first()
        service_save(agency=agency, slug=existed.slug if existed else "", **row.service)
        if existed:
            result.services_updated += 1
        else:
            result.services_created += 1
    return result


def _free_slug(mall: Mall, name: str) -> str:
    base = slugify(name)[:90] or "instansi"
    slug, n = base, 2
    while Agency.objects.filter(mall=mall, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
