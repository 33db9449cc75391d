"""РЛ- and ЗД- numbers are links wherever they appear: a task number opens the task window, a
worksheet number the worksheet window. The history honours `?worksheet=<id>` and `?task=<number>`
as real filters."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import Task, TaskType
from tests.factories import ClientFactory, TaskFactory, VehicleFactory, WorksheetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_with_two_worksheets(branch_a, service_a, sales_a):
    """One client, a worksheet in A's service and one in A's sales, a task on each."""
    client = ClientFactory(name="Смирнова Алёна", home_branch=branch_a)
    vehicle = VehicleFactory(owner=client)
    service = WorksheetFactory(department=service_a, client=client)
    sales = WorksheetFactory(department=sales_a, client=client)
    call = TaskType.objects.get(code="maintenance_call")
    soon = timezone.now() + dt.timedelta(days=1)
    service_task = TaskFactory(worksheet=service, vehicle=vehicle, task_type=call, planned_at=soon)
    sales_task = TaskFactory(worksheet=sales, vehicle=vehicle, task_type=call, planned_at=soon)
    return client, vehicle, service, sales, service_task, sales_task


def _history(client) -> str:
    return reverse("client_history:client_history", args=[client.pk])


def _tasks(response) -> list[str]:
    return [task.number for task in response.context["tasks_page"].object_list]


def test_card_links_each_worksheet_number_to_its_window(client_head_a, client_with_two_worksheets):
    client, _, service, sales, *_ = client_with_two_worksheets
    html = client_head_a.get(reverse("client_history:client_card", args=[client.pk])).content
    html = html.decode()
    for worksheet in (service, sales):
        link = f'href="{reverse("worksheets:worksheet_window", args=[worksheet.pk])}"'
        assert link in html
        assert f">{worksheet.number}</a>" in html


def test_history_links_each_task_number_to_the_task_window(
    client_head_a, client_with_two_worksheets
):
    client, *_, service_task, sales_task = client_with_two_worksheets
    html = client_head_a.get(_history(client)).content.decode()
    for task in (service_task, sales_task):
        assert f'<a href="{reverse("tasks:task_window", args=[task.pk])}">{task.number}</a>' in html


def test_history_filtered_to_a_worksheet_lists_its_tasks_only(
    client_head_a, client_with_two_worksheets
):
    client, _, service, _, service_task, sales_task = client_with_two_worksheets
    assert sorted(_tasks(client_head_a.get(_history(client)))) == sorted(
        [service_task.number, sales_task.number]
    )

    response = client_head_a.get(_history(client), {"worksheet": service.pk})

    assert _tasks(response) == [service_task.number]
    html = response.content.decode()
    assert f"Показаны задачи рабочего листа {service.number}." in html
    assert f'<a href="{_history(client)}">Показать все задачи</a>' in html


def test_history_filtered_to_a_task_number_lists_that_task(
    client_head_a, client_with_two_worksheets
):
    client, *_, sales_task = client_with_two_worksheets
    for typed in (sales_task.number, sales_task.number.lower(), f"  {sales_task.number} "):
        response = client_head_a.get(_history(client), {"task": typed})
        assert _tasks(response) == [sales_task.number], typed
    assert f"Показана задача {sales_task.number}." in response.content.decode()


def test_vehicle_history_honours_the_worksheet_filter(client_head_a, client_with_two_worksheets):
    _, vehicle, _, sales, _, sales_task = client_with_two_worksheets
    url = reverse("client_history:vehicle_history", args=[vehicle.pk])
    assert _tasks(client_head_a.get(url, {"worksheet": sales.pk})) == [sales_task.number]


def test_the_filter_holds_when_htmx_pages_through_the_tasks(
    client_head_a, client_with_two_worksheets
):
    client, _, service, _, service_task, _ = client_with_two_worksheets
    response = client_head_a.get(
        _history(client),
        {"worksheet": service.pk, "tasks_page": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="tasks",
    )
    assert _tasks(response) == [service_task.number]
    assert "<html" not in response.content.decode()


def test_a_worksheet_the_user_does_not_see_filters_to_nothing(
    client_manager_a, client_with_two_worksheets, service_b
):
    # manager_a works in A's service only: the sales worksheet is not theirs, nor B's one.
    client, _, _, sales, *_ = client_with_two_worksheets
    foreign = WorksheetFactory(department=service_b, client=client)
    TaskFactory(worksheet=foreign)
    for worksheet in (sales, foreign):
        response = client_manager_a.get(_history(client), {"worksheet": worksheet.pk})
        assert response.status_code == 200
        assert _tasks(response) == []
        html = response.content.decode()
        assert "Рабочий лист не найден среди ваших." in html
        assert worksheet.number not in html


@pytest.mark.parametrize(
    "params",
    [
        {"worksheet": "abc"},
        {"worksheet": "-1"},
        {"worksheet": "9" * 40},
        {"worksheet": "²"},
        {"task": "\x00"},
        {"task": "ЗД-" + "9" * 500},
        {"worksheet": "", "task": ""},
    ],
)
def test_odd_filters_never_fail(client_head_a, client_with_two_worksheets, params):
    client, *_ = client_with_two_worksheets
    assert client_head_a.get(_history(client), params).status_code == 200


def test_my_tasks_links_the_worksheet_number_to_its_window(client_manager_a, manager_a, service_a):
    worksheet = WorksheetFactory(department=service_a)
    TaskFactory(
        worksheet=worksheet,
        vehicle=VehicleFactory(owner=worksheet.client),
        executor=manager_a,
        status=Task.Status.IN_WORK,
        taken_at=timezone.now(),
        planned_at=timezone.now() + dt.timedelta(hours=2),
    )
    html = client_manager_a.get(reverse("tasks:my_tasks")).content.decode()
    link = reverse("worksheets:worksheet_window", args=[worksheet.pk])
    assert f'href="{link}">{worksheet.number}</a>' in html
