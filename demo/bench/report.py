"""The issue's targets checked against a run's figures, the readable table, and the growth
between two runs (`--compare`). Pure functions of the result dictionary (the `--json` output)."""

import math

# Issue 10's targets (size M, PostgreSQL, the 2-core machine).
PAGE_MAX_QUERIES = 20
PAGE_MAX_MEDIAN_MS = 150.0
PAGE_MAX_P95_MS = 300.0
PAGE_MAX_ADMIN_RATIO = 0.4
RULE_MAX_SECONDS = 1.0
LEADS_MAX_SECONDS = 5.0
LEADS_TARGET_COUNT = 5000
IMPORTER_MIN_RATIO = 1.0
GROWTH_MAX_RATIO = 1.3


def _check(name: str, value, limit, *, at_most: bool = True) -> dict:
    met = value is not None and (value <= limit if at_most else value >= limit)
    return {"name": name, "value": value, "limit": limit, "at_most": at_most, "met": met}


def add_ratios(result: dict) -> None:
    """Each page's median over its admin reference's median (None without a reference)."""
    references = {page["key"]: page for page in result["admin"]}
    for page in result["pages"]:
        reference = references.get(page["admin"]) if page["admin"] else None
        page["admin_median_ms"] = reference["median_ms"] if reference else None
        page["admin_ratio"] = (
            page["median_ms"] / reference["median_ms"]
            if reference and reference["median_ms"]
            else None
        )


def evaluate(result: dict) -> list[dict]:
    """Every target as a check: what, the figure, the limit, met or not."""
    checks = []
    for page in result["pages"]:
        key = page["key"]
        checks += [
            {
                "name": f"{key}: status",
                "value": page["status"],
                "limit": 200,
                "at_most": True,
                "met": page["status"] == 200,
            },
            _check(f"{key}: queries", page["queries"], PAGE_MAX_QUERIES),
            _check(f"{key}: median ms", page["median_ms"], PAGE_MAX_MEDIAN_MS),
            _check(f"{key}: p95 ms", page["p95_ms"], PAGE_MAX_P95_MS),
            _check(f"{key}: admin ratio", page.get("admin_ratio"), PAGE_MAX_ADMIN_RATIO),
        ]
    for rule in result["jobs"]["rules"]:
        checks.append(_check(f"rule {rule['rule']}: seconds", rule["seconds"], RULE_MAX_SECONDS))
    leads = result["jobs"]["leads"]
    if leads and leads["leads"] >= LEADS_TARGET_COUNT:
        # The target is for 5,000 leads: a smaller batch (size S, --leads) is not checked.
        checks.append(_check("leads: seconds", leads["seconds"], LEADS_MAX_SECONDS))
    importer = result["jobs"]["importer"]
    checks.append(
        _check("importer: ratio to openpyxl", importer["ratio"], IMPORTER_MIN_RATIO, at_most=False)
    )
    return checks


def compare(current: dict, earlier: dict) -> list[dict]:
    """Each page both runs measured: the median then and now and its growth (now / then)."""
    before = {page["key"]: page for page in earlier.get("pages", [])}
    rows = []
    for page in current["pages"]:
        old = before.get(page["key"])
        if old is None or not old.get("median_ms"):
            continue
        growth = page["median_ms"] / old["median_ms"]
        rows.append(
            {
                "key": page["key"],
                "before_ms": old["median_ms"],
                "now_ms": page["median_ms"],
                "growth": growth,
                "met": growth <= GROWTH_MAX_RATIO,
            }
        )
    return rows


def all_finite(value) -> bool:
    """Whether every number in a nested structure is finite (for the smoke test)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(all_finite(v) for v in value)
    return True


def _ms(value) -> str:
    return "—" if value is None else f"{value:.0f}"


def _mark(met: bool) -> str:
    return "ok" if met else "НЕТ"


def table(result: dict) -> list[str]:
    """The readable report, line by line (Russian, like the other commands)."""
    env = result["environment"]
    checks = {check["name"]: check for check in result["targets"]}
    database = env["database"]
    lines = [
        f"Бенчмарк: размер {env['size']}, {database['vendor']} {database['version']}, "
        f"база {database['where']}" + (" (оставлена)" if database["kept"] else " (удалена)"),
        f"Python {env['python']}, Django {env['django']}, DEBUG={env['debug']}, "
        f"нагрузка {env['load_average']}, {env['timestamp']}",
        "Строк: " + ", ".join(f"{name} {count:,}" for name, count in env["rows"].items()),
        f"Заполнение базы: {env['seed_seconds']:.1f} с"
        if env["seed_seconds"] is not None
        else "Заполнение базы: пропущено (база уже заполнена)",
    ]
    lines += [f"Примечание: {note}" for note in result["notes"]]
    lines += [
        "",
        f"Страницы (пользователь {result['username']}, запросов на страницу: {result['repeat']}; "
        f"цели: ≤ {PAGE_MAX_QUERIES} запросов, медиана ≤ {PAGE_MAX_MEDIAN_MS:.0f} мс, "
        f"p95 ≤ {PAGE_MAX_P95_MS:.0f} мс, ≤ {PAGE_MAX_ADMIN_RATIO} от админки):",
        f"  {'страница':40} {'код':>4} {'запр.':>5} {'медиана':>8} {'p95':>6} {'SQL':>6} "
        f"{'админка':>8} {'доля':>5}  цели",
    ]
    for page in result["pages"]:
        key = page["key"]
        missed = [
            what
            for what in ("status", "queries", "median ms", "p95 ms", "admin ratio")
            if not checks[f"{key}: {what}"]["met"]
        ]
        ratio = page.get("admin_ratio")
        lines.append(
            f"  {page['label'][:40]:40} {page['status']:>4} {page['queries']:>5} "
            f"{_ms(page['median_ms']):>8} {_ms(page['p95_ms']):>6} {_ms(page['sql_ms']):>6} "
            f"{_ms(page.get('admin_median_ms')):>8} "
            f"{'—' if ratio is None else f'{ratio:.2f}':>5}  "
            + ("ok" if not missed else "НЕТ: " + ", ".join(missed))
        )
        if page["note"]:
            lines.append(f"      ({page['note']})")
    lines += ["", "Админка (те же строки; время в мс):"]
    for page in result["admin"]:
        if page["username"]:
            lines.append(
                f"  {page['label'][:40]:40} {page['status']:>4} {page['queries']:>5} "
                f"{_ms(page['median_ms']):>8} {_ms(page['p95_ms']):>6} {_ms(page['sql_ms']):>6}"
                f"  {page['url']}"
            )
    jobs = result["jobs"]
    lines += [
        "",
        f"Выборки по всей структурной единице за месяц (цель ≤ {RULE_MAX_SECONDS:.0f} с):",
    ]
    for rule in jobs["rules"]:
        met = checks[f"rule {rule['rule']}: seconds"]["met"]
        lines.append(
            f"  {rule['label'][:40]:40} {rule['seconds']:7.2f} с  лидов {rule['leads']:>7,}  "
            f"{rule['period'][0]}…{rule['period'][1]}  {_mark(met)}"
        )
    leads = jobs["leads"]
    if leads:
        check = checks.get("leads: seconds")
        verdict = _mark(check["met"]) if check else "не проверяется (меньше 5 000 лидов)"
        lines += [
            "",
            f"Создание рабочих листов: {leads['leads']:,} лидов за {leads['seconds']:.2f} с "
            f"(новых листов {leads['created']:,}, задач в имеющиеся {leads['added']:,}, "
            f"пропущено {leads['skipped']:,}; изменения отменены); цель 5 000 ≤ "
            f"{LEADS_MAX_SECONDS:.0f} с: {verdict}",
        ]
    importer = jobs["importer"]
    met = checks["importer: ratio to openpyxl"]["met"]
    lines += [
        "",
        f"Импорт файла {importer['rows']:,} строк ({importer['file_bytes'] / 1024 / 1024:.1f} МБ):",
        f"  openpyxl, чтение read-only: {importer['openpyxl_seconds']:.2f} с, "
        f"{importer['openpyxl_rows_per_second']:,.0f} строк/с",
        f"  import_leads --dry-run:     {importer['import_leads_seconds']:.2f} с, "
        f"{importer['import_leads_rows_per_second']:,.0f} строк/с",
        f"  отношение скоростей: {importer['ratio']:.2f} (цель ≥ {IMPORTER_MIN_RATIO:.1f}): "
        f"{_mark(met)}",
    ]
    if result.get("compare"):
        lines += ["", f"Рост медианы против {result['compare_file']} (цель ≤ {GROWTH_MAX_RATIO}×):"]
        for row in result["compare"]:
            lines.append(
                f"  {row['key']:40} {_ms(row['before_ms']):>6} → {_ms(row['now_ms']):>6} мс  "
                f"{row['growth']:.2f}×  {_mark(row['met'])}"
            )
    missed = [check["name"] for check in result["targets"] if not check["met"]]
    lines += ["", f"Целей не достигнуто: {len(missed)} из {len(result['targets'])}."]
    return lines
