"""Task.department: the worksheet's department kept on the task on every way a task is made or
moved, since scoping, «Этапы сделок», «Мои задачи» and «Аналитика» read it instead of the
worksheet's."""

import pytest
from django.db.models import F

from tasks.models import Task
from tests.factories import TaskFactory, VehicleFactory, WorksheetFactory

pytestmark = pytest.mark.django_db


def _out_of_step() -> list[int]:
    return list(
        Task.objects.exclude(department=F("worksheet__department")).values_list("pk", flat=True)
    )


def test_a_new_task_takes_its_worksheets_department(service_a):
    task = TaskFactory(worksheet=WorksheetFactory(department=service_a))
    assert task.department_id == service_a.pk
    assert Task.objects.get(pk=task.pk).department_id == service_a.pk


def test_a_task_given_only_the_worksheets_id_reads_its_department(service_a, manager_a):
    worksheet = WorksheetFactory(department=service_a)
    task = TaskFactory.build(worksheet=None, worksheet_id=worksheet.pk, created_by=manager_a)
    task.save()
    assert task.department_id == service_a.pk


def test_a_task_moved_to_a_worksheet_of_another_department_follows_it(service_a, sales_a):
    task = TaskFactory(worksheet=WorksheetFactory(department=service_a))
    loaded = Task.objects.get(pk=task.pk)
    loaded.worksheet = WorksheetFactory(department=sales_a)
    loaded.save()
    assert Task.objects.get(pk=task.pk).department_id == sales_a.pk

    # A save of chosen fields writes the department too when the worksheet is among them.
    again = Task.objects.get(pk=task.pk)
    again.worksheet_id = WorksheetFactory(department=service_a).pk
    again.save(update_fields=["worksheet"])
    assert Task.objects.get(pk=task.pk).department_id == service_a.pk
    assert _out_of_step() == []


def test_a_save_that_keeps_the_worksheet_reads_nothing_more(service_a, django_assert_num_queries):
    task = Task.objects.get(pk=TaskFactory(worksheet=WorksheetFactory(department=service_a)).pk)
    task.goal = "Пригласить на ТО-2"
    with django_assert_num_queries(2):  # the UPDATE and its history record, no SELECT
        task.save(update_fields=["goal"])


def test_a_worksheet_moved_to_another_department_takes_its_tasks(service_a, sales_a):
    worksheet = WorksheetFactory(department=service_a)
    tasks = [TaskFactory(worksheet=worksheet, vehicle=VehicleFactory()) for _ in range(2)]
    other = TaskFactory(worksheet=WorksheetFactory(department=service_a))

    loaded = type(worksheet).objects.get(pk=worksheet.pk)
    loaded.department = sales_a
    loaded.save()

    assert {Task.objects.get(pk=t.pk).department_id for t in tasks} == {sales_a.pk}
    assert Task.objects.get(pk=other.pk).department_id == service_a.pk
    assert _out_of_step() == []


def test_the_department_scopes_what_a_user_sees(service_a, service_b, manager_a):
    mine = TaskFactory(worksheet=WorksheetFactory(department=service_a))
    TaskFactory(worksheet=WorksheetFactory(department=service_b))
    assert list(Task.objects.visible_to(manager_a)) == [mine]
