"""`manage.py import_leads FILE --variant to|lost --branch CODE`: an importer file from a shell.

What «Загрузить из файла» does, for IT and schedulers: the file is read (the same checks and
reader as the upload), stored as a batch of leads, every usable lead selected and
«Создать рабочие листы» run on them. `--dry-run` reads and matches only, writing nothing.
`--json` prints one JSON object: `{"rows": [...], "summary": {"ok", "duplicate", "error"}}`
(and, without `--dry-run`, `"batch"` and `"worksheets"`). A file that cannot be read exits
with status 1 and a one-line Russian reason; nothing is written.
"""

import json
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from crm_workstation.models import Branch, Department
from selections.importer import ImporterFileError
from selections.importer.reader import ImporterRow
from selections.importer.services import (
    ImporterResult,
    importer_batch_from_result,
    importer_read,
)
from selections.models import ImporterVariant

VARIANTS = {"to": "maintenance", "lost": "lost_clients"}


def row_json(row: ImporterRow) -> dict:
    return {
        "row": row.row,
        "status": row.status,
        "reasons": row.errors,
        "vin": row.data["vin"] or None,
        "plate": row.data["plate"] or None,
        "name": row.data["name"] or None,
        "phones": row.data["phones"],
        "last_visit": row.data["last_visit"],
        "mileage": row.data["mileage"],
    }


class Command(BaseCommand):
    help = (
        "Загружает файл импортера (.xlsx) как пакет лидов и создаёт рабочие листы. "
        "--dry-run только читает файл и показывает строки."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="файл импортера .xlsx")
        parser.add_argument(
            "--variant",
            required=True,
            choices=sorted(VARIANTS),
            help="to — «Клиенты ТО», lost — «Потерянные клиенты»",
        )
        parser.add_argument("--branch", required=True, help="код структурной единицы")
        parser.add_argument("--department", help="код ЦФО (по умолчанию — сервис филиала)")
        parser.add_argument("--dry-run", action="store_true", help="только прочитать файл")
        parser.add_argument("--json", action="store_true", help="вывести результат как JSON")

    def handle(self, *args, file: Path, variant: str, branch: str, **options) -> None:
        variant_obj = ImporterVariant.objects.filter(code=VARIANTS[variant]).first()
        if variant_obj is None:
            raise CommandError(f"Вариант файла «{VARIANTS[variant]}» не настроен.")
        branch_obj = Branch.objects.filter(code=branch).first()
        if branch_obj is None:
            raise CommandError(f"Структурная единица с кодом «{branch}» не найдена.")
        department = self._department(branch_obj, options["department"])
        if not file.is_file():
            raise CommandError(f"Файл «{file}» не найден.")
        try:
            with file.open("rb") as handle:
                if options["dry_run"]:
                    result = importer_read(handle, variant=variant_obj)
                    self._report(result, options["json"], extra={})
                    return
                result, extra = self._create(handle, file.name, variant_obj, branch_obj, department)
        except ImporterFileError as problem:
            raise CommandError(f"{file.name}: {problem}") from None
        self._report(result, options["json"], extra=extra)

    def _department(self, branch: Branch, code: str | None) -> Department:
        departments = Department.objects.filter(branch=branch)
        if code:
            department = departments.filter(code=code).first()
            if department is None:
                raise CommandError(f"ЦФО с кодом «{code}» в «{branch.code}» не найден.")
            return department
        service = list(departments.filter(kind=Department.Kind.SERVICE)[:2])
        if len(service) != 1:
            raise CommandError(
                f"У «{branch.code}» {'нет' if not service else 'несколько'} ЦФО сервиса: "
                "укажите --department."
            )
        return service[0]

    def _create(self, handle, name, variant, branch, department) -> tuple[ImporterResult, dict]:
        from selections.services import leads_set_selected, worksheets_create_from_leads

        result = importer_read(handle, variant=variant)
        with transaction.atomic():
            batch = importer_batch_from_result(
                file=File(handle, name=name),
                result=result,
                variant=variant,
                branch=branch,
                department=department,
            )
            leads_set_selected(batch=batch, selected=True)
            summary = worksheets_create_from_leads(batch=batch, user=None)
        extra = {
            "batch": batch.pk,
            "worksheets": {
                "created": summary.created,
                "added": summary.added,
                "skipped": dict(summary.skipped),
            },
        }
        return result, extra

    def _report(self, result: ImporterResult, as_json: bool, *, extra: dict) -> None:
        if as_json:
            payload = {"rows": [row_json(row) for row in result.rows], "summary": result.summary}
            self.stdout.write(json.dumps(payload | extra, ensure_ascii=False))
            return
        summary = result.summary
        self.stdout.write(
            f"Строк: {len(result.rows)}; годных лидов: {summary['ok']}, повторов: "
            f"{summary['duplicate']}, с ошибками: {summary['error']}."
        )
        for row in result.rows:
            if row.errors:
                self.stdout.write(f"  строка {row.row}: {'; '.join(row.errors)}")
        for note in result.sheet.notes:
            self.stdout.write(note)
        if extra:
            made = extra["worksheets"]
            skipped = sum(made["skipped"].values())
            self.stdout.write(
                f"Пакет {extra['batch']}: рабочих листов создано {made['created']}, задач "
                f"добавлено в существующие {made['added']}, пропущено {skipped}."
            )
