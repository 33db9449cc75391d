"""python manage.py seed_demo --size S|M|L [--if-empty] [--reset]"""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demo.services import (
    SIZES,
    DemoRefused,
    demo_logins,
    demo_present,
    demo_reset,
    demo_seed,
    demo_state,
    demo_vacuum,
    refusal_message,
)

TABLE_LABELS = {
    "clients": gettext_lazy("клиенты"),
    "phones": gettext_lazy("телефоны клиентов"),
    "vehicles": gettext_lazy("автомобили"),
    "orders": gettext_lazy("заказ-наряды"),
    "lines": gettext_lazy("строки заказ-нарядов"),
    "recommendations": gettext_lazy("рекомендации"),
    "worksheets": gettext_lazy("рабочие листы"),
    "tasks": gettext_lazy("задачи"),
    "requests": gettext_lazy("заявки на сервис"),
}
# demo_seed's stages, by the keys of its report.
STAGE_LABELS = {
    "organisation and users": gettext_lazy("организация и пользователи"),
    "dropping indexes": gettext_lazy("снятие индексов"),
    "generating rows": gettext_lazy("создание строк"),
    "writing rows": gettext_lazy("запись строк (параллельно)"),
    "generating and writing rows": gettext_lazy("создание и запись строк"),
    "building indexes": gettext_lazy("построение индексов"),
    "checking foreign keys": gettext_lazy("проверка внешних ключей"),
    "sequences and statistics": gettext_lazy("счётчики и статистика"),
    "vacuum": gettext_lazy("VACUUM таблиц"),
    "total": gettext_lazy("всего"),
}


def demo_size(value: str) -> str:
    """`--size`: S, M or L in any case, with the error in Russian (argparse's own is English)."""
    size = value.strip().upper()
    if size not in SIZES:
        raise argparse.ArgumentTypeError(
            _("размер «%(value)s» неизвестен: укажите S, M или L") % {"value": value}
        )
    return size


class Command(BaseCommand):
    help = (
        "Загружает демо-данные (две структурные единицы, клиенты, автомобили, заказ-наряды за "
        "пять лет, рабочие листы, задачи, демо-пользователи) в пустую базу. "
        "Размеры: S ≈ 2 000 клиентов, M ≈ 100 000, L ≈ 500 000."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            default="S",
            type=demo_size,
            help="размер набора: S, M или L (по умолчанию S)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="загрузить только в пустую базу; если демо уже загружено, напечатать логины",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="удалить загруженные ранее демо-данные и загрузить заново",
        )

    def handle(self, *args, size: str, if_empty: bool, reset: bool, **options) -> None:
        started = time.perf_counter()
        if if_empty and not reset and demo_present():
            # run.sh asks on every start: answer without scanning the big tables.
            self.stdout.write(_("Демо-данные уже загружены."))
            self._print_logins()
            return
        state = demo_state()
        if state.foreign:
            if if_empty:
                self.stdout.write(_("Демо-данные не загружаются: в базе уже есть другие данные."))
                return
            raise CommandError(refusal_message(state))
        if state.present and not reset:
            raise CommandError(
                _(
                    "Демо-данные уже загружены; чтобы удалить их и загрузить заново, "
                    "добавьте --reset."
                )
            )
        try:
            with transaction.atomic():  # a failed reload leaves the old demo in place
                if state.present:
                    self.stdout.write(_("Удаление демо-данных…"))
                    demo_reset()
                self.stdout.write(
                    _("Загрузка демо-данных, размер %(size)s (%(clients)s клиентов)…")
                    % {"size": size, "clients": f"{SIZES[size]:,}"}
                )
                report = demo_seed(size=size, progress=self.stdout.write)
        except DemoRefused as error:
            raise CommandError(str(error)) from error
        vacuum_seconds = demo_vacuum()
        if vacuum_seconds is not None:
            report.add_stage("vacuum", vacuum_seconds)

        self.stdout.write("")
        self.stdout.write(_("Строк:"))
        for name, count in report.counts.items():
            self.stdout.write(f"  {TABLE_LABELS.get(name, name)!s:<22} {count:>12,}")
        self.stdout.write(_("Время:"))
        seconds_unit = _("с")
        for stage, seconds in report.seconds.items():
            label = STAGE_LABELS.get(stage, stage)
            self.stdout.write(f"  {label!s:<26} {seconds:>8.1f} {seconds_unit}")
            if stage == "writing rows" and options["verbosity"] >= 2:
                for name, table_seconds in report.table_seconds.items():
                    label = TABLE_LABELS.get(name, name)
                    self.stdout.write(f"    {label!s:<24} {table_seconds:>8.1f} {seconds_unit}")
        wall = time.perf_counter() - started
        self.stdout.write(f"  {_('вся команда')!s:<26} {wall:>8.1f} {seconds_unit}")
        self._print_logins()

    def _print_logins(self) -> None:
        rows = demo_logins()
        if not rows:
            return
        headers = (_("Логин"), _("Пароль"), _("Роль"), _("ФИО"), _("Подразделения"))
        table = [headers, *[(r.username, r.password, r.role, r.full_name, r.units) for r in rows]]
        widths = [max(len(row[i]) for row in table) for i in range(len(headers) - 1)]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Демо-логины:")))
        for row in table:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[-1]]))
