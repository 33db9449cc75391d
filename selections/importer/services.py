"""Reading an importer file and turning it into a batch of leads."""

import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction

from crm_workstation.models import Branch, Department
from selections.importer.matching import CHUNK_SIZE, match_rows
from selections.importer.reader import (
    HEADER_SEARCH_ROWS,
    ImporterRow,
    ImporterSheet,
    alias_keys,
    read_rows,
    split_sheet,
)
from selections.importer.workbook import ImporterFileError, check_workbook, load_first_sheet
from selections.models import ImporterVariant, Lead, LeadBatch

logger = logging.getLogger(__name__)


@dataclass
class ImporterResult:
    """A file read without writing anything: its sheet and every row, matched."""

    sheet: ImporterSheet
    rows: list[ImporterRow]

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(row.status for row in self.rows)
        return {status: counts.get(status, 0) for status in ("ok", "duplicate", "error")}


def importer_open(file: IO[bytes], *, variant: ImporterVariant) -> ImporterSheet:
    """Check the file and find its header and data lines; raises `ImporterFileError` (with
    the Russian reason) for anything that is not a readable importer file of `variant`."""
    check_workbook(file)
    empty_run_end = settings.IMPORTER_EMPTY_ROWS_END
    # The most lines the row limit can need: the header search, the rows, one gap.
    max_lines = HEADER_SEARCH_ROWS + 2 * variant.max_rows + empty_run_end
    sheet = load_first_sheet(file, max_lines=max_lines)
    keys = alias_keys(list(variant.aliases.values_list("field", "alias")))
    return split_sheet(sheet, keys=keys, max_rows=variant.max_rows, empty_run_end=empty_run_end)


def importer_read_rows(
    sheet: ImporterSheet, *, progress: Callable[[int], None] | None = None
) -> list[ImporterRow]:
    """Every data line read and matched, a chunk at a time (`progress` gets the count)."""
    rows: list[ImporterRow] = []
    chunk: list[ImporterRow] = []
    for row in read_rows(sheet):
        chunk.append(row)
        if len(chunk) == CHUNK_SIZE:
            match_rows(chunk)
            rows.extend(chunk)
            chunk = []
            if progress:
                progress(len(rows))
    if chunk:
        match_rows(chunk)
        rows.extend(chunk)
    return rows


def importer_read(file: IO[bytes], *, variant: ImporterVariant) -> ImporterResult:
    """Read and match a whole file, writing nothing (`import_leads --dry-run`)."""
    sheet = importer_open(file, variant=variant)
    return ImporterResult(sheet=sheet, rows=importer_read_rows(sheet))


def _leads_write(*, batch: LeadBatch, rows: list[ImporterRow], notes: list[str]) -> None:
    Lead.objects.bulk_create(
        (
            Lead(
                batch=batch,
                row_number=row.row,
                client_id=row.client_id,
                vehicle_id=row.vehicle_id,
                data=row.data | {"status": row.status},
                last_visit=row.last_visit,
                due_date=row.due_date,
                mileage=row.data["mileage"],
                match=row.match,
                errors=row.errors,
                is_usable=row.is_usable,
            )
            for row in rows
        ),
        batch_size=1000,
    )
    LeadBatch.objects.filter(pk=batch.pk).update(
        status=LeadBatch.Status.READY,
        total_rows=len(rows),
        processed_rows=len(rows),
        error="\n".join(notes),
    )


def importer_batch_create(
    *,
    file: File,
    variant: ImporterVariant,
    branch: Branch,
    department: Department,
    user=None,
) -> LeadBatch:
    """Store an uploaded importer file as a new batch of leads.

    The file is checked and its header found first: a file that is not a readable importer
    file raises `ImporterFileError` and nothing is written (or stored). A file of up to
    IMPORTER_INLINE_MAX_ROWS rows is read here, in one transaction, so its leads are there
    when this returns; a larger one is read by the background job
    (`selections.jobs.importer_file_read`), enqueued once the batch is committed.
    """
    from selections import jobs

    sheet = importer_open(file, variant=variant)
    if sheet.total_rows <= settings.IMPORTER_INLINE_MAX_ROWS:
        result = ImporterResult(sheet=sheet, rows=importer_read_rows(sheet))
        return importer_batch_from_result(
            file=file,
            result=result,
            variant=variant,
            branch=branch,
            department=department,
            user=user,
        )
    batch = _batch_new(file=file, variant=variant, branch=branch, department=department, user=user)
    batch.total_rows = sheet.total_rows
    with _file_removed_on_failure(batch), transaction.atomic():
        batch.file.save(file.name or "importer.xlsx", file, save=False)
        batch.save()
        transaction.on_commit(lambda: jobs.importer_file_read.enqueue(batch_id=batch.pk))
    return batch


def importer_batch_from_result(
    *,
    file: File,
    result: ImporterResult,
    variant: ImporterVariant,
    branch: Branch,
    department: Department,
    user=None,
) -> LeadBatch:
    """Store a file already read (`importer_read`) as a ready batch with its leads, in one
    transaction."""
    batch = _batch_new(file=file, variant=variant, branch=branch, department=department, user=user)
    with _file_removed_on_failure(batch), transaction.atomic():
        file.seek(0)
        batch.file.save(file.name or "importer.xlsx", file, save=False)
        batch.save()
        _leads_write(batch=batch, rows=result.rows, notes=result.sheet.notes)
    batch.refresh_from_db()
    return batch


def _batch_new(*, file: File, variant, branch, department, user) -> LeadBatch:
    return LeadBatch(
        kind=LeadBatch.Kind.IMPORTER_FILE,
        importer_variant=variant,
        branch=branch,
        department=department,
        file_name=Path(file.name or "").name[-255:],
        created_by=user,
    )


@contextlib.contextmanager
def _file_removed_on_failure(batch: LeadBatch) -> Iterator[None]:
    """A transaction that fails leaves no stored file behind either."""
    try:
        yield
    except BaseException:
        if batch.file:
            batch.file.delete(save=False)
        raise


def importer_batch_read(*, batch_id: int) -> None:
    """Read a stored batch's file into its leads (the background job's work).

    Runs once per batch: only a batch still pending is taken. Progress is committed every
    chunk for the progress bar; the leads are written in one transaction at the end, so a
    failure leaves the batch failed with its reason and without leads.
    """
    if not LeadBatch.objects.filter(pk=batch_id, status=LeadBatch.Status.PENDING).update(
        status=LeadBatch.Status.PARSING, processed_rows=0
    ):
        return
    batch = LeadBatch.objects.select_related("importer_variant").get(pk=batch_id)

    def progress(count: int) -> None:
        LeadBatch.objects.filter(pk=batch_id).update(processed_rows=count)

    try:
        with batch.file.open("rb") as file:
            sheet = importer_open(file, variant=batch.importer_variant)
        LeadBatch.objects.filter(pk=batch_id).update(total_rows=sheet.total_rows)
        rows = importer_read_rows(sheet, progress=progress)
        with transaction.atomic():
            _leads_write(batch=batch, rows=rows, notes=sheet.notes)
    except ImporterFileError as problem:
        _batch_fail(batch_id, str(problem))
    except Exception:
        logger.exception("importer file of batch %s failed", batch_id)
        _batch_fail(batch_id, "Файл не прочитан из-за внутренней ошибки; загрузите его снова.")
        raise


def _batch_fail(batch_id: int, reason: str) -> None:
    LeadBatch.objects.filter(pk=batch_id).update(status=LeadBatch.Status.FAILED, error=reason)
