"""`manage.py import_dms <folder>`: load the dealer-management system's export (CSV / XLSX)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from client_history.dms_import import DmsImportError, dms_import_folder, report_lines

# Rows with problems listed by default; `--verbosity 2` lists all of them.
SHOWN_PROBLEMS = 200


class Command(BaseCommand):
    help = (
        "Загружает выгрузку DMS из папки: branches, workshops, departments, clients, vehicles, "
        "repair_orders, repair_order_lines, recommendations (.csv или .xlsx). Повторная загрузка "
        "тех же файлов ничего не меняет. Формат описан в README."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="папка с файлами выгрузки")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="проверить и посчитать изменения, ничего не сохраняя",
        )

    def handle(self, *args, folder: Path, dry_run: bool, verbosity: int, **options) -> None:
        limit = None if verbosity >= 2 else SHOWN_PROBLEMS
        if folder.exists() and not folder.is_dir():
            raise CommandError(
                _("«%(path)s» — это файл, а не папка: укажите папку с файлами выгрузки.")
                % {"path": folder}
            )
        try:
            report = dms_import_folder(folder=folder, dry_run=dry_run)
        except DmsImportError as exc:
            if exc.report is not None and exc.report.files:
                self.stdout.write(_("Загружено до ошибки:"))
                self.stdout.write("\n".join(report_lines(report=exc.report, limit=limit)))
            raise CommandError(str(exc)) from exc
        for line in report_lines(report=report, limit=limit):
            self.stdout.write(line)
