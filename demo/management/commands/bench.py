"""python manage.py bench --size S|M|L [--json] [--keep] [--repeat N] [--compare FILE.json]

Every page and job measured on a database of the bench's own (issue 10): it creates it (a
SQLite file in a temporary folder, or a PostgreSQL database on DATABASE_URL's server), runs
`migrate` and `seed_demo` there and measures in a child process whose DATABASE_URL points at
it, then drops it (`--keep` keeps it, and the next `--keep` run reuses it without seeding).
The user's own database is never opened.
"""

import argparse
import datetime as dt
import io
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from client_history.models import Client, RepairOrder, Vehicle
from crm_workstation.models import Branch
from demo.bench import jobs, pages, report
from demo.bench.database import bench_database, is_bench_database
from demo.management.commands.seed_demo import demo_size
from demo.services import demo_present, demo_vacuum
from selections.models import Lead
from tasks.models import ServiceRequest, Task
from worksheets.models import Worksheet

DEFAULT_LEADS = 5000
DEFAULT_IMPORT_ROWS = 20000


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Замеряет страницы (как менеджер, рядом со списками админки тех же строк) и задания "
        "(выборки, создание рабочих листов, чтение файла импортера) на своей базе с демо-данными "
        "размера S, M или L; база пользователя не затрагивается."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", default="S", type=demo_size, help="S, M или L (S)")
        parser.add_argument("--json", action="store_true", help="вывести всё одним JSON")
        parser.add_argument(
            "--keep",
            action="store_true",
            help="оставить базу бенчмарка; следующий запуск с --keep возьмёт её без заполнения",
        )
        parser.add_argument("--repeat", type=positive, default=20, help="запросов на страницу (20)")
        parser.add_argument(
            "--job-repeat", type=positive, default=3, help="повторов каждого задания (3)"
        )
        parser.add_argument("--username", default="manager1", help="чьими глазами (manager1)")
        parser.add_argument(
            "--leads", type=positive, default=DEFAULT_LEADS, help="лидов для рабочих листов (5000)"
        )
        parser.add_argument(
            "--import-rows",
            type=positive,
            default=DEFAULT_IMPORT_ROWS,
            help="строк в файле импортера (20000)",
        )
        parser.add_argument(
            "--compare", type=Path, help="JSON прошлого запуска (--json): рост медиан страниц"
        )
        parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, **options) -> None:
        if options["worker"]:
            self.stdout.write(json.dumps(self._measure(**options), ensure_ascii=False))
            return
        earlier = None
        if options["compare"]:
            try:
                earlier = json.loads(options["compare"].read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(
                    _("Не удалось прочитать %(file)s: %(error)s")
                    % {"file": options["compare"], "error": error}
                ) from error
        result = self._run_in_own_database(options)
        result["environment"]["command"] = " ".join(["manage.py", *sys.argv[1:]])
        report.add_ratios(result)
        result["targets"] = report.evaluate(result)
        if earlier is not None:
            result["compare_file"] = str(options["compare"])
            result["compare"] = report.compare(result, earlier)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            for line in report.table(result):
                self.stdout.write(line)
        answered = result["pages"] + [page for page in result["admin"] if page["username"]]
        failed = [
            f"{p['label']} ({p['url']}): {p['status']}" for p in answered if p["status"] != 200
        ]
        if failed:
            raise CommandError(_("Страницы ответили не 200: ") + "; ".join(failed))

    # The parent: the database, the child process.

    def _run_in_own_database(self, options) -> dict:
        database = bench_database(size=options["size"], keep=options["keep"])
        database.create()
        self.stderr.write(_("База бенчмарка: %(where)s") % {"where": database.where})
        try:
            command = [sys.executable, "-m", "django", "bench", "--worker"]
            for name in ("size", "repeat", "job_repeat", "username", "leads", "import_rows"):
                command += [f"--{name.replace('_', '-')}", str(options[name])]
            command += ["--verbosity", str(options["verbosity"])]
            env = {
                **os.environ,
                "DATABASE_URL": database.url,
                "DJANGO_SETTINGS_MODULE": os.environ.get(
                    "DJANGO_SETTINGS_MODULE", "crm_workstation.settings"
                ),
            }
            done = subprocess.run(
                command, env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, text=True
            )
            if done.returncode != 0:
                raise CommandError(
                    _("Замер прерван (код %(code)s); база: %(where)s")
                    % {"code": done.returncode, "where": database.where}
                )
            result = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            database.drop()
        result["environment"]["database"].update({"where": database.where, "kept": database.keep})
        if database.keep:
            self.stderr.write(_("База оставлена: %(where)s") % {"where": database.where})
        return result

    # The child: in the bench's database.

    def _progress(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stderr.write(message)

    def _measure(self, *, size, repeat, job_repeat, username, leads, import_rows, **options):
        self.verbosity = options["verbosity"]
        if not is_bench_database(connection.settings_dict):
            raise CommandError(_("--worker работает только в базе, которую создал bench."))
        call_command("migrate", verbosity=0, interactive=False)
        seed_seconds = None
        if not demo_present():
            self._progress(_("Заполнение демо-данными, размер %(size)s…") % {"size": size})
            started = time.perf_counter()
            # Its progress and the demo logins only at --verbosity 2.
            out = self.stderr if self.verbosity >= 2 else io.StringIO()
            call_command("seed_demo", size=size, stdout=out)
            seed_seconds = time.perf_counter() - started
            self._progress(_("  за %(seconds).1f с") % {"seconds": seed_seconds})
        else:
            # A kept database: the last run's jobs left dead rows and the tables' visibility
            # maps behind (index-only scans then read the table too). Autovacuum would have
            # cleaned them since, but it may be off (as on this project's machines).
            demo_vacuum()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Нет пользователя «%(name)s».") % {"name": username})
        department = pages.first_department(user)
        if department is None:
            raise CommandError(_("У пользователя «%(name)s» нет ЦФО.") % {"name": username})

        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            self._progress(_("Пакет лидов с созданными рабочими листами…"))
            batch = jobs.finished_batch(department, user)
            subjects = pages.choose_subjects(user, department, batch)
            measured, admin = pages.measure_pages(
                subjects, repeat=repeat, progress=lambda label: self._progress(f"  {label}")
            )
        self._progress(_("Выборки…"))
        rules = jobs.rules(department, runs=job_repeat)
        self._progress(_("Создание рабочих листов из лидов…"))
        worksheets = jobs.worksheets_from_leads(department, user, leads=leads)
        self._progress(_("Чтение файла импортера…"))
        branch = Branch.objects.get(pk=department.branch_id)
        importer = jobs.importer(branch, rows=import_rows, runs=job_repeat)
        return {
            "username": username,
            "repeat": repeat,
            "notes": subjects.notes,
            "pages": [page.as_dict() for page in measured],
            "admin": [page.as_dict() for page in admin],
            "jobs": {"rules": rules, "leads": worksheets, "importer": importer},
            "environment": self._environment(size, seed_seconds),
        }

    def _environment(self, size: str, seed_seconds: float | None) -> dict:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                version = cursor.fetchone()[0]
        else:
            import sqlite3

            version = sqlite3.sqlite_version
        models = {
            "clients": Client,
            "vehicles": Vehicle,
            "repair_orders": RepairOrder,
            "worksheets": Worksheet,
            "tasks": Task,
            "service_requests": ServiceRequest,
            "leads": Lead,
        }
        return {
            "size": size,
            "database": {"vendor": connection.vendor, "version": version},
            "rows": {name: model.objects.count() for name, model in models.items()},
            "seed_seconds": seed_seconds,
            "python": platform.python_version(),
            "django": django.get_version(),
            "debug": settings.DEBUG,
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
