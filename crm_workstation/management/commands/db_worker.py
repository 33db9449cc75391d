"""`manage.py db_worker`: django-tasks-db's background worker, made to outlive a database outage.

Its own worker exits on the first OperationalError that is not a locked SQLite file: a database
restart would stop the background jobs (large importer files) until somebody restarts the
worker. This one logs a warning, waits and asks again, so the jobs carry on by themselves once
the database is back, as the app servers do. Options are django-tasks-db's.
"""

import logging
import os
import time

from django.core.management.base import CommandError
from django.db import connections
from django.db.utils import OperationalError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from crm_workstation.middleware import database_unavailable

logger = logging.getLogger(__name__)
RETRY_SECONDS = 5


class OutageTolerantWorker(db_worker.Worker):
    retry_seconds = RETRY_SECONDS

    def run(self) -> None:
        while self.running:
            try:
                return super().run()
            except OperationalError as error:
                if not database_unavailable(error):
                    raise
                logger.warning(
                    "database unavailable, the worker asks again in %s s: %s",
                    self.retry_seconds,
                    error,
                )
                # Broken connections are dropped; the next loop opens new ones.
                connections.close_all()
                time.sleep(self.retry_seconds)
        return None


class Command(db_worker.Command):
    help = db_worker.Command.help + " (waits out a database outage)"

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        # django-tasks-db's handle(), with the worker above.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be specified together: no autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = OutageTolerantWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
