"""Two managers at the same moment, with two real database connections (PostgreSQL).

SQLite lets one writer in at a time, so the races below cannot happen there; the PostgreSQL run
of CI is where they are proved.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from tasks import services
from tasks.models import Task
from tests.factories import TaskFactory, make_employee

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writer at a time; the PostgreSQL run of CI checks the races",
    ),
    pytest.mark.django_db(transaction=True),
]


def run_together(*jobs):
    """Run each job in its own thread (its own connection), released at the same instant."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def runner(index, job):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = job()
        except Exception as error:  # the outcome of a job is what it raised, too
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def colleagues(service_a):
    return [
        make_employee(name, role="Менеджер", branches=[service_a.branch], departments=[service_a])
        for name in ("first", "second")
    ]


def test_two_managers_saving_one_unassigned_task_one_wins(service_a, colleagues):
    task = TaskFactory(worksheet__department=service_a)

    def save_as(user, outcome):
        def job():
            fresh = Task.objects.select_related("worksheet").get(pk=task.pk)
            return services.task_save_result(
                task=fresh,
                user=user,
                version=0,
                result=services.TaskResult(outcome=outcome, comment=user.username),
            )

        return job

    outcomes = run_together(save_as(colleagues[0], "no_answer"), save_as(colleagues[1], "refused"))

    conflicts = [o for o in outcomes if isinstance(o, services.TaskConflict)]
    wins = [o for o in outcomes if isinstance(o, Task)]
    assert len(wins) == 1 and len(conflicts) == 1
    assert "Задачу уже взял в работу" in str(conflicts[0])
    task.refresh_from_db()
    assert task.executor == wins[0].executor and task.comment == wins[0].executor.username
    assert task.history.filter(outcome__in=["no_answer", "refused"]).count() == 1


def test_two_managers_pressing_next_task_get_different_tasks(service_a, colleagues):
    soon = timezone.now() + dt.timedelta(minutes=5)
    tasks = [TaskFactory(worksheet__department=service_a, planned_at=soon) for _ in range(2)]

    outcomes = run_together(
        *[lambda user=user: services.task_take_next(user=user) for user in colleagues]
    )

    assert all(isinstance(o, Task) for o in outcomes), outcomes
    assert {o.pk for o in outcomes} == {t.pk for t in tasks}
    assert {Task.objects.get(pk=o.pk).executor_id for o in outcomes} == {u.pk for u in colleagues}


def test_next_task_with_one_task_left_goes_to_one_manager(service_a, colleagues):
    task = TaskFactory(worksheet__department=service_a)

    outcomes = run_together(
        *[lambda user=user: services.task_take_next(user=user) for user in colleagues]
    )

    taken = [o for o in outcomes if isinstance(o, Task)]
    assert len(taken) == 1 and outcomes.count(None) == 1
    assert Task.objects.get(pk=task.pk).executor_id == taken[0].executor_id
