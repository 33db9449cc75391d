"""Import of the dealer-management system's (DMS) export: `manage.py import_dms <folder>`.

The folder holds one file per kind of record (`clients.csv`, `vehicles.xlsx`, …; the format is
documented in docs/dms-import.md). Files are loaded in dependency order, each in its own
transaction, and every row is upserted by its external id (natural keys for the organisation
files), so loading the same export twice changes nothing.

The work is set-based: rows are read in chunks of `BATCH_SIZE`; for each chunk the rows it
refers to and the rows it may update are fetched with one query per table, new rows are
`bulk_create`d and only the changed ones `bulk_update`d. The number of queries grows with the
number of chunks, never with the number of rows.

A row that cannot be loaded (a missing value, an unknown reference, a bad VIN or date…) is
reported with its file, row number and reason and skipped; the other rows still load. A file
that cannot be read (not UTF-8, not an .xlsx, a required column missing) stops the import
with `DmsImportError`, and nothing of that file is written.
"""

import contextlib
import csv
import datetime as dt
import functools
import itertools
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, models, transaction
from django.db.models import OuterRef, Subquery
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from client_history.models import (
    Client,
    ClientPhone,
    Recommendation,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
    search_key,
)
from crm_workstation.identifiers import normalise_plate, normalise_vin
from crm_workstation.models import Branch, Department, Workshop
from crm_workstation.phones import PhoneReading, read_phones

BATCH_SIZE = 500
CHANGE_REASON = "Импорт из DMS"
SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class FileSpec:
    """One kind of file in the export: its name without extension and its columns."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


# In the order they are loaded: each file may refer to rows of the ones above it.
FILES = (
    FileSpec("branches", ("code", "name"), ("is_multiservice", "address")),
    FileSpec("workshops", ("branch_code", "name")),
    FileSpec("departments", ("branch_code", "name"), ("kind",)),
    FileSpec(
        "clients",
        ("external_id", "name", "branch_code"),
        ("kind", "phones", "email", "do_not_call"),
    ),
    FileSpec(
        "vehicles",
        ("external_id", "make"),
        ("vin", "plate", "model", "year", "sale_date", "owner_external_id"),
    ),
    FileSpec(
        "repair_orders",
        (
            "external_id",
            "number",
            "branch_code",
            "client_external_id",
            "vehicle_external_id",
            "opened_at",
            "kind",
        ),
        ("workshop", "department", "closed_at", "mileage", "amount"),
    ),
    FileSpec(
        "repair_order_lines",
        ("repair_order_external_id", "position", "name"),
        ("kind", "quantity", "amount"),
    ),
    FileSpec(
        "recommendations",
        ("external_id", "repair_order_external_id", "text"),
        ("done", "done_in_external_id"),
    ),
)


# --- the report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """A row that was skipped (or loaded with a warning), with the reason."""

    file: str
    row: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, строка {self.row}: {self.reason}"


@dataclass
class FileReport:
    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    bad: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)


@dataclass
class ImportReport:
    folder: Path
    dry_run: bool = False
    files: list[FileReport] = field(default_factory=list)
    mileage_updated: int = 0

    def file(self, name: str) -> FileReport | None:
        """The report of the file named `name` (`clients`), whatever its extension."""
        return next((f for f in self.files if Path(f.file).stem == name), None)

    @property
    def bad(self) -> list[RowProblem]:
        return [problem for f in self.files for problem in f.bad]


class DmsImportError(Exception):
    """The folder or a file cannot be read. `report` holds the files loaded before it."""

    def __init__(self, message: str, *, report: ImportReport | None = None) -> None:
        super().__init__(message)
        self.report = report


# --- reading files ----------------------------------------------------------------------------


@dataclass
class Table:
    """A file's header (lower-cased column names) and its data rows, read lazily."""

    file: str
    columns: tuple[str, ...]
    rows: Iterator[tuple[int, dict[str, Any]]]


def dms_find_files(*, folder: Path) -> dict[str, Path]:
    """The export's files in `folder`, by kind (`clients` → `.../clients.csv`).

    Raises `DmsImportError` for a missing folder, a folder with none of the files, or a kind
    present both as .csv and .xlsx.
    """
    if not folder.is_dir():
        raise DmsImportError(f"Папка «{folder}» не найдена.")
    known = {spec.name for spec in FILES}
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        stem, suffix = path.stem.lower(), path.suffix.lower()
        if stem not in known or suffix not in SUFFIXES or not path.is_file():
            continue
        if stem in found:
            raise DmsImportError(
                f"В папке «{folder}» два файла «{stem}»: {found[stem].name} и {path.name}; "
                "оставьте один."
            )
        found[stem] = path
    if not found:
        expected = ", ".join(f"{spec.name}.csv|.xlsx" for spec in FILES)
        raise DmsImportError(f"В папке «{folder}» нет файлов выгрузки (ожидаются {expected}).")
    return found


@contextlib.contextmanager
def open_table(*, path: Path) -> Iterator[Table]:
    """Open a .csv (UTF-8, with or without BOM, `,` or `;`) or .xlsx file (first sheet).

    The first row is the header; row numbers count it as row 1, as a spreadsheet shows them.
    Blank rows are skipped. Raises `DmsImportError` when the file cannot be read, also while
    its rows are being iterated.
    """
    opener = _open_xlsx if path.suffix.lower() == ".xlsx" else _open_csv
    try:
        with opener(path) as (header, rows):
            columns = _header(path, header)
            yield Table(file=path.name, columns=columns, rows=_data_rows(path, columns, rows))
    except DmsImportError:
        raise
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DmsImportError(f"{path.name}: файл не прочитан ({_reason(exc)}).") from exc


@contextlib.contextmanager
def _open_csv(path: Path) -> Iterator[tuple[list[Any], Iterator[list[Any]]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        if not first.strip():
            raise DmsImportError(f"{path.name}: файл пуст, нет строки заголовка.")
        # The header holds only column names, so whichever separator it has more of is the one.
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(itertools.chain([first], handle), delimiter=delimiter)
        yield next(reader), reader


@contextlib.contextmanager
def _open_xlsx(path: Path) -> Iterator[tuple[list[Any], Iterator[tuple[Any, ...]]]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DmsImportError(
            f"{path.name}: не удалось открыть как книгу Excel .xlsx ({_reason(exc)})."
        ) from exc
    try:
        if not workbook.worksheets:
            raise DmsImportError(f"{path.name}: в книге нет листов.")
        sheet = workbook.worksheets[0]
        # A sheet's declared dimension may be wrong (or 1,048,576 rows); read what is there.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DmsImportError(f"{path.name}: лист пуст, нет строки заголовка.")
        yield list(header), _guard_xlsx(path, rows)
    finally:
        workbook.close()


def _guard_xlsx(path: Path, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    try:
        yield from rows
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise DmsImportError(f"{path.name}: книга Excel повреждена ({_reason(exc)}).") from exc


def _header(path: Path, header: list[Any]) -> tuple[str, ...]:
    columns = tuple(_cell_text(cell).lower() for cell in header)
    # Counted once: a header of 20,000 columns is checked in linear time.
    counts = Counter(c for c in columns if c)
    duplicates = sorted(c for c, n in counts.items() if n > 1)
    if duplicates:
        raise DmsImportError(f"{path.name}: колонки повторяются: {', '.join(duplicates)}.")
    return columns


def _data_rows(
    path: Path, columns: tuple[str, ...], rows: Iterable[Iterable[Any]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, cells in enumerate(rows, start=2):
        values = dict(zip(columns, cells, strict=False))
        values.pop("", None)
        if any(not _blank(v) for v in values.values()):
            yield number, values


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "текст не в кодировке UTF-8; сохраните файл как CSV UTF-8"
    return str(exc) or type(exc).__name__


# --- cell values ------------------------------------------------------------------------------


class _BadRow(Exception):
    """Raised while parsing a row: the row is skipped with this reason."""


_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_EXCEL_SERIAL = re.compile(r"\d{5}")
_INTEGER = re.compile(r"-?\d+(?:[.,]0+)?")

_TRUE = {"1", "да", "д", "yes", "y", "true", "истина", "+", "x", "х"}
_FALSE = {"0", "нет", "н", "no", "n", "false", "ложь", "-"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%d.%m.%Y}"
    return str(value).strip()


def _choices(
    choices: type[models.TextChoices], extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Accepted spellings (code or Russian label, any case) → the stored code."""
    mapping = {}
    for value, label in choices.choices:
        mapping[value] = value
        mapping[str(label).casefold()] = value
    return mapping | (extra or {})


_CLIENT_KINDS = _choices(
    Client.Kind,
    {
        "физ": Client.Kind.PERSON,
        "физлицо": Client.Kind.PERSON,
        "фл": Client.Kind.PERSON,
        "юр": Client.Kind.COMPANY,
        "юрлицо": Client.Kind.COMPANY,
        "юл": Client.Kind.COMPANY,
        "организация": Client.Kind.COMPANY,
    },
)
_DEPARTMENT_KINDS = _choices(Department.Kind)
_ORDER_KINDS = _choices(
    RepairOrder.Kind,
    {
        "техобслуживание": RepairOrder.Kind.MAINTENANCE,
        "техническое обслуживание": RepairOrder.Kind.MAINTENANCE,
        "гарантийный ремонт": RepairOrder.Kind.WARRANTY,
        "кузовной ремонт": RepairOrder.Kind.BODY,
    },
)
_LINE_KINDS = _choices(
    RepairOrderLine.Kind,
    {
        "работы": RepairOrderLine.Kind.WORK,
        "запчасти": RepairOrderLine.Kind.PART,
        "материал": RepairOrderLine.Kind.PART,
        "материалы": RepairOrderLine.Kind.PART,
    },
)


class _Cells:
    """One data row, read column by column into model values; bad values raise `_BadRow`."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def has(self, column: str) -> bool:
        return column in self.values

    def raw(self, column: str) -> Any:
        """The cell as the file has it; every other reader goes through here."""
        value = self.values.get(column)
        # PostgreSQL cannot store a NUL character (SQLite can): the row is bad on both.
        if isinstance(value, str) and "\x00" in value:
            raise _BadRow(
                f"«{column}»: в значении нулевой байт (символ NUL, \\x00), "
                "такое значение не сохраняется — исправьте ячейку"
            )
        return value

    def text(self, column: str, *, max_length: int | None = None, required: bool = False) -> str:
        text = _cell_text(self.raw(column))
        if required and not text:
            raise _BadRow(f"не заполнено поле «{column}»")
        if max_length is not None and len(text) > max_length:
            raise _BadRow(f"«{column}»: длиннее {max_length} символов")
        return text

    def field(self, model: type[models.Model], column: str, *, required: bool = False) -> str:
        """Text for the model field of the same name, no longer than that field allows."""
        return self.text(column, max_length=_max_length(model, column), required=required)

    def date(self, column: str, *, required: bool = False) -> dt.date | None:
        value = self.raw(column)
        if _blank(value):
            if required:
                raise _BadRow(f"не заполнено поле «{column}»")
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = _cell_text(value)
        try:
            if isinstance(value, int | float) or _EXCEL_SERIAL.fullmatch(text):
                return from_excel(float(text)).date()
            if match := _DMY.fullmatch(text):
                day, month, year = (int(part) for part in match.groups())
                return dt.date(year, month, day)
            if match := _YMD.fullmatch(text):
                year, month, day = (int(part) for part in match.groups())
                return dt.date(year, month, day)
        except (ValueError, OverflowError, TypeError, AttributeError):
            raise _BadRow(f"«{column}»: даты «{text}» не существует") from None
        raise _BadRow(f"«{column}»: дата «{text}» не распознана (нужно ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)")

    def integer(
        self, column: str, *, minimum: int, maximum: int, required: bool = False
    ) -> int | None:
        value = self.raw(column)
        if _blank(value):
            if required:
                raise _BadRow(f"не заполнено поле «{column}»")
            return None
        text = _SPACES.sub("", _cell_text(value))
        if isinstance(value, bool) or not _INTEGER.fullmatch(text):
            raise _BadRow(f"«{column}»: «{text}» — не целое число")
        number = int(re.split(r"[.,]", text)[0])
        if not minimum <= number <= maximum:
            raise _BadRow(f"«{column}»: {number} вне допустимых значений {minimum}–{maximum}")
        return number

    def decimal(
        self,
        column: str,
        *,
        model_field: models.DecimalField,
        default: Decimal,
        positive: bool = False,
    ) -> Decimal:
        value = self.raw(column)
        if _blank(value):
            return default
        text = _SPACES.sub("", _cell_text(value)).replace(",", ".")
        try:
            number = Decimal(text).quantize(Decimal(1).scaleb(-model_field.decimal_places))
        except (InvalidOperation, ValueError):
            raise _BadRow(f"«{column}»: «{text}» — не число") from None
        limit = Decimal(10) ** (model_field.max_digits - model_field.decimal_places)
        if not number.is_finite() or abs(number) >= limit:
            raise _BadRow(f"«{column}»: {text} — слишком большое число")
        if positive and number <= 0:
            raise _BadRow(f"«{column}»: {text} — должно быть больше нуля")
        return number

    def flag(self, column: str) -> bool:
        value = self.raw(column)
        if _blank(value):
            return False
        if isinstance(value, bool):
            return value
        text = _cell_text(value).casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _BadRow(f"«{column}»: «{text}» — ожидается 1/0 или да/нет")

    def choice(self, column: str, *, mapping: dict[str, str], default: str | None = None) -> str:
        text = _cell_text(self.raw(column))
        if not text:
            if default is None:
                raise _BadRow(f"не заполнено поле «{column}»")
            return default
        key = " ".join(text.casefold().replace("ё", "е").replace(".", " ").split())
        code = mapping.get(key) or mapping.get(key.replace(" ", ""))
        if code is None:
            accepted = ", ".join(sorted({k for k in mapping if not k.isascii()}))
            raise _BadRow(f"«{column}»: неизвестное значение «{text}» (допустимо: {accepted})")
        return code


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


def _decimal_field(model: type[models.Model], name: str) -> models.DecimalField:
    return model._meta.get_field(name)


# --- the upsert -------------------------------------------------------------------------------


@dataclass
class _Parsed:
    """A good row: its key, row number, and the model values (by attname) it brings."""

    row: int
    key: Any
    values: dict[str, Any]
    obj: models.Model | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Outcome:
    created: list[_Parsed] = field(default_factory=list)
    updated: list[_Parsed] = field(default_factory=list)
    unchanged: list[_Parsed] = field(default_factory=list)


def _bulk_create(model: type[models.Model], objs: list[models.Model]) -> None:
    model.objects.bulk_create(objs, batch_size=BATCH_SIZE)


def _bulk_update(model: type[models.Model], objs: list[models.Model], fields: list[str]) -> None:
    model.objects.bulk_update(objs, fields, batch_size=BATCH_SIZE)


def _upsert(
    *,
    model: type[models.Model],
    parsed: list[_Parsed],
    existing: dict[Any, models.Model],
    create: Callable[[type[models.Model], list[models.Model]], None] = _bulk_create,
    update: Callable[[type[models.Model], list[models.Model], list[str]], None] = _bulk_update,
) -> _Outcome:
    """Create the rows whose key is new, update the changed ones, leave the rest alone.

    Only the fields a row brings are compared and written, so a column the file does not have
    leaves that field as it is.
    """
    outcome = _Outcome()
    changed_fields: set[str] = set()
    for item in parsed:
        obj = existing.get(item.key)
        if obj is None:
            item.obj = model(**item.values)
            outcome.created.append(item)
            continue
        item.obj = obj
        diff = [name for name, value in item.values.items() if getattr(obj, name) != value]
        for name in diff:
            setattr(obj, name, item.values[name])
        changed_fields.update(diff)
        (outcome.updated if diff else outcome.unchanged).append(item)
    if outcome.created:
        create(model, [item.obj for item in outcome.created])
    if outcome.updated:
        update(model, [item.obj for item in outcome.updated], sorted(changed_fields))
    return outcome


def _count(report: FileReport, outcome: _Outcome) -> None:
    report.created += len(outcome.created)
    report.updated += len(outcome.updated)
    report.unchanged += len(outcome.unchanged)


def _chunks(rows: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, BATCH_SIZE)):
        yield chunk


def _by_external_id(
    model: type[models.Model], external_ids: Iterable[str]
) -> dict[str, models.Model]:
    wanted = sorted({e for e in external_ids if e})
    return {obj.external_id: obj for obj in model.objects.filter(external_id__in=wanted)}


def _ids_by_external_id(
    model: type[models.Model], external_ids: Iterable[str], *fields: str
) -> dict[str, tuple[Any, ...]]:
    wanted = sorted({e for e in external_ids if e})
    rows = model.objects.filter(external_id__in=wanted).values_list("external_id", "id", *fields)
    return {row[0]: row[1:] for row in rows}


class _Rows:
    """Parses a file's rows one by one, reporting bad rows and repeated keys."""

    def __init__(self, report: FileReport) -> None:
        self.report = report
        self.seen: dict[Any, int] = {}

    def bad(self, row: int, reason: str) -> None:
        self.report.bad.append(RowProblem(self.report.file, row, reason))

    def warn(self, row: int, reason: str) -> None:
        self.report.warnings.append(RowProblem(self.report.file, row, reason))

    def first_time(self, row: int, key: Any, label: str) -> bool:
        """False (and the row reported) when the key was already in an earlier row."""
        if key in self.seen:
            self.bad(row, f"{label} уже встречался в строке {self.seen[key]}")
            return False
        self.seen[key] = row
        return True


# --- the organisation files -------------------------------------------------------------------


class _Organisation:
    """Branches, workshops and departments: small tables, held in memory during the import."""

    def __init__(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.branches = {b.code.casefold(): b for b in Branch.objects.all()}
        self.workshops = {(w.branch_id, w.name.casefold()): w for w in Workshop.objects.all()}
        self.departments = {(d.branch_id, d.name.casefold()): d for d in Department.objects.all()}

    def branch(self, code: str) -> Branch:
        branch = self.branches.get(code.casefold())
        if branch is None:
            raise _BadRow(f"структурная единица с кодом «{code}» не найдена")
        return branch


def _load_branches(*, table: Table, report: FileReport, org: _Organisation) -> None:
    rows = _Rows(report)
    names = _Rows(report)
    by_name = {b.name.casefold(): b for b in org.branches.values()}
    parsed = []
    for row, values in table.rows:
        cells = _Cells(values)
        try:
            code = cells.field(Branch, "code", required=True)
            data: dict[str, Any] = {
                "code": code,
                "name": cells.field(Branch, "name", required=True),
            }
            if cells.has("is_multiservice"):
                data["is_multiservice"] = cells.flag("is_multiservice")
            if cells.has("address"):
                data["address"] = cells.field(Branch, "address")
            holder = by_name.get(data["name"].casefold())
            if holder is not None and holder.code.casefold() != code.casefold():
                raise _BadRow(
                    f"наименование «{data['name']}» уже у структурной единицы «{holder.code}»"
                )
        except _BadRow as problem:
            rows.bad(row, str(problem))
            continue
        name = data["name"]
        if rows.first_time(row, code.casefold(), f"код «{code}»") and names.first_time(
            row, name.casefold(), f"наименование «{name}»"
        ):
            parsed.append(_Parsed(row, code.casefold(), data))
    _count(report, _upsert(model=Branch, parsed=parsed, existing=org.branches))
    org.reload()


def _load_branch_items(
    *, table: Table, report: FileReport, org: _Organisation, model: type[Workshop | Department]
) -> None:
    """Workshops and departments: keyed by (branch, name)."""
    rows = _Rows(report)
    existing = org.workshops if model is Workshop else org.departments
    parsed = []
    for row, values in table.rows:
        cells = _Cells(values)
        try:
            branch = org.branch(cells.text("branch_code", required=True))
            name = cells.field(model, "name", required=True)
            data: dict[str, Any] = {"branch_id": branch.pk, "name": name}
            if model is Department and cells.has("kind"):
                data["kind"] = cells.choice(
                    "kind", mapping=_DEPARTMENT_KINDS, default=Department.Kind.SERVICE
                )
        except _BadRow as problem:
            rows.bad(row, str(problem))
            continue
        key = (branch.pk, name.casefold())
        if rows.first_time(row, key, f"«{name}» в «{branch.code}»"):
            parsed.append(_Parsed(row, key, data))
    _count(report, _upsert(model=model, parsed=parsed, existing=existing))
    org.reload()


# --- clients, vehicles, repair orders ---------------------------------------------------------


def _create_clients(model: type[models.Model], objs: list[models.Model]) -> None:
    bulk_create_with_history(
        objs, model, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON
    )


def _update_clients(model: type[models.Model], objs: list[models.Model], fields: list[str]) -> None:
    bulk_update_with_history(
        objs, model, fields, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON
    )


def _load_clients(*, table: Table, report: FileReport, org: _Organisation) -> None:
    rows = _Rows(report)
    for chunk in _chunks(table.rows):
        parsed = []
        for row, values in chunk:
            cells = _Cells(values)
            try:
                external_id = cells.field(Client, "external_id", required=True)
                name = cells.field(Client, "name", required=True)
                data: dict[str, Any] = {
                    "external_id": external_id,
                    "name": name,
                    "name_search": search_key(name),
                    "home_branch_id": org.branch(cells.text("branch_code", required=True)).pk,
                }
                if cells.has("kind"):
                    data["kind"] = cells.choice(
                        "kind", mapping=_CLIENT_KINDS, default=Client.Kind.PERSON
                    )
                extra: dict[str, Any] = {}
                if cells.has("do_not_call"):
                    extra["do_not_call"] = cells.flag("do_not_call")
                if cells.has("phones"):
                    extra["phones"] = read_phones(cells.raw("phones"))
                    for reading in extra["phones"]:
                        if not reading.is_valid:
                            rows.warn(
                                row,
                                f"«phones»: «{reading.raw}» — не действительный номер, "
                                "сохранён как недействительный",
                            )
                    if not extra["phones"] and cells.text("phones"):
                        rows.warn(row, f"«phones»: номер не распознан в «{cells.text('phones')}»")
                if cells.has("email"):
                    email = cells.field(Client, "email")
                    try:
                        if email:
                            validate_email(email)
                        data["email"] = email
                    except ValidationError:
                        rows.warn(row, f"«email»: адрес «{email}» некорректен, не загружен")
            except _BadRow as problem:
                rows.bad(row, str(problem))
                continue
            if rows.first_time(row, external_id, f"внешний код «{external_id}»"):
                parsed.append(_Parsed(row, external_id, data, extra=extra))

        existing = _by_external_id(Client, (p.key for p in parsed))
        for item in parsed:
            # «Не звонить» is also set from the CRM: the import may switch it on, never off.
            if "do_not_call" in item.extra:
                current = existing.get(item.key)
                already = current is not None and current.do_not_call
                item.values["do_not_call"] = already or item.extra["do_not_call"]
        outcome = _upsert(
            model=Client,
            parsed=parsed,
            existing=existing,
            create=_create_clients,
            update=_update_clients,
        )
        phones_changed = _sync_phones(parsed=parsed)
        report.created += len(outcome.created)
        report.updated += len(outcome.updated)
        for item in outcome.unchanged:
            if item.obj.pk in phones_changed:
                report.updated += 1
            else:
                report.unchanged += 1


def _sync_phones(*, parsed: list[_Parsed]) -> set[int]:
    """Add the file's numbers a client lacks and make the first valid one primary.

    A number that is not valid is added as the file wrote it, marked invalid, with no
    normalised number. Numbers are never deleted: the CRM may have marked one invalid or added
    a note. Returns the ids of the clients whose phones changed.
    """
    wanted: dict[int, list[PhoneReading]] = {
        p.obj.pk: p.extra["phones"] for p in parsed if p.extra.get("phones")
    }
    if not wanted:
        return set()
    raw_length = ClientPhone._meta.get_field("raw").max_length
    # A client's phones by the valid number, or by the source's text when there is none.
    current: dict[int, dict[str, ClientPhone]] = {pk: {} for pk in wanted}
    for phone in ClientPhone.objects.filter(client_id__in=sorted(wanted)):
        current[phone.client_id][phone.number or f"raw:{phone.raw}"] = phone
    unset, promote, new, changed = [], [], [], set()
    for client_id, readings in wanted.items():
        have = current[client_id]
        primary = next((p for p in have.values() if p.is_primary), None)
        first = next((r.number for r in readings if r.is_valid), None)
        if first is not None and (primary is None or primary.number != first):
            changed.add(client_id)
            if primary is not None:
                unset.append(primary.pk)
            if first in have:
                promote.append(have[first].pk)
        for reading in readings:
            raw = reading.raw[:raw_length]
            key = reading.number or f"raw:{raw}"
            if key in have:
                continue
            changed.add(client_id)
            have[key] = phone = ClientPhone(
                client_id=client_id,
                number=reading.number,
                raw=raw,
                is_primary=reading.is_valid and reading.number == first,
                is_invalid=not reading.is_valid,
            )
            new.append(phone)
    # Unset the old primaries first: at most one primary per client is a database constraint.
    if unset:
        ClientPhone.objects.filter(pk__in=unset).update(is_primary=False)
    if promote:
        ClientPhone.objects.filter(pk__in=promote).update(is_primary=True)
    if new:
        ClientPhone.objects.bulk_create(new, batch_size=BATCH_SIZE)
    return changed


def _load_vehicles(*, table: Table, report: FileReport, org: _Organisation) -> None:
    rows = _Rows(report)
    vins: dict[str, int] = {}
    max_year = dt.date.today().year + 1
    for chunk in _chunks(table.rows):
        candidates = []
        for row, values in chunk:
            cells = _Cells(values)
            try:
                external_id = cells.field(Vehicle, "external_id", required=True)
                data: dict[str, Any] = {
                    "external_id": external_id,
                    "make": cells.field(Vehicle, "make", required=True),
                }
                if cells.has("vin"):
                    raw_vin = cells.text("vin")
                    vin = normalise_vin(raw_vin) if raw_vin else ""
                    if vin is None:
                        raise _BadRow(
                            f"VIN «{raw_vin}» некорректен: нужно 17 знаков — латинские буквы "
                            "без I, O, Q и цифры"
                        )
                    data["vin"] = vin
                if cells.has("plate"):
                    plate = normalise_plate(cells.text("plate"))
                    if len(plate) > _max_length(Vehicle, "plate"):
                        raise _BadRow(f"госномер «{plate}» длиннее 12 символов")
                    data["plate"] = plate
                if cells.has("model"):
                    data["model"] = cells.field(Vehicle, "model")
                if cells.has("year"):
                    data["year"] = cells.integer("year", minimum=1950, maximum=max_year)
                if cells.has("sale_date"):
                    data["sale_date"] = cells.date("sale_date")
                owner = cells.text("owner_external_id")
            except _BadRow as problem:
                rows.bad(row, str(problem))
                continue
            if not rows.first_time(row, external_id, f"внешний код «{external_id}»"):
                continue
            vin = data.get("vin")
            if vin and vin in vins:
                rows.bad(row, f"VIN {vin} уже у автомобиля из строки {vins[vin]}")
                continue
            if vin:
                vins[vin] = row
            if not cells.has("owner_external_id"):
                owner = None
            candidates.append((_Parsed(row, external_id, data), owner))

        owners = _ids_by_external_id(Client, (owner for _, owner in candidates if owner))
        existing = _by_external_id(Vehicle, (p.key for p, _ in candidates))
        chunk_vins = sorted({p.values["vin"] for p, _ in candidates if p.values.get("vin")})
        holders = {v.vin: v for v in Vehicle.objects.filter(vin__in=chunk_vins)}
        parsed = []
        for item, owner in candidates:
            if owner is not None:
                if owner and owner not in owners:
                    rows.bad(item.row, f"владелец с внешним кодом «{owner}» не найден")
                    continue
                item.values["owner_id"] = owners[owner][0] if owner else None
            holder = holders.get(item.values.get("vin", ""))
            if holder is not None and holder.external_id != item.key:
                if holder.external_id or item.key in existing:
                    code = holder.external_id or f"id {holder.pk}, без внешнего кода"
                    rows.bad(
                        item.row,
                        f"VIN {holder.vin} уже у другого автомобиля ({code})",
                    )
                    continue
                # A car the CRM created (from an importer file) before the DMS knew it:
                # the DMS record takes it over instead of colliding on the VIN.
                existing[item.key] = holder
            parsed.append(item)
        _count(report, _upsert(model=Vehicle, parsed=parsed, existing=existing))


def _load_repair_orders(*, table: Table, report: FileReport, org: _Organisation) -> set[int]:
    """Load the repair orders; returns the ids of the vehicles they belong to."""
    rows = _Rows(report)
    vehicle_ids: set[int] = set()
    max_mileage = 2_000_000
    for chunk in _chunks(table.rows):
        candidates = []
        for row, values in chunk:
            cells = _Cells(values)
            try:
                external_id = cells.field(RepairOrder, "external_id", required=True)
                branch = org.branch(cells.text("branch_code", required=True))
                data: dict[str, Any] = {
                    "external_id": external_id,
                    "number": cells.field(RepairOrder, "number", required=True),
                    "branch_id": branch.pk,
                    "opened_at": cells.date("opened_at", required=True),
                    "kind": cells.choice("kind", mapping=_ORDER_KINDS),
                }
                if cells.has("workshop"):
                    data["workshop_id"] = _branch_item(
                        org.workshops, branch, cells.text("workshop"), "цех"
                    )
                if cells.has("department"):
                    data["department_id"] = _branch_item(
                        org.departments, branch, cells.text("department"), "ЦФО"
                    )
                if cells.has("closed_at"):
                    data["closed_at"] = cells.date("closed_at")
                    if data["closed_at"] and data["closed_at"] < data["opened_at"]:
                        raise _BadRow("дата закрытия раньше даты открытия")
                if cells.has("mileage"):
                    data["mileage"] = cells.integer("mileage", minimum=0, maximum=max_mileage)
                if cells.has("amount"):
                    data["amount"] = cells.decimal(
                        "amount",
                        model_field=_decimal_field(RepairOrder, "amount"),
                        default=Decimal(0),
                    )
                client = cells.text("client_external_id", required=True)
                vehicle = cells.text("vehicle_external_id", required=True)
            except _BadRow as problem:
                rows.bad(row, str(problem))
                continue
            if rows.first_time(row, external_id, f"внешний код «{external_id}»"):
                candidates.append((_Parsed(row, external_id, data), client, vehicle))

        clients = _ids_by_external_id(Client, (c for _, c, _ in candidates))
        vehicles = _ids_by_external_id(Vehicle, (v for _, _, v in candidates))
        parsed = []
        for item, client, vehicle in candidates:
            if client not in clients:
                rows.bad(item.row, f"клиент с внешним кодом «{client}» не найден")
            elif vehicle not in vehicles:
                rows.bad(item.row, f"автомобиль с внешним кодом «{vehicle}» не найден")
            else:
                item.values["client_id"] = clients[client][0]
                item.values["vehicle_id"] = vehicles[vehicle][0]
                parsed.append(item)
        existing = _by_external_id(RepairOrder, (p.key for p in parsed))
        _count(report, _upsert(model=RepairOrder, parsed=parsed, existing=existing))
        vehicle_ids.update(item.values["vehicle_id"] for item in parsed)
    return vehicle_ids


def _branch_item(
    items: dict[tuple[int, str], models.Model], branch: Branch, name: str, label: str
) -> int | None:
    if not name:
        return None
    item = items.get((branch.pk, name.casefold()))
    if item is None:
        raise _BadRow(f"{label} «{name}» не найден в структурной единице «{branch.code}»")
    return item.pk


def vehicles_update_last_mileage(*, vehicle_ids: Iterable[int]) -> int:
    """Set each vehicle's last known mileage from its latest repair order, when that is newer.

    A reading the CRM recorded later (the client's own words on a call) is kept. Returns the
    number of vehicles changed.
    """
    latest = RepairOrder.objects.filter(vehicle=OuterRef("pk"), mileage__isnull=False).order_by(
        "-opened_at", "-mileage", "-pk"
    )
    changed_count = 0
    for batch in _chunks(sorted(set(vehicle_ids))):
        vehicles = (
            Vehicle.objects.filter(pk__in=batch)
            .only("pk", "last_mileage", "last_mileage_date")
            .annotate(
                order_date=Subquery(latest.values("opened_at")[:1]),
                order_mileage=Subquery(latest.values("mileage")[:1]),
            )
        )
        changed = []
        for vehicle in vehicles:
            if vehicle.order_date is None:
                continue
            if vehicle.last_mileage_date is None or vehicle.order_date > vehicle.last_mileage_date:
                vehicle.last_mileage = vehicle.order_mileage
                vehicle.last_mileage_date = vehicle.order_date
                changed.append(vehicle)
        if changed:
            Vehicle.objects.bulk_update(
                changed, ["last_mileage", "last_mileage_date"], batch_size=BATCH_SIZE
            )
        changed_count += len(changed)
    return changed_count


def _load_lines(*, table: Table, report: FileReport, org: _Organisation) -> None:
    """Lines are keyed by (repair order, position); the file is the whole truth for an order.

    An order's lines that the file no longer lists are deleted, unless one of that order's rows
    in the file was bad (then nothing of that order is deleted).
    """
    rows = _Rows(report)
    listed: dict[int, set[int]] = {}
    spoilt: set[str] = set()
    for chunk in _chunks(table.rows):
        candidates = []
        for row, values in chunk:
            cells = _Cells(values)
            # Read before the checks, so a bad row still keeps its order's lines (a NUL taken
            # out: the id is only looked up).
            order = _cell_text(values.get("repair_order_external_id")).replace("\x00", "")
            try:
                cells.text("repair_order_external_id", required=True)
                position = cells.integer("position", minimum=1, maximum=32767, required=True)
                data: dict[str, Any] = {
                    "position": position,
                    "name": cells.field(RepairOrderLine, "name", required=True),
                }
                if cells.has("kind"):
                    data["kind"] = cells.choice(
                        "kind", mapping=_LINE_KINDS, default=RepairOrderLine.Kind.WORK
                    )
                if cells.has("quantity"):
                    data["quantity"] = cells.decimal(
                        "quantity",
                        model_field=_decimal_field(RepairOrderLine, "quantity"),
                        default=Decimal(1),
                        positive=True,
                    )
                if cells.has("amount"):
                    data["amount"] = cells.decimal(
                        "amount",
                        model_field=_decimal_field(RepairOrderLine, "amount"),
                        default=Decimal(0),
                    )
            except _BadRow as problem:
                rows.bad(row, str(problem))
                spoilt.add(order)
                continue
            if rows.first_time(row, (order, position), f"«{order}», позиция {position},"):
                candidates.append((_Parsed(row, None, data), order))

        orders = _ids_by_external_id(RepairOrder, (o for _, o in candidates))
        parsed = []
        for item, order in candidates:
            if order not in orders:
                rows.bad(item.row, f"заказ-наряд с внешним кодом «{order}» не найден")
                continue
            order_id = orders[order][0]
            item.key = (order_id, item.values["position"])
            item.values["repair_order_id"] = order_id
            listed.setdefault(order_id, set()).add(item.values["position"])
            parsed.append(item)
        existing = {
            (line.repair_order_id, line.position): line
            for line in RepairOrderLine.objects.filter(
                repair_order_id__in=sorted({p.key[0] for p in parsed})
            )
        }
        _count(report, _upsert(model=RepairOrderLine, parsed=parsed, existing=existing))

    spoilt_ids = set()
    for batch in _chunks(sorted(spoilt)):
        spoilt_ids.update(pk for (pk,) in _ids_by_external_id(RepairOrder, batch).values())
    stale = []
    for batch in _chunks(sorted(set(listed) - spoilt_ids)):
        for pk, order_id, position in RepairOrderLine.objects.filter(
            repair_order_id__in=batch
        ).values_list("pk", "repair_order_id", "position"):
            if position not in listed[order_id]:
                stale.append(pk)
    for batch in _chunks(stale):
        report.deleted += RepairOrderLine.objects.filter(pk__in=batch).delete()[0]


def _load_recommendations(*, table: Table, report: FileReport, org: _Organisation) -> None:
    rows = _Rows(report)
    for chunk in _chunks(table.rows):
        candidates = []
        for row, values in chunk:
            cells = _Cells(values)
            try:
                external_id = cells.field(Recommendation, "external_id", required=True)
                data: dict[str, Any] = {
                    "external_id": external_id,
                    "text": cells.field(Recommendation, "text", required=True),
                }
                order = cells.text("repair_order_external_id", required=True)
                done_in = cells.text("done_in_external_id")
                if cells.has("done") or cells.has("done_in_external_id"):
                    data["is_done"] = cells.flag("done") or bool(done_in)
                if cells.has("done_in_external_id"):
                    data["done_in_id"] = None  # resolved below
            except _BadRow as problem:
                rows.bad(row, str(problem))
                continue
            if rows.first_time(row, external_id, f"внешний код «{external_id}»"):
                candidates.append((_Parsed(row, external_id, data), order, done_in))

        orders = _ids_by_external_id(
            RepairOrder, (ref for _, o, d in candidates for ref in (o, d)), "vehicle_id"
        )
        parsed = []
        for item, order, done_in in candidates:
            if order not in orders:
                rows.bad(item.row, f"заказ-наряд с внешним кодом «{order}» не найден")
                continue
            order_id, vehicle_id = orders[order]
            if done_in:
                if done_in not in orders:
                    rows.bad(item.row, f"заказ-наряд выполнения «{done_in}» не найден")
                    continue
                if orders[done_in][1] != vehicle_id:
                    rows.bad(item.row, f"заказ-наряд выполнения «{done_in}» — другого автомобиля")
                    continue
                item.values["done_in_id"] = orders[done_in][0]
            item.values["repair_order_id"] = order_id
            item.values["vehicle_id"] = vehicle_id
            parsed.append(item)
        existing = _by_external_id(Recommendation, (p.key for p in parsed))
        _count(report, _upsert(model=Recommendation, parsed=parsed, existing=existing))


_LOADERS: dict[str, Callable[..., Any]] = {
    "branches": _load_branches,
    "workshops": functools.partial(_load_branch_items, model=Workshop),
    "departments": functools.partial(_load_branch_items, model=Department),
    "clients": _load_clients,
    "vehicles": _load_vehicles,
    "repair_orders": _load_repair_orders,
    "repair_order_lines": _load_lines,
    "recommendations": _load_recommendations,
}


# --- the entry point --------------------------------------------------------------------------


def dms_import_folder(*, folder: Path, dry_run: bool = False) -> ImportReport:
    """Load a DMS export folder; see the module docstring and docs/dms-import.md.

    Every file's header (and every CSV file's encoding) is checked before anything is written. Each file is then loaded in its
    own transaction; `dry_run` runs everything and rolls it all back, so the report shows what
    would change. Raises `DmsImportError` for a missing folder or an unreadable file (the
    error's `report` holds the files already loaded).
    """
    paths = dms_find_files(folder=folder)
    specs = [spec for spec in FILES if spec.name in paths]
    for spec in specs:
        _check_header(spec=spec, path=paths[spec.name])

    report = ImportReport(folder=folder, dry_run=dry_run)
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        org = _Organisation()
        for spec in specs:
            path = paths[spec.name]
            file_report = FileReport(file=path.name)
            try:
                with transaction.atomic(), open_table(path=path) as table:
                    result = _LOADERS[spec.name](table=table, report=file_report, org=org)
                    if spec.name == "repair_orders":
                        report.mileage_updated = vehicles_update_last_mileage(vehicle_ids=result)
            except DmsImportError as exc:
                raise DmsImportError(f"{exc} Файл {path.name} не загружен.", report=report) from exc
            except DatabaseError as exc:
                raise DmsImportError(
                    f"{path.name}: ошибка базы данных ({exc}). Файл не загружен.", report=report
                ) from exc
            file_report.bad.sort(key=lambda problem: problem.row)
            file_report.warnings.sort(key=lambda problem: problem.row)
            report.files.append(file_report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _check_header(*, spec: FileSpec, path: Path) -> None:
    """Check the header; a CSV is also read to its end, so a bad encoding stops everything."""
    with open_table(path=path) as table:
        missing = [column for column in spec.required if column not in table.columns]
        if path.suffix.lower() == ".csv":
            for _ in table.rows:
                pass
    if missing:
        raise DmsImportError(
            f"{path.name}: нет обязательных колонок: {', '.join(missing)} "
            f"(нужны {', '.join(spec.required)}; необязательные: "
            f"{', '.join(spec.optional) or 'нет'})."
        )


def report_lines(*, report: ImportReport, limit: int | None = None) -> list[str]:
    """The report as text for the command's output: a table by file, then the problem rows.

    `limit` caps how many bad rows and how many warnings are listed (None lists them all).
    """
    width = max([len(f.file) for f in report.files] + [len("Файл")])
    lines = []
    if report.dry_run:
        lines.append("Пробный запуск (--dry-run): ничего не сохранено.")
    header = f"{'Файл':<{width}}  {'создано':>8}  {'обновлено':>9}  {'без изменений':>13}"
    lines.append(f"{header}  {'ошибок':>6}")
    for f in report.files:
        line = f"{f.file:<{width}}  {f.created:>8}  {f.updated:>9}  {f.unchanged:>13}"
        line += f"  {len(f.bad):>6}"
        if f.deleted:
            line += f"  (удалено строк: {f.deleted})"
        lines.append(line)
    if report.mileage_updated:
        lines.append(f"Пробег обновлён по заказ-нарядам у автомобилей: {report.mileage_updated}.")
    warnings = [w for f in report.files for w in f.warnings]
    for title, problems in (
        ("Строки с ошибками пропущены", report.bad),
        ("Предупреждения, строки загружены", warnings),
    ):
        if not problems:
            continue
        lines.append(f"{title} ({len(problems)}):")
        lines.extend(f"  {problem}" for problem in problems[:limit])
        if limit is not None and len(problems) > limit:
            lines.append(f"  … и ещё {len(problems) - limit} (все: --verbosity 2)")
    return lines
