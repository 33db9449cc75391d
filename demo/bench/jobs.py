"""The jobs: each selection rule over a branch for a month, worksheets for a batch of leads,
and the importer reader next to openpyxl's bare read of the same file.

The importer file generator was `selections/importer/bench.py`; it lives here now.
"""

import datetime as dt
import io
import statistics
import tempfile
import time
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from client_history.models import Vehicle
from crm_workstation.models import Branch, Department, Workshop
from selections import services
from selections.models import Lead, LeadBatch, SelectionKind
from selections.rules import SelectionScope, default_period, month_bounds, rule_leads

Rule = SelectionKind.Rule


class _Rollback(Exception):
    """Leaves the transaction of the leads' job, so a kept database stays as seeded."""


def _kinds(department: Department) -> list[SelectionKind]:
    """The department's first active kind of each rule, in the rules' order."""
    kinds = SelectionKind.objects.filter(department=department, is_active=True).order_by("pk")
    chosen: dict[str, SelectionKind] = {}
    for kind in kinds:
        chosen.setdefault(kind.rule, kind)
    return [chosen[rule] for rule in Rule.values if rule in chosen]


def _month(rule: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The rule's default month (the post-visit call's default is a day: last month here)."""
    if rule == Rule.POST_VISIT:
        return month_bounds(today, -1)
    return default_period(rule, today)


def finished_batch(department: Department, user: User) -> LeadBatch:
    """A lead batch of the department whose worksheets were created: the earliest one there is,
    else a selection run now (the first kind and month that finds leads) with every lead
    selected and «Создать рабочие листы» done, as `user`."""
    done = Lead.objects.filter(batch=OuterRef("pk")).exclude(result=Lead.Result.PENDING)
    batch = (
        LeadBatch.objects.filter(department=department).filter(Exists(done)).order_by("pk").first()
    )
    if batch is not None:
        return batch
    today = timezone.localdate()
    workshop = Workshop.objects.filter(branch_id=department.branch_id).order_by("pk").first()
    for offset in (0, -1, -2, -3, -6, -12):
        for kind in _kinds(department):
            first, last = _month(kind.rule, today)
            first, last = month_bounds(first, offset)
            batch = services.selection_run(
                kind=kind, user=user, period_from=first, period_to=last, workshop=workshop
            )
            if batch.found:
                services.leads_set_selected(batch=batch, selected=True)
                services.worksheets_create_from_leads(batch=batch, user=user)
                return batch
            batch.delete()
    raise RuntimeError("no selection finds any lead in this database")


def rules(department: Department, *, runs: int) -> list[dict]:
    """Each rule's query (the department's kind of it) over the department's whole branch for
    its default month, `runs` times: the median time and the number of leads."""
    today = timezone.localdate()
    workshop = Workshop.objects.filter(branch_id=department.branch_id).order_by("pk").first()
    results = []
    for kind in _kinds(department):
        first, last = _month(kind.rule, today)
        by_workshop = kind.by_workshop and workshop is not None
        scope = SelectionScope(
            branch_id=department.branch_id,
            period_from=first,
            period_to=last,
            workshop_id=workshop.pk if by_workshop else None,
        )
        if kind.by_workshop and not by_workshop:
            continue
        timings, leads = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            leads = len(list(rule_leads(kind, scope)))
            timings.append(time.perf_counter() - started)
        results.append(
            {
                "rule": kind.rule,
                "label": str(Rule(kind.rule).label),
                "kind": kind.name,
                "period": [first.isoformat(), last.isoformat()],
                "workshop": workshop.name if by_workshop else None,
                "seconds": statistics.median(timings),
                "leads": leads,
            }
        )
    return results


def worksheets_from_leads(department: Department, user: User, *, leads: int) -> dict:
    """«Создать рабочие листы» for a batch of `leads` selected leads (the branch's first cars
    by id, with their owners), timed; everything it wrote is rolled back afterwards."""
    kind = next(iter(_kinds(department)), None)
    result: dict = {}
    try:
        with transaction.atomic():
            batch = LeadBatch.objects.create(
                kind=LeadBatch.Kind.SELECTION,
                branch_id=department.branch_id,
                department=department,
                selection_kind=kind,
                status=LeadBatch.Status.READY,
                created_by=user,
            )
            cars = (
                Vehicle.objects.filter(owner__home_branch_id=department.branch_id)
                .order_by("pk")
                .values_list("pk", "owner_id", "last_mileage")[:leads]
            )
            Lead.objects.bulk_create(
                (
                    Lead(
                        batch=batch,
                        row_number=number,
                        client_id=owner,
                        vehicle_id=vehicle,
                        mileage=mileage,
                        is_usable=True,
                        selected=True,
                    )
                    for number, (vehicle, owner, mileage) in enumerate(cars, start=1)
                ),
                batch_size=services.BATCH_SIZE,
            )
            count = batch.leads.count()
            started = time.perf_counter()
            summary = services.worksheets_create_from_leads(batch=batch, user=user)
            seconds = time.perf_counter() - started
            result = {
                "leads": count,
                "seconds": seconds,
                "created": summary.created,
                "added": summary.added,
                "skipped": summary.skipped_total,
            }
            raise _Rollback
    except _Rollback:
        pass
    return result


# ---------------------------------------------------------------------------------------------
# The importer reader


def generate_importer_file(path: Path, rows: int) -> None:
    """An importer file of `rows` data rows in the «Клиенты ТО» layout (titles above the header,
    phones in the forms the README lists, dates as Excel dates and as text, a few bad VINs and
    duplicates)."""
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
    previous_vin = ""
    for n in range(rows):
        vin = "".join(alphabet[(n * 7 + i * 13 + n // (i + 1)) % 33] for i in range(17))
        if n % 500 == 7:
            vin = vin[:15]  # a bad VIN now and then
        if n % 1000 == 11:
            vin = previous_vin  # a duplicate of the row above
        previous_vin = vin
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


def _openpyxl_bare_read(path: Path) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    count = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        for _value in row:
            pass
        count += 1
    workbook.close()
    return count


def _import_leads_dry_run(path: Path, branch: str) -> int:
    out = io.StringIO()
    call_command(
        "import_leads", str(path), "--variant", "to", "--branch", branch, "--dry-run", "--json",
        stdout=out,
    )  # fmt: skip
    return out.getvalue().count('"row":')


def _best_of(runs: int, function, *args) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(runs):
        started = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - started)
    return best, result


def importer(branch: Branch, *, rows: int, runs: int) -> dict:
    """`import_leads --dry-run` (checks, calamine, header, normalisation, matching against the
    database) of a generated file, next to openpyxl's read-only iteration of every cell of the
    same file: the best of `runs` each, rows per second, and ours over openpyxl's."""
    with tempfile.TemporaryDirectory(prefix="crm-bench-import-") as folder:
        path = Path(folder) / "importer.xlsx"
        generate_importer_file(path, rows)
        size = path.stat().st_size
        bare, lines = _best_of(runs, _openpyxl_bare_read, path)
        ours, leads = _best_of(runs, _import_leads_dry_run, path, branch.code)
    openpyxl_rate = lines / bare
    ours_rate = leads / ours
    return {
        "rows": rows,
        "file_bytes": size,
        "openpyxl_seconds": bare,
        "openpyxl_rows_per_second": openpyxl_rate,
        "import_leads_seconds": ours,
        "import_leads_rows": leads,
        "import_leads_rows_per_second": ours_rate,
        "ratio": ours_rate / openpyxl_rate,
    }
