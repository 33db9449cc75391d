"""The import's report: what each file created, updated and skipped, and why."""

from dataclasses import dataclass, field
from pathlib import Path


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
