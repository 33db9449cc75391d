"""The importer reader's speed next to openpyxl's own read-only iteration, in one run.

    DEBUG=1 python -m selections.importer.bench [--rows 20000] [--keep FILE]

Generates an importer file of `--rows` rows (the «Клиенты ТО» layout: titles above the header,
phones in the forms the README lists, dates as Excel dates and text), then times
(1) openpyxl `load_workbook(read_only=True)` iterating every cell value, and
(2) `manage.py import_leads FILE --variant to --branch <any> --dry-run --json` in this process
(checks, calamine, header, normalisation, matching against the database), best of three
each, and prints rows per second of both.
"""

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path


def generate(path: Path, rows: int) -> None:
    """An importer file of `rows` data rows (a few with problems, a few duplicates)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Список клиентов для приглашения на техническое обслуживание"])
    sheet.append(["Дилер: 40117"])
    sheet.append([])
    sheet.append(
        ["Код дилера", "VIN", "Гос. номер", "Марка", "Модель", "Год выпуска", "Дата продажи",
         "ФИО клиента", "Телефон", "E-mail", "Дата последнего ТО", "Пробег на последнем ТО",
         "Дата следующего ТО", "Комментарий"]
    )  # fmt: skip
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    letters = "АВЕКМНОРСТУХ"
    phone_forms = ("+7 ({a}) {b}-{c}-{d}", "8{a}{b}{c}{d}", "8 {a} {b}-{c}-{d}", "{a}{b}{c}{d}")
    start = dt.date(2018, 1, 1)
    for n in range(rows):
        vin = "".join(alphabet[(n * 7 + i * 13 + n // (i + 1)) % 33] for i in range(17))
        if n % 500 == 7:
            vin = vin[:15]  # a bad VIN now and then
        if n % 1000 == 11:
            vin = prev_vin  # noqa: F821 — a duplicate of the row above
        prev_vin = vin  # noqa: F841
        a, b, c, d = 900 + n % 99, 100 + n % 900, 10 + n % 90, 10 + (n // 7) % 90
        phone = "" if n % 700 == 3 else phone_forms[n % 4].format(a=a, b=b, c=c, d=d)
        visit = start + dt.timedelta(days=n % 2500)
        sheet.append(
            [
                "40117",
                vin,
                f"{letters[n % 12]}{n % 1000:03d}{letters[(n // 12) % 12]}{letters[n % 7]}{77 + n % 100}",
                "Kia",
                "Rio",
                2015 + n % 10,
                visit - dt.timedelta(days=400),
                f"Клиент Номер {n}",
                phone,
                f"client{n}@example.ru" if n % 3 else None,
                visit if n % 2 else f"{visit:%d.%m.%Y}",
                10000 + n % 150000 if n % 5 else f"{10 + n % 150} 000 км",
                visit + dt.timedelta(days=365),
                None,
            ]
        )
    workbook.save(path)


def openpyxl_bare_read(path: Path) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    count = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        for _value in row:
            pass
        count += 1
    workbook.close()
    return count


def import_leads_dry_run(path: Path, branch: str) -> int:
    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "import_leads", str(path), "--variant", "to", "--branch", branch, "--dry-run", "--json",
        stdout=out,
    )  # fmt: skip
    return out.getvalue().count('"row":')


def best_of(runs: int, function, *args) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(runs):
        began = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - began)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--keep", type=Path, help="write the generated file here")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_workstation.settings")
    import django

    django.setup()
    from crm_workstation.models import Branch, Department

    department = Department.objects.filter(kind=Department.Kind.SERVICE).first()
    if department is None:
        sys.exit("Нет ни одного ЦФО сервиса: загрузите демо-данные (seed_demo).")
    branch = Branch.objects.get(pk=department.branch_id).code

    with tempfile.TemporaryDirectory() as folder:
        path = options.keep or Path(folder) / "importer.xlsx"
        generate(path, options.rows)
        size = path.stat().st_size
        bare, lines = best_of(options.runs, openpyxl_bare_read, path)
        ours, leads = best_of(options.runs, import_leads_dry_run, path, branch)
    print(f"file: {options.rows} rows, {size / 1024 / 1024:.1f} MB")
    print(f"openpyxl read-only iteration: {bare:.2f} s, {lines / bare:,.0f} rows/s")
    print(f"import_leads --dry-run:       {ours:.2f} s, {leads / ours:,.0f} rows/s")
    print(f"ratio (import_leads / openpyxl speed): {bare / ours:.2f}")


if __name__ == "__main__":
    main()
