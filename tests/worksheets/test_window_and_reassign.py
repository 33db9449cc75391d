"""The worksheet window (SPEC §5.3) and a department head's reassignment (§5.3.9)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import Task, TaskType
from tests.factories import TaskFactory, VehicleFactory, WorksheetFactory, make_employee
from worksheets.models import Worksheet

pytestmark = pytest.mark.django_db
REASSIGN = reverse("tasks:tasks_reassign")


def _new_tasks(worksheet, count):
    tasks = []
    for n in range(count):
        task_type = TaskType.objects.create(
            name=f"Звонок {worksheet.pk}-{n}", code=f"c{worksheet.pk}-{n}"
        )
        tasks.append(TaskFactory(worksheet=worksheet, task_type=task_type))
    return tasks


@pytest.fixture
def caller(branch_a, service_a):
    return make_employee("caller_a", role="Менеджер", branches=[branch_a], departments=[service_a])


def test_a_head_reassigns_several_tasks_at_once_with_history(
    client_head_a, head_a, caller, service_a
):
    tasks = _new_tasks(WorksheetFactory(department=service_a), 3)

    response = client_head_a.post(
        REASSIGN, {"executor": caller.pk, "task": [t.pk for t in tasks], "next": "/stages/"}
    )

    assert response.status_code == 302 and response["Location"] == "/stages/"
    for task in tasks:
        task.refresh_from_db()
        assert task.executor == caller
        assert task.version == 1  # a result form opened before the change is refused
        record = task.history.latest()
        assert record.executor_id == caller.pk and record.history_user == head_a
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Передано задач: 3" in m for m in messages)


def test_a_manager_may_not_reassign(client_manager_a, caller, service_a):
    task = _new_tasks(WorksheetFactory(department=service_a), 1)[0]

    response = client_manager_a.post(REASSIGN, {"executor": caller.pk, "task": [task.pk]})

    assert response.status_code == 403
    task.refresh_from_db()
    assert task.executor is None


def test_reassignment_stays_within_the_heads_departments(
    client_head_a, head_a, caller, service_a, service_b, branch_b
):
    outsider = make_employee(
        "outsider_b", role="Менеджер", branches=[branch_b], departments=[service_b]
    )
    theirs = _new_tasks(WorksheetFactory(department=service_b), 1)[0]
    mine = _new_tasks(WorksheetFactory(department=service_a), 1)[0]

    # Another branch's task is not a choice, and another branch's employee is not either.
    response = client_head_a.post(REASSIGN, {"executor": caller.pk, "task": [theirs.pk, mine.pk]})
    assert response.status_code == 302
    response = client_head_a.post(REASSIGN, {"executor": outsider.pk, "task": [mine.pk]})
    assert response.status_code == 302
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.executor is None
    assert mine.executor is None


def test_finished_tasks_and_other_departments_of_the_executor_are_skipped(
    client_head_a, head_a, caller, service_a, sales_a
):
    # The caller works in the service only: a sales task is not given to them.
    service_task = _new_tasks(WorksheetFactory(department=service_a), 1)[0]
    sales_task = _new_tasks(WorksheetFactory(department=sales_a), 1)[0]
    done = TaskFactory(
        worksheet=service_task.worksheet,
        task_type=TaskType.objects.create(name="Готово", code="done-x"),
        status=Task.Status.DONE,
        executor=head_a,
        taken_at=timezone.now(),
        finished_at=timezone.now(),
        outcome="no_answer",
    )

    client_head_a.post(
        REASSIGN, {"executor": caller.pk, "task": [service_task.pk, sales_task.pk, done.pk]}
    )

    for task in (service_task, sales_task, done):
        task.refresh_from_db()
    assert service_task.executor == caller
    assert sales_task.executor is None
    assert done.executor == head_a


def test_put_all_reassigns_the_whole_filtered_section(client_head_a, caller, service_a, sales_a):
    listed = [WorksheetFactory(department=service_a) for _ in range(30)]  # more than a page
    tasks = [t for w in listed for t in _new_tasks(w, 1)]
    other = _new_tasks(WorksheetFactory(department=sales_a), 1)[0]

    response = client_head_a.post(
        REASSIGN,
        {"executor": caller.pk, "everything": "on", "stage": "new", "department": service_a.pk},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200 and response["HX-Redirect"] == "/stages/"
    assert Task.objects.filter(pk__in=[t.pk for t in tasks], executor=caller).count() == 30
    other.refresh_from_db()
    assert other.executor is None


def test_reassignment_without_a_choice_says_what_is_missing(client_head_a, service_a):
    response = client_head_a.post(REASSIGN, {}, headers={"HX-Request": "true"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Выберите сотрудника, которому передать задачи." in html
    assert "Отметьте задачи или рабочие листы" in html


def test_a_head_changes_the_responsible_and_a_manager_cannot(
    client_head_a, client_manager_a, head_a, caller, service_a
):
    worksheet = WorksheetFactory(department=service_a)
    url = reverse("worksheets:worksheet_set_responsible", args=[worksheet.pk])

    client_manager_a.post(url, {"responsible": caller.pk})
    worksheet.refresh_from_db()
    assert worksheet.responsible is None

    client_head_a.post(url, {"responsible": caller.pk})
    worksheet.refresh_from_db()
    assert worksheet.responsible == caller
    assert worksheet.history.latest().history_user == head_a

    response = client_head_a.post(url, {"responsible": "999999"})
    assert response.status_code == 400
    assert "Этот сотрудник не работает в ЦФО рабочего листа." in response.content.decode()


def test_the_window_shows_its_parts(client_head_a, head_a, service_a, sales_a):
    worksheet = WorksheetFactory(department=service_a, initiator=head_a, responsible=head_a)
    vehicle = VehicleFactory(owner=worksheet.client)
    task = TaskFactory(worksheet=worksheet, vehicle=vehicle)
    involved = WorksheetFactory(department=sales_a, client=worksheet.client)
    TaskFactory(worksheet=involved, involved_from=task, executor=head_a)

    response = client_head_a.get(reverse("worksheets:worksheet_window", args=[worksheet.pk]))

    html = response.content.decode()
    for text in (
        worksheet.number,
        worksheet.department.branch.name,
        worksheet.purpose.name,
        task.number,
        involved.number,
        "Привлечённые исполнители",
        "Заявки на обслуживание",
        "Ответственный исполнитель",
        "Привлечь исполнителя",
    ):
        assert text in html, text
    assert reverse("worksheets:worksheet_window", args=[involved.pk]) in html
    assert reverse("client_history:vehicle_card", args=[vehicle.pk]) in html
    assert reverse("client_history:client_history", args=[worksheet.client_id]) in html
    assert 'name="task"' in html  # a head ticks tasks to reassign


def test_involving_another_department_from_the_window(client_manager_a, service_a, sales_a):
    worksheet = WorksheetFactory(department=service_a)
    source = TaskFactory(worksheet=worksheet)
    url = reverse("tasks:worksheet_involve", args=[worksheet.pk])
    data = {
        "involve-department": sales_a.pk,
        "involve-task_type": TaskType.objects.get(code="maintenance_call").pk,
        "involve-planned_at": (timezone.localtime() + dt.timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "involve-comment": "Предложить новый автомобиль",
    }

    response = client_manager_a.post(url, data)
    again = client_manager_a.post(url, data)  # a double submit adds nothing

    assert response.status_code == 302
    sales = Worksheet.objects.get(client=worksheet.client, department=sales_a)
    assert sales.source == Worksheet.Source.INVOLVEMENT
    task = sales.tasks.get()
    assert task.involved_from == source and task.goal == "Предложить новый автомобиль"
    assert again.status_code == 400
    assert "Незавершённая задача этого вида" in again.content.decode()

    bad = client_manager_a.post(url, {**data, "involve-department": service_a.pk})
    assert bad.status_code == 400
    assert "Выберите корректный вариант" in bad.content.decode()


@pytest.mark.parametrize("rows", [1, 50])
def test_the_window_query_count_does_not_grow_with_rows(
    rows, client_head_a, service_a, django_assert_max_num_queries
):
    worksheet = WorksheetFactory(department=service_a)
    for n in range(rows):
        task_type = TaskType.objects.create(name=f"Вид {n}", code=f"w{n}")
        TaskFactory(
            worksheet=worksheet, task_type=task_type, vehicle=VehicleFactory(owner=worksheet.client)
        )
    url = reverse("worksheets:worksheet_window", args=[worksheet.pk])
    with django_assert_max_num_queries(18):
        assert client_head_a.get(url).status_code == 200
