"""manage.py bench: a smoke run at size S on the suite's database server (its own database,
created and dropped), and the pure parts (percentile, targets, growth)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from demo.bench import report
from demo.bench.pages import percentile

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "stages_new",
    "stages_in_work",
    "stages_processed",
    "stages_on_control",
    "worksheet_window",
    "task_window",
    "my_tasks_list",
    "my_tasks_notes",
    "client_search",
    "client_card",
    "client_history",
    "selections",
    "selections_batch",
    "analytics_month",
    "analytics_year",
]
# Size S, fewer requests, leads and importer rows: well under a minute.
SMOKE = ["--size", "S", "--json", "--repeat", "2", "--job-repeat", "1", "--leads", "200"]
SMOKE += ["--import-rows", "300", "--verbosity", "0"]
RULES = {
    "maintenance_due",
    "lost_clients",
    "lost_clients_by_workshop",
    "open_recommendations",
    "post_visit",
    "warranty_end",
}


@pytest.mark.django_db
def test_bench_size_s_measures_every_page_and_job_in_a_database_of_its_own():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env.pop("DEBUG", None)  # DEBUG off, with the suite's SECRET_KEY
    done = subprocess.run(
        [sys.executable, "manage.py", "bench", *SMOKE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)

    assert [page["key"] for page in result["pages"]] == PAGES
    for page in [*result["pages"], *(a for a in result["admin"] if a["username"])]:
        assert page["status"] == 200, page
        assert page["queries"] > 0 and page["median_ms"] > 0 and page["p95_ms"] > 0, page
    assert all(page["admin_ratio"] > 0 for page in result["pages"])
    assert {rule["rule"] for rule in result["jobs"]["rules"]} == RULES
    assert result["jobs"]["leads"]["leads"] == 200
    assert result["jobs"]["leads"]["seconds"] > 0
    importer = result["jobs"]["importer"]
    assert importer["import_leads_rows"] == 300 and importer["ratio"] > 0
    assert report.all_finite(result)
    assert result["targets"] and all(isinstance(check["met"], bool) for check in result["targets"])
    database = result["environment"]["database"]
    assert database["vendor"] == connection.vendor and not database["kept"]
    assert result["environment"]["rows"]["clients"] == 2000

    # The bench's database is gone; the suite's own was never its.
    where = database["where"]
    if connection.vendor == "sqlite":
        assert not Path(where).exists()
    else:
        name = where.rsplit("/", 1)[-1]
        assert name.startswith("crm_bench_s_")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
            assert cursor.fetchone()[0] == 0


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 21)]  # 1 … 20

    assert percentile(values, 0.95) == 19.0
    assert percentile(values, 0.5) == 10.0
    assert percentile([3.0, 1.0], 0.95) == 3.0


def page(key: str, **figures) -> dict:
    return {
        "key": key,
        "admin": "admin_x",
        "status": 200,
        "queries": 12,
        "median_ms": 40.0,
        "p95_ms": 80.0,
        **figures,
    }


def result_of(pages: list[dict], *, rule_seconds=0.5, leads=5000, leads_seconds=4.0, ratio=1.2):
    result = {
        "pages": pages,
        "admin": [{"key": "admin_x", "median_ms": 200.0}],
        "jobs": {
            "rules": [{"rule": "post_visit", "seconds": rule_seconds}],
            "leads": {"leads": leads, "seconds": leads_seconds},
            "importer": {"ratio": ratio},
        },
    }
    report.add_ratios(result)
    return result


def missed(result: dict) -> list[str]:
    return [check["name"] for check in report.evaluate(result) if not check["met"]]


def test_targets_met_and_missed():
    assert missed(result_of([page("a")])) == []

    slow = page("b", status=404, queries=21, median_ms=151.0, p95_ms=301.0)
    assert missed(result_of([slow], rule_seconds=1.5, leads_seconds=6.0, ratio=0.9)) == [
        "b: status",
        "b: queries",
        "b: median ms",
        "b: p95 ms",
        "b: admin ratio",  # 151 / 200 > 0.4
        "rule post_visit: seconds",
        "leads: seconds",
        "importer: ratio to openpyxl",
    ]


def test_fewer_leads_than_the_target_leave_that_target_unchecked():
    checks = report.evaluate(result_of([page("a")], leads=200, leads_seconds=9.0))

    assert "leads: seconds" not in {check["name"] for check in checks}


def test_compare_gives_each_pages_growth():
    earlier = {"pages": [page("a", median_ms=40.0), page("b", median_ms=50.0)]}
    current = {"pages": [page("a", median_ms=48.0), page("b", median_ms=70.0), page("c")]}

    rows = report.compare(current, earlier)

    assert [(r["key"], round(r["growth"], 2), r["met"]) for r in rows] == [
        ("a", 1.2, True),
        ("b", 1.4, False),
    ]
