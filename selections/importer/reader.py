"""The importer file's sheet into rows: the header found by aliases, each row's values read
through the shared cell layer (`crm_workstation.cells`), duplicates marked."""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from client_history.models import Client, Vehicle
from crm_workstation.cells import BadRow, Cells, blank, cell_text, max_length_of, text_key
from selections.importer.workbook import ImporterFileError, SheetRows
from selections.models import ImporterColumn

HEADER_SEARCH_ROWS = 20
# A header must name at least this many known columns: one known word in a title row
# («Клиенты») is not a header.
MIN_HEADER_MATCHES = 2
_FOOTER = re.compile(r"^(итого|всего)\b", re.IGNORECASE)


class RowStatus:
    OK = "ok"
    DUPLICATE = "duplicate"
    ERROR = "error"


@dataclass
class ImporterRow:
    """One data row of the file: `data` in the lead contract's keys (see the package
    docstring), its reasons, its status and what it matched."""

    row: int
    data: dict[str, Any]
    errors: list[str]
    status: str = RowStatus.OK
    last_visit: dt.date | None = None
    due_date: dt.date | None = None
    vehicle_id: int | None = None
    client_id: int | None = None
    match: str = "none"

    @property
    def is_usable(self) -> bool:
        return self.status == RowStatus.OK

    @property
    def vehicle_key(self) -> str:
        return self.data.get("vin") or self.data.get("plate") or ""


@dataclass
class ImporterSheet:
    """The sheet's header and the data lines below it, not yet read into values."""

    header_row: int
    columns: dict[str, int]
    labels: dict[str, str]
    lines: list[tuple[int, list[Any]]]
    notes: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return len(self.lines)


def alias_keys(aliases: list[tuple[str, str]]) -> dict[str, str]:
    """(field, alias) pairs → {compared form of the alias: field}."""
    return {text_key(alias): column for column, alias in aliases}


def _header_score(line: list[Any], keys: dict[str, str]) -> int:
    return len({keys[k] for k in (text_key(cell) for cell in line if not blank(cell)) if k in keys})


def find_header(
    rows: list[list[Any]], keys: dict[str, str]
) -> tuple[int, dict[str, int], dict[str, str]]:
    """The header's index among `rows` (the row naming the most known columns within the first
    20), each known column's index and the header text it had."""
    best, best_score = -1, 0
    for index, line in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = _header_score(line, keys)
        if score > best_score:
            best, best_score = index, score
    if best_score < MIN_HEADER_MATCHES:
        raise ImporterFileError(
            "Не найдена строка заголовка: в первых 20 строках листа нет известных названий "
            "колонок (например: VIN, Госномер, ФИО клиента, Телефон). Проверьте, что это файл "
            "импортера, или добавьте названия колонок в настройках варианта файла."
        )
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, cell in enumerate(rows[best]):
        column = keys.get(text_key(cell)) if not blank(cell) else None
        if column and column not in columns:
            columns[column] = index
            labels[column] = cell_text(cell)
    missing = []
    if ImporterColumn.VIN not in columns and ImporterColumn.PLATE not in columns:
        missing.append("VIN или госномер")
    if ImporterColumn.CLIENT_NAME not in columns:
        missing.append("клиент (ФИО или наименование)")
    if ImporterColumn.PHONE not in columns:
        missing.append("телефон")
    if missing:
        raise ImporterFileError(
            f"В строке заголовка (строка {best + 1}) нет колонок: {', '.join(missing)}. "
            "Без них строки файла не станут лидами."
        )
    return best, columns, labels


def _is_footer(line: list[Any]) -> bool:
    filled = [cell for cell in line if not blank(cell)]
    return len(filled) == 1 and isinstance(filled[0], str) and bool(_FOOTER.match(filled[0]))


def split_sheet(
    sheet: SheetRows, *, keys: dict[str, str], max_rows: int, empty_run_end: int
) -> ImporterSheet:
    """Find the header and collect the data lines below it; raises `ImporterFileError` for a
    sheet without a header or with more data rows than `max_rows`.

    Blank lines and a footer («Итого записей: 250») are not rows. Reading ends after
    `empty_run_end` blank lines in a row; a sheet with values below such a gap says so in
    `notes`.
    """
    index, columns, labels = find_header(sheet.rows, keys)
    lines: list[tuple[int, list[Any]]] = []
    notes: list[str] = []
    run = 0
    number = index + 1
    for number, line in enumerate(sheet.rows[index + 1 :], start=index + 2):
        if all(blank(cell) for cell in line):
            run += 1
            if run >= empty_run_end:
                if number < sheet.total_lines:
                    notes.append(
                        f"После строки {number - run} идут {run} пустых строк подряд; "
                        f"строки ниже {number} (до {sheet.total_lines}) не прочитаны."
                    )
                break
            continue
        run = 0
        if _is_footer(line):
            continue
        lines.append((number, line))
        if len(lines) > max_rows:
            raise _too_many(max_rows)
    else:
        if sheet.total_lines > number:
            # The sheet goes on past what was converted: more lines than the limit can need.
            raise _too_many(max_rows)
    return ImporterSheet(
        header_row=index + 1, columns=columns, labels=labels, lines=lines, notes=notes
    )


def _too_many(max_rows: int) -> ImporterFileError:
    return ImporterFileError(
        f"В файле больше {max_rows} строк данных — это предел для варианта файла. "
        "Разделите файл на части и загрузите их по очереди."
    )


class _RowReader:
    """Reads one row's values; every unreadable value adds its reason and reads as None."""

    def __init__(self, cells: Cells) -> None:
        self.cells = cells
        self.errors: list[str] = []

    def __call__(self, method: str, column: str, **kwargs: Any) -> Any:
        if not self.cells.has(column):
            return None
        try:
            return getattr(self.cells, method)(column, **kwargs)
        except BadRow as problem:
            self.errors.append(str(problem))
            return None


_NAME_LENGTH = max_length_of(Client, "name")
_EMAIL_LENGTH = max_length_of(Client, "email")
_PLATE_LENGTH = max_length_of(Vehicle, "plate")
_MAKE_LENGTH = max_length_of(Vehicle, "make")
_MODEL_LENGTH = max_length_of(Vehicle, "model")
_TEXT_LENGTH = 1000


def read_row(number: int, line: list[Any], sheet: ImporterSheet, *, max_year: int) -> ImporterRow:
    """One data line into an `ImporterRow` with every reason it has (no duplicate check)."""
    values = {column: line[i] if i < len(line) else None for column, i in sheet.columns.items()}
    cells = Cells(values, sheet.labels)
    read = _RowReader(cells)
    c = ImporterColumn
    vin = read("vin", c.VIN) or ""
    plate = read("plate", c.PLATE, max_length=_PLATE_LENGTH) or ""
    name = " ".join((read("text", c.CLIENT_NAME, max_length=_NAME_LENGTH) or "").split())
    phone_readings = read("phones", c.PHONE) or []
    phones = [reading.number for reading in phone_readings if reading.is_valid]
    email = read("text", c.EMAIL, max_length=_EMAIL_LENGTH) or ""
    if email:
        try:
            validate_email(email)
        except ValidationError:
            read.errors.append(f"«{sheet.labels[c.EMAIL]}»: e-mail «{email}» некорректен")
    dates = {
        column: read("date", column) for column in (c.SALE_DATE, c.LAST_VISIT, c.NEXT_MAINTENANCE)
    }
    data = {
        "vin": vin,
        "plate": plate,
        "make": read("text", c.MAKE, max_length=_MAKE_LENGTH) or "",
        "model": read("text", c.MODEL, max_length=_MODEL_LENGTH) or "",
        "year": read("integer", c.YEAR, minimum=1900, maximum=max_year),
        "name": name,
        "phones": phones,
        "phone_text": cell_text(values.get(c.PHONE)) if not phones else "",
        "email": email,
        "sale_date": _iso(dates[c.SALE_DATE]),
        "last_visit": _iso(dates[c.LAST_VISIT]),
        "mileage": read("mileage", c.MILEAGE),
        "next_maintenance": _iso(dates[c.NEXT_MAINTENANCE]),
        "dealer_code": read("text", c.DEALER_CODE, max_length=_TEXT_LENGTH) or "",
        "comment": read("text", c.COMMENT, max_length=_TEXT_LENGTH) or "",
    }
    errors = read.errors
    if not vin and not plate and not any(e.startswith("VIN") for e in errors):
        errors.insert(0, "нет VIN и госномера")
    if not name:
        errors.append("не указан клиент (ФИО или наименование)")
    if not phones:
        text = cell_text(values.get(c.PHONE))
        errors.append(f"телефон «{text}» не распознан" if text else "нет телефона")
    return ImporterRow(
        row=number,
        data=data,
        errors=errors,
        status=RowStatus.ERROR if errors else RowStatus.OK,
        last_visit=dates[c.LAST_VISIT],
        due_date=dates[c.NEXT_MAINTENANCE],
    )


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def read_rows(sheet: ImporterSheet) -> Iterator[ImporterRow]:
    """Every data line as an `ImporterRow`; a second row of the same vehicle (VIN, else plate)
    is a duplicate of the first usable one."""
    max_year = dt.date.today().year + 1
    first_rows: dict[str, int] = {}
    for number, line in sheet.lines:
        row = read_row(number, line, sheet, max_year=max_year)
        key = row.vehicle_key
        if row.status == RowStatus.OK and key:
            if key in first_rows:
                row.status = RowStatus.DUPLICATE
                row.errors.append(f"тот же автомобиль, что в строке {first_rows[key]}")
                row.data["duplicate_of"] = first_rows[key]
            else:
                first_rows[key] = number
        yield row
