"""The IKM report in the regulation's layout (PermenPANRB 14/2017), as PDF and XLSX: counts
and averages only, never a respondent's row or comment."""

from decimal import Decimal
from io import BytesIO

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from satupintu.cases.permits.render import html_to_pdf
from satupintu.surveys.elements import ELEMENTS
from satupintu.surveys.questionnaire import PROFILE_LABELS
from satupintu.surveys.selectors import IkmReport


def unit_name(report: IkmReport) -> str:
    """The unit the report is of: the service, the agency or the mall."""
    scope = report.scope
    if scope.service is not None:
        return f"{scope.service.name} ({scope.service.agency.name}, {scope.mall.name})"
    if scope.agency is not None:
        return f"{scope.agency.name} ({scope.mall.name})"
    return scope.mall.name


def _number(value: Decimal | None, places: int = 3) -> float | None:
    return None if value is None else round(float(value), places)


def report_pdf(report: IkmReport) -> bytes:
    html = render_to_string(
        "surveys/pdf/report.html",
        {"report": report, "unit": unit_name(report), **_rows(report)},
    )
    return html_to_pdf(html)


def _rows(report: IkmReport) -> dict[str, object]:
    names = {e.code: e.name for e in ELEMENTS}
    return {
        "elements": [
            {
                "code": r.code,
                "name": names[r.code],
                "total": r.total,
                "nrr": r.nrr,
                "weighted": r.weighted,
            }
            for r in report.result.elements
        ],
        "profile": [(PROFILE_LABELS[name], rows) for name, rows in report.profile.items()],
    }


def report_xlsx(report: IkmReport) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has a sheet
    sheet.title = "IKM"
    bold = Font(bold=True)
    result = report.result
    sheet.append([_("Community satisfaction index (IKM)")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Service unit"), unit_name(report)])
    sheet.append([_("Period"), report.period.start.isoformat(), report.period.end.isoformat()])
    sheet.append([_("Respondents"), result.respondents])
    sheet.append([_("Population (service users)"), result.population])
    sheet.append([_("Sample needed (Krejcie–Morgan)"), result.sample_needed])
    sheet.append([])
    sheet.append([_("Element"), _("Name"), _("Sum of scores"), "NRR", _("Weighted NRR")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    names = {e.code: str(e.name) for e in ELEMENTS}
    for row in result.elements:
        sheet.append(
            [row.code, names[row.code], row.total, _number(row.nrr), _number(row.weighted)]
        )
    sheet.append([])
    sheet.append(["IKM", _number(result.index, 4)])
    sheet.append([_("Converted IKM"), _number(result.converted, 2)])
    sheet.append(
        [_("Quality (mutu)"), f"{result.mutu.grade} ({result.mutu.name})" if result.mutu else "-"]
    )
    worst = result.to_improve
    sheet.append(
        [_("Element to improve first"), f"{worst.code} {names[worst.code]}" if worst else "-"]
    )
    units = book.create_sheet(_("Units"))
    units.append([_("Agency"), _("Respondents"), "IKM", _("Converted IKM"), _("Quality (mutu)")])
    for cell in units[1]:
        cell.font = bold
    for unit in report.units:
        r = unit.result
        units.append(
            [
                unit.agency.name,
                r.respondents,
                _number(r.index, 4),
                _number(r.converted, 2),
                r.mutu.grade if r.mutu else "-",
            ]
        )
    profile = book.create_sheet(_("Respondents"))
    for name, rows in report.profile.items():
        profile.append([str(PROFILE_LABELS[name])])
        profile[profile.max_row][0].font = bold
        for label, count in rows:
            profile.append([label, count])
        profile.append([])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
