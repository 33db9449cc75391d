"""Time «Аналитика» against whatever DATABASE_URL holds (seed_demo --size M for the README's
figures): the tab for this month and this year, as a manager and as a head.

    DEBUG=1 DATABASE_URL=postgres://… python manage.py bench_analytics --user manager1 --user head1
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings

PERIODS = {"месяц": {"period": "month"}, "год": {"period": "year"}}


class Command(BaseCommand):
    help = "Медиана времени вкладки «Аналитика» за месяц и за год для указанных пользователей."

    def add_arguments(self, parser):
        parser.add_argument("--user", action="append", dest="users", default=[])
        parser.add_argument("--repeat", type=int, default=20)

    @override_settings(ALLOWED_HOSTS=["testserver"])
    def handle(self, *args, users, repeat, **options):
        User = get_user_model()
        for username in users or ["manager1", "head1"]:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"Нет пользователя «{username}».")
            http = HttpClient()
            http.force_login(user)
            for label, params in PERIODS.items():
                timings = []
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        response = http.get("/analytics/", params)
                        timings.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise CommandError(f"/analytics/ ответила {response.status_code}")
                self.stdout.write(
                    f"{username:10} {label:6} медиана {statistics.median(timings) * 1000:7.0f} мс, "
                    f"худшее {max(timings) * 1000:7.0f} мс, запросов {len(captured.captured_queries)}"
                )
