"""Import of the dealer-management system's (DMS) export: `manage.py import_dms <folder>`.

The folder holds one file per kind of record (`clients.csv`, `vehicles.xlsx`, …; the format is
documented in docs/dms-import.md). Files are loaded in dependency order, each in its own
transaction, and every row is upserted by its external id (natural keys for the organisation
files), so loading the same export twice changes nothing.

The work is set-based: rows are read in chunks of `upsert.BATCH_SIZE`; for each chunk the rows it
refers to and the rows it may update are fetched with one query per table, new rows are
`bulk_create`d and only the changed ones `bulk_update`d. The number of queries grows with the
number of chunks, never with the number of rows.

A row that cannot be loaded (a missing value, an unknown reference, a bad VIN or date…) is
reported with its file, row number and reason and skipped; the other rows still load. A file
that cannot be read (not UTF-8, not an .xlsx, a required column missing) stops the import
with `DmsImportError`, and nothing of that file is written.

One module per concern: `files` reads folders and files, `cells` converts a row's cells into
model values, `upsert` writes a chunk of rows, `organisation`, `clients` and `orders` load
their kinds of file, and `report` collects what happened. This package runs the whole.
"""

import contextlib
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from client_history.dms_import.clients import load_clients, load_vehicles
from client_history.dms_import.files import (
    FILES,
    FileSpec,
    Table,
    dms_find_files,
    open_table,
    read_header,
)
from client_history.dms_import.orders import (
    load_lines,
    load_recommendations,
    load_repair_orders,
    vehicles_update_last_mileage,
)
from client_history.dms_import.organisation import Organisation, load_branch_items, load_branches
from client_history.dms_import.report import (
    DmsImportError,
    FileReport,
    ImportReport,
    RowProblem,
    report_lines,
)
from crm_workstation.models import Department, Workshop

__all__ = [
    "FILES",
    "DmsImportError",
    "FileReport",
    "FileSpec",
    "ImportReport",
    "RowProblem",
    "Table",
    "dms_find_files",
    "dms_import_folder",
    "open_table",
    "read_header",
    "report_lines",
    "vehicles_update_last_mileage",
]

_LOADERS: dict[str, Callable[..., Any]] = {
    "branches": load_branches,
    "workshops": functools.partial(load_branch_items, model=Workshop),
    "departments": functools.partial(load_branch_items, model=Department),
    "clients": load_clients,
    "vehicles": load_vehicles,
    "repair_orders": load_repair_orders,
    "repair_order_lines": load_lines,
    "recommendations": load_recommendations,
}


def dms_import_folder(*, folder: Path, dry_run: bool = False) -> ImportReport:
    """Load a DMS export folder; see the module docstring and docs/dms-import.md.

    Every file's header (and every CSV file's encoding) is checked before anything is written.
    Each file is then loaded in its own transaction; `dry_run` runs everything and rolls it all back, so the report shows what
    would change. Raises `DmsImportError` for a missing folder or an unreadable file (the
    error's `report` holds the files already loaded).
    """
    paths = dms_find_files(folder=folder)
    specs = [spec for spec in FILES if spec.name in paths]
    for spec in specs:
        _check_header(spec=spec, path=paths[spec.name])

    report = ImportReport(folder=folder, dry_run=dry_run)
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        org = Organisation()
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
