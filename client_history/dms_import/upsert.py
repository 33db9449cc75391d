"""The set-based upsert: new rows created in bulk, changed ones updated, the rest left alone."""

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from client_history.dms_import.report import FileReport, RowProblem

BATCH_SIZE = 500
CHANGE_REASON = "Импорт из DMS"


@dataclass
class Parsed:
    """A good row: its key, row number, and the model values (by attname) it brings."""

    row: int
    key: Any
    values: dict[str, Any]
    obj: models.Model | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    created: list[Parsed] = field(default_factory=list)
    updated: list[Parsed] = field(default_factory=list)
    unchanged: list[Parsed] = field(default_factory=list)


def _bulk_create(model: type[models.Model], objs: list[models.Model]) -> None:
    model.objects.bulk_create(objs, batch_size=BATCH_SIZE)


def _bulk_update(model: type[models.Model], objs: list[models.Model], fields: list[str]) -> None:
    model.objects.bulk_update(objs, fields, batch_size=BATCH_SIZE)


def upsert(
    *,
    model: type[models.Model],
    parsed: list[Parsed],
    existing: dict[Any, models.Model],
    create: Callable[[type[models.Model], list[models.Model]], None] = _bulk_create,
    update: Callable[[type[models.Model], list[models.Model], list[str]], None] = _bulk_update,
) -> Outcome:
    """Create the rows whose key is new, update the changed ones, leave the rest alone.

    Only the fields a row brings are compared and written, so a column the file does not have
    leaves that field as it is.
    """
    outcome = Outcome()
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


def count_outcome(report: FileReport, outcome: Outcome) -> None:
    report.created += len(outcome.created)
    report.updated += len(outcome.updated)
    report.unchanged += len(outcome.unchanged)


def chunks(rows: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, BATCH_SIZE)):
        yield chunk


def by_external_id(
    model: type[models.Model], external_ids: Iterable[str]
) -> dict[str, models.Model]:
    wanted = sorted({e for e in external_ids if e})
    return {obj.external_id: obj for obj in model.objects.filter(external_id__in=wanted)}


def ids_by_external_id(
    model: type[models.Model], external_ids: Iterable[str], *fields: str
) -> dict[str, tuple[Any, ...]]:
    wanted = sorted({e for e in external_ids if e})
    rows = model.objects.filter(external_id__in=wanted).values_list("external_id", "id", *fields)
    return {row[0]: row[1:] for row in rows}


class Rows:
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
