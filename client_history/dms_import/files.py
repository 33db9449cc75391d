"""Reading the export's files: which files a folder holds, and each one's header and rows."""

import contextlib
import csv
import itertools
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from client_history.dms_import.cells import blank, cell_text
from client_history.dms_import.report import DmsImportError

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
            columns = read_header(path, header)
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


def read_header(path: Path, header: list[Any]) -> tuple[str, ...]:
    columns = tuple(cell_text(cell).lower() for cell in header)
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
        if any(not blank(v) for v in values.values()):
            yield number, values


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "текст не в кодировке UTF-8; сохраните файл как CSV UTF-8"
    return str(exc) or type(exc).__name__
