"""Every .xlsx the workstation gives out: a title, the filters it was made with, a header row
and the rows. One helper, so every export treats outside text the same way: a string that
starts with =, +, -, @ (or a tab / carriage return, which spreadsheets also act on) is written
as text with the quote prefix, never as a formula (client names come from importer files)."""

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel's own limit on a cell's text.
MAX_CELL_TEXT = 32_767
BOLD = Font(bold=True)


@dataclass
class Sheet:
    """One sheet: its name, the column headers and the rows (sequences of plain values)."""

    title: str
    columns: list[str]
    rows: Iterable[Iterable] = field(default_factory=list)


def cell(ws, value, *, bold: bool = False) -> WriteOnlyCell:
    """A cell for `value`: numbers and dates as such, everything else as text."""
    if isinstance(value, dt.datetime):
        value = (
            timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        )
    elif isinstance(value, dt.timedelta):
        value = round(value.total_seconds() / 3600, 1)
    elif value is not None and not isinstance(value, int | float | Decimal | dt.date):
        # Control characters (a NUL typed into a filter) cannot be stored in a worksheet.
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_TEXT]
    result = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        result.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            result.quotePrefix = True
    if isinstance(value, dt.datetime):
        result.number_format = "DD.MM.YYYY HH:MM"
    elif isinstance(value, dt.date):
        result.number_format = "DD.MM.YYYY"
    if bold:
        result.font = BOLD
    return result


def workbook(*, title: str, filters: list[tuple[str, str]], sheets: list[Sheet]) -> bytes:
    """The workbook: each sheet opens with the title and the filters, then the table."""
    book = Workbook(write_only=True)
    for sheet in sheets:
        ws = book.create_sheet(title=_sheet_title(sheet.title))
        ws.append([cell(ws, title, bold=True)])
        if sheet.title != title:
            ws.append([cell(ws, sheet.title, bold=True)])
        for name, value in filters:
            ws.append([cell(ws, f"{name}:"), cell(ws, value)])
        ws.append([])
        ws.append([cell(ws, column, bold=True) for column in sheet.columns])
        for row in sheet.rows:
            ws.append([cell(ws, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    # Sheet names: 31 characters at most, none of []:*?/\
    return "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Лист"


def xlsx_response(*, filename: str, title: str, filters, sheets: list[Sheet]) -> HttpResponse:
    response = HttpResponse(
        workbook(title=title, filters=filters, sheets=sheets), content_type=XLSX_TYPE
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"{filename}.xlsx\"; filename*=UTF-8''{filename}.xlsx"
    )
    return response
