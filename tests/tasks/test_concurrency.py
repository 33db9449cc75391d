"""Two managers at the same moment, with two real database connections.

On PostgreSQL the two transactions really overlap (row locks, SKIP LOCKED); on SQLite (a file:
tests/settings.py) the second writer waits for the first to commit. Either way the outcome must
be the same: one winner, no duplicate, a clear message for the other.
"""

import datetime as dt
import threading

import pytest
from django.db import connections, transaction
from django.utils import timezone

from tasks import services
from tasks.models import ServiceRequest, Task, TaskType
from tests.factories import TaskFactory, make_employee
from worksheets.models import Worksheet

pytestmark = pytest.mark.django_db(transaction=True)


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


def test_a_double_click_saves_one_result_and_one_service_request(service_a, colleagues):
    task = TaskFactory(worksheet__department=service_a)
    booking = services.ServiceBooking(
        workshop=None,
        desired_at=timezone.now() + dt.timedelta(days=2),
        requested_works="ТО-2",
        purchase_option=None,
        comment="",
    )

    def submit():
        fresh = Task.objects.select_related("worksheet").get(pk=task.pk)
        return services.task_save_result(
            task=fresh,
            user=colleagues[0],
            version=0,
            result=services.TaskResult(outcome="interview"),
            booking=booking,
        )

    outcomes = run_together(submit, submit)

    assert sum(isinstance(o, Task) for o in outcomes) == 1
    assert sum(isinstance(o, services.TaskConflict) for o in outcomes) == 1
    assert ServiceRequest.objects.filter(task=task).count() == 1


def test_two_managers_involving_one_department_at_once(service_a, sales_a, colleagues):
    first = TaskFactory(worksheet__department=service_a, vehicle=None)
    second = TaskFactory(
        worksheet=first.worksheet, vehicle=None, task_type=TaskType.objects.get(code="repeat_call")
    )
    involvement = services.Involvement(
        department=sales_a,
        task_type=TaskType.objects.get(code="other_department"),
        planned_at=timezone.now() + dt.timedelta(days=1),
        comment="Интересуется новым автомобилем",
    )

    def involve(task, user):
        def job():
            with transaction.atomic():
                fresh = Task.objects.select_related("worksheet__department").get(pk=task.pk)
                return services.task_involve_executor(
                    task=fresh, user=user, involvement=involvement
                )

        return job

    outcomes = run_together(involve(first, colleagues[0]), involve(second, colleagues[1]))

    # One worksheet in the department, one unfinished task of the type; the other manager is
    # told so instead of a server error.
    assert Worksheet.objects.filter(client=first.worksheet.client, department=sales_a).count() == 1
    assert sum(isinstance(o, Task) for o in outcomes) == 1
    problems = [o for o in outcomes if isinstance(o, services.TaskPlanError)]
    assert len(problems) == 1 and "уже есть" in str(problems[0])
