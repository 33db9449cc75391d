"""«Следующая задача»: the most urgent task available to the user, made theirs."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks import services
from tasks.models import Task
from tests.factories import TaskFactory, make_employee

pytestmark = pytest.mark.django_db


def at(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def test_overdue_comes_first_then_by_planned_time(service_a, manager_a):
    TaskFactory(worksheet__department=service_a, planned_at=at(5))
    overdue = TaskFactory(worksheet__department=service_a, planned_at=at(-30))
    TaskFactory(worksheet__department=service_a, planned_at=at(1))

    taken = services.task_take_next(user=manager_a)

    assert taken == overdue and Task.objects.get(pk=overdue.pk).executor == manager_a


def test_never_takes_a_colleagues_task_nor_another_departments(service_a, sales_a, manager_a):
    colleague = make_employee(
        "colleague", role="Менеджер", branches=[service_a.branch], departments=[service_a]
    )
    TaskFactory(worksheet__department=service_a, executor=colleague, planned_at=at(-3))
    TaskFactory(worksheet__department=sales_a, planned_at=at(-2))
    mine = TaskFactory(worksheet__department=service_a, planned_at=at(2))

    assert services.task_take_next(user=manager_a) == mine


def test_a_task_assigned_to_the_user_is_offered_as_it_is(service_a, manager_a):
    assigned = TaskFactory(worksheet__department=service_a, executor=manager_a, planned_at=at(-1))

    assert services.task_take_next(user=manager_a) == assigned


def test_nothing_left_says_so(client_manager_a, manager_a):
    response = client_manager_a.post(reverse("tasks:next_task"), follow=True)

    assert "Доступных задач больше нет." in response.content.decode()


def test_the_button_opens_the_task_window(client_manager_a, service_a, manager_a):
    task = TaskFactory(worksheet__department=service_a)

    response = client_manager_a.post(reverse("tasks:next_task"))

    assert response.url == reverse("tasks:task_window", args=[task.pk])


def test_taking_is_in_the_history(service_a, manager_a):
    task = TaskFactory(worksheet__department=service_a)

    services.task_take_next(user=manager_a)

    newest = task.history.first()
    assert newest.executor_id == manager_a.pk and newest.history_user_id == manager_a.pk


def test_next_task_answers_only_post(client_manager_a):
    assert client_manager_a.get(reverse("tasks:next_task")).status_code == 405
