"""Time the client pages against whatever DATABASE_URL holds (seed_demo --size M for the figures
in the README) and count their queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench python scripts/bench_pages.py

Each page is requested through Django's test client as the superuser (whose scope is the
widest); the median and worst of --repeat runs are printed with the number of queries.
"""

import argparse
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
from django.db.models import Count  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from client_history.models import Client, ClientPhone, Vehicle  # noqa: E402
from tasks.models import Task  # noqa: E402


def measure(http: HttpClient, url: str, repeat: int) -> tuple[float, float, int, int]:
    timings = []
    queries = 0
    status = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = http.get(url)
            timings.append(time.perf_counter() - started)
        queries = len(captured)
        status = response.status_code
    return statistics.median(timings), max(timings), queries, status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--username", default="manager1", help="whose scope the pages use")
    args = parser.parse_args()

    http = HttpClient()
    user = User.objects.filter(username=args.username).first()
    if user is None:
        sys.exit(f"No user {args.username!r}: seed demo data first.")
    http.force_login(user)

    visible = Vehicle.objects.all()
    if not user.is_superuser:
        visible = visible.filter(owner__home_branch__employeeprofile__user=user)
    busiest = (
        visible.annotate(n=Count("repair_orders")).order_by("-n").values("id", "owner_id", "n")[:1]
    )[0]
    client = Client.objects.get(pk=busiest["owner_id"])
    vehicle = Vehicle.objects.get(pk=busiest["id"])
    phone = ClientPhone.objects.filter(client=client).values_list("number", flat=True).first()
    typed_phone = f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}-{phone[10:12]}" if phone else ""
    surname = client.name.split()[0]

    search = reverse("client_history:client_search")
    pages = [
        ("search by surname", f"{search}?q={surname}"),
        ("search by phone 8 (9xx) …", f"{search}?q={typed_phone}"),
        ("search by plate", f"{search}?q={vehicle.plate.lower()}"),
        ("search by VIN tail", f"{search}?q={vehicle.vin[-8:]}"),
        ("client card", reverse("client_history:client_card", args=[client.pk])),
        ("vehicle card", reverse("client_history:vehicle_card", args=[vehicle.pk])),
        ("history (client)", reverse("client_history:client_history", args=[client.pk])),
        ("history (vehicle)", reverse("client_history:vehicle_history", args=[vehicle.pk])),
    ]
    # The task the manager would open next: their department's, unfinished, about a car.
    task = (
        Task.objects.visible_to(user)
        .unfinished()
        .filter(vehicle__isnull=False)
        .order_by("planned_at")
        .first()
    )
    if task is not None:
        window = reverse("tasks:task_window", args=[task.pk])
        pages += [
            ("task window", window),
            ("task window, Интервью chosen", f"{window}?outcome=interview"),
        ]
    stages = reverse("worksheets:stages")
    pages += [
        ("Этапы сделок", stages),
        ("Этапы сделок, Обработаны", f"{stages}?stage=processed"),
    ]
    if task is not None:
        pages.append(
            ("worksheet window", reverse("worksheets:worksheet_window", args=[task.worksheet_id]))
        )
    analytics = reverse("analytics:analytics")
    pages += [
        ("Аналитика, month", f"{analytics}?period=month"),
        ("Аналитика, year", f"{analytics}?period=year"),
        ("Выборки", reverse("selections:selections")),
    ]
    if user.is_staff:
        # The reference a DjangoCRM-style admin UI would give: the same tasks in the admin.
        pages.append(("admin: tasks changelist", reverse("admin:tasks_task_changelist")))
    my_tasks = reverse("tasks:my_tasks")
    pages += [
        ("Мои задачи", my_tasks),
        ("Мои задачи, overdue", f"{my_tasks}?period=overdue"),
        ("reminder count", reverse("tasks:reminder")),
    ]
    print(
        f"database: {connection.vendor}; user: {user.username}; clients: {Client.objects.count():,}; "
        f"busiest vehicle has {busiest['n']} repair orders"
    )
    print(f"{'page':32} {'median ms':>10} {'worst ms':>10} {'queries':>8} {'status':>7}")
    http.get(pages[0][1])  # warm up
    for name, url in pages:
        median, worst, queries, status = measure(http, url, args.repeat)
        print(f"{name:32} {median * 1000:10.1f} {worst * 1000:10.1f} {queries:8d} {status:7d}")


if __name__ == "__main__":
    main()
