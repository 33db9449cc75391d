"""The task rules of SPEC §3 and §4.1, held by the database itself: through the ORM and in raw
SQL alike, so no code path (a bulk update, a management command, a hand-made script) can break
them."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tasks.models import Task
from tests.factories import TaskFactory, VehicleFactory, WorksheetFactory

pytestmark = pytest.mark.django_db


def _raw_update(task: Task, **values) -> None:
    """UPDATE the task's row in plain SQL, around the ORM and its validation."""
    columns = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Task._meta.db_table} SET {columns} WHERE id = %s",
            [*values.values(), task.pk],
        )


def _violates(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_two_unfinished_tasks_of_one_type_without_a_vehicle_are_refused(service_a):
    worksheet = WorksheetFactory(department=service_a)
    TaskFactory(worksheet=worksheet, vehicle=None)

    assert _violates(lambda: TaskFactory(worksheet=worksheet, vehicle=None))


def test_two_unfinished_tasks_of_one_type_for_one_vehicle_are_refused(service_a):
    worksheet = WorksheetFactory(department=service_a)
    vehicle = VehicleFactory(owner=worksheet.client)
    TaskFactory(worksheet=worksheet, vehicle=vehicle)

    assert _violates(lambda: TaskFactory(worksheet=worksheet, vehicle=vehicle))


def test_a_finished_task_does_not_block_a_new_one_of_its_type(service_a, manager_a):
    worksheet = WorksheetFactory(department=service_a)
    TaskFactory(
        worksheet=worksheet,
        vehicle=None,
        status=Task.Status.DONE,
        executor=manager_a,
        outcome=Task.Outcome.NO_ANSWER,
        finished_at=timezone.now(),
    )
    TaskFactory(worksheet=worksheet, vehicle=None, status=Task.Status.CANCELLED)

    TaskFactory(worksheet=worksheet, vehicle=None)
    vehicle = VehicleFactory(owner=worksheet.client)
    TaskFactory(worksheet=worksheet, vehicle=vehicle)  # a car of its own is another task

    assert worksheet.tasks.unfinished().count() == 2


def test_a_second_vehicle_less_unfinished_task_is_refused_in_raw_sql(service_a, manager_a):
    worksheet = WorksheetFactory(department=service_a)
    TaskFactory(worksheet=worksheet, vehicle=None)
    cancelled = TaskFactory(worksheet=worksheet, vehicle=None, status=Task.Status.CANCELLED)

    assert _violates(lambda: _raw_update(cancelled, status="new"))


@pytest.mark.parametrize("status", ["in_work", "on_control", "done"])
def test_a_taken_task_has_an_executor(service_a, manager_a, status):
    task = TaskFactory(
        worksheet__department=service_a,
        status=status,
        executor=manager_a,
        outcome=Task.Outcome.INTERVIEW,
        finished_at=timezone.now() if status == "done" else None,
    )

    assert _violates(lambda: _raw_update(task, executor_id=None))
    assert _violates(
        lambda: TaskFactory(
            worksheet__department=service_a,
            status=status,
            executor=None,
            outcome=Task.Outcome.INTERVIEW,
            finished_at=timezone.now(),
        )
    )


def test_a_done_task_has_an_outcome_and_a_finish_time(service_a, manager_a):
    def done(**overrides):
        values = {
            "worksheet__department": service_a,
            "status": Task.Status.DONE,
            "executor": manager_a,
            "outcome": Task.Outcome.NO_ANSWER,
            "finished_at": timezone.now(),
        }
        return lambda: TaskFactory(**{**values, **overrides})

    assert _violates(done(outcome=""))
    assert _violates(done(finished_at=None))
    assert not _violates(done())


def test_goal_completed_only_on_a_done_task(service_a, manager_a):
    task = TaskFactory(
        worksheet__department=service_a,
        status=Task.Status.IN_WORK,
        executor=manager_a,
        outcome=Task.Outcome.INTERVIEW,
    )

    assert _violates(lambda: _raw_update(task, goal_completed=True))
    task.goal_completed = True
    assert _violates(task.save)


def test_a_new_task_has_no_result(service_a):
    task = TaskFactory(worksheet__department=service_a)

    assert _violates(lambda: _raw_update(task, outcome="no_answer"))
    assert _violates(lambda: _raw_update(task, finished_at=timezone.now()))
    # A new task may already be assigned to somebody: that is not a result.
    assert not _violates(lambda: _raw_update(task, planned_at=timezone.now() + dt.timedelta(1)))


@pytest.mark.parametrize(("field", "value"), [("status", "lost"), ("outcome", "maybe")])
def test_unknown_status_or_outcome_is_refused(service_a, field, value):
    task = TaskFactory(worksheet__department=service_a)

    assert _violates(lambda: _raw_update(task, **{field: value}))
