"""python manage.py seed_demo --size S|M|L [--if-empty] [--reset]"""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from demo.services import (
    SIZES,
    DemoRefused,
    demo_logins,
    demo_present,
    demo_reset,
    demo_seed,
    demo_state,
    refusal_message,
)

TABLE_LABELS = {
    "clients": "clients",
    "phones": "client phones",
    "vehicles": "vehicles",
    "orders": "repair orders",
    "lines": "repair-order lines",
    "recommendations": "recommendations",
    "worksheets": "worksheets",
    "tasks": "tasks",
    "requests": "service requests",
}


class Command(BaseCommand):
    help = (
        "Load demo data (two branches, clients, vehicles, five years of repair orders, "
        "worksheets, tasks, demo users) into an empty database. "
        "Sizes: S ≈ 2,000 clients, M ≈ 100,000, L ≈ 500,000."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="S", type=str.upper)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only an empty database; if the demo is already loaded, print the logins.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo data loaded earlier, then seed again.",
        )

    def handle(self, *args, size: str, if_empty: bool, reset: bool, **options) -> None:
        started = time.perf_counter()
        if if_empty and not reset and demo_present():
            # run.sh asks on every start: answer without scanning the big tables.
            self.stdout.write("Demo data is already loaded.")
            self._print_logins()
            return
        state = demo_state()
        if state.foreign:
            if if_empty:
                self.stdout.write("Not loading demo data: the database already holds other data.")
                return
            raise CommandError(refusal_message(state))
        if state.present and not reset:
            raise CommandError(
                "The demo data is already loaded; use --reset to delete it and load it again."
            )
        try:
            with transaction.atomic():  # a failed reload leaves the old demo in place
                if state.present:
                    self.stdout.write("Deleting the demo data…")
                    demo_reset()
                self.stdout.write(f"Loading demo data, size {size} ({SIZES[size]:,} clients)…")
                report = demo_seed(size=size, progress=self.stdout.write)
        except DemoRefused as error:
            raise CommandError(str(error)) from error

        self.stdout.write("")
        self.stdout.write("Rows:")
        for name, count in report.counts.items():
            self.stdout.write(f"  {TABLE_LABELS[name]:<20} {count:>12,}")
        self.stdout.write("Time:")
        for stage, seconds in report.seconds.items():
            self.stdout.write(f"  {stage:<26} {seconds:>8.1f} s")
        self.stdout.write(f"  {'wall clock':<26} {time.perf_counter() - started:>8.1f} s")
        self._print_logins()

    def _print_logins(self) -> None:
        rows = demo_logins()
        if not rows:
            return
        headers = ("Логин", "Пароль", "Роль", "ФИО", "Подразделения")
        table = [headers, *[(r.username, r.password, r.role, r.full_name, r.units) for r in rows]]
        widths = [max(len(row[i]) for row in table) for i in range(len(headers) - 1)]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        for row in table:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[-1]]))
