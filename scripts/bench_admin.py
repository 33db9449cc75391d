"""Time the admin's big changelists and searches against whatever DATABASE_URL holds
(seed_demo --size M for the figures in the closing notes), as a department head and as the
superuser, with their query counts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench python scripts/bench_admin.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_workstation.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PAGES = [
    "/admin/",
    "/admin/tasks/task/",
    "/admin/tasks/task/?q=ЗД-000123",
    "/admin/worksheets/worksheet/",
    "/admin/tasks/servicerequest/",
    "/admin/client_history/client/?q=Смирнов",
    "/admin/client_history/client/?q=8 916 123 45 67",
    "/admin/client_history/vehicle/",
    "/admin/client_history/repairorder/",
    "/admin/client_history/repairorder/?q=ЗН00012345",
    "/admin/client_history/recommendation/",
    "/admin/autocomplete/?app_label=worksheets&model_name=worksheet&field_name=client&term=смир",
]


def main() -> None:
    for username in ("head1", "admin"):
        http = HttpClient()
        http.force_login(User.objects.get(username=username))
        for url in PAGES:
            timings = []
            for _ in range(3):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = http.get(url)
                    timings.append(time.perf_counter() - started)
            median = statistics.median(timings) * 1000
            print(
                f"{username:6} {url:72} {response.status_code} {median:7.0f} ms {len(captured):3d} q"
            )


if __name__ == "__main__":
    main()
