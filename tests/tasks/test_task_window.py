"""The task window (SPEC §4.2–4.3): every outcome, every planned action, the status rules,
the safe take and where «Сохранить и закрыть» returns."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from client_history.models import ClientPhone, Vehicle
from tasks.models import InterviewResult, PurchaseOption, ServiceRequest, Task, TaskType
from tests.factories import (
    ClientPhoneFactory,
    TaskFactory,
    VehicleFactory,
    WorkshopFactory,
    make_employee,
)
from worksheets.models import Worksheet

pytestmark = pytest.mark.django_db


def result(name: str) -> InterviewResult:
    return InterviewResult.objects.get(name=name)


BOOKED_DURING_CALL = "Клиент записан на сервис во время звонка"
BOOKED = "Клиент записан на сервис"
CALL_LATER = "Перезвонить позже"  # allows control
NOT_NEEDED = "Не требуется"  # does not


@pytest.fixture
def task(service_a):
    vehicle = VehicleFactory(last_mileage=50_000)
    task = TaskFactory(worksheet__department=service_a, vehicle=vehicle)
    vehicle.owner = task.worksheet.client
    vehicle.save()
    ClientPhoneFactory(client=task.worksheet.client, number="+79161234567", is_primary=True)
    return task


def url(task: Task, **query) -> str:
    base = reverse("tasks:task_window", args=[task.pk])
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


def future(days: int = 1) -> str:
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def save(http, task: Task, **data):
    payload = {"version": Task.objects.get(pk=task.pk).version, "save": "1", **data}
    return http.post(url(task), payload)


# --- the window -------------------------------------------------------------------------


def test_window_shows_the_client_the_goal_and_the_result_form(client_manager_a, task):
    task.worksheet.client.do_not_call = True
    task.worksheet.client.save()

    page = client_manager_a.get(url(task)).content.decode()

    assert task.number in page and task.worksheet.client.name in page
    assert 'href="tel:+79161234567"' in page
    assert "КЛИЕНТУ НЕ ЗВОНИТЬ" in page
    assert "Сохранить и закрыть" in page and "Интервью" in page
    assert reverse("client_history:vehicle_history", args=[task.vehicle.pk]) in page


def test_another_branch_gets_404(client_manager_b, task):
    assert client_manager_b.get(url(task)).status_code == 404
    assert save(client_manager_b, task, outcome="no_answer").status_code == 404
    assert Task.objects.get(pk=task.pk).status == Task.Status.NEW


def test_interview_redraws_the_form_with_its_results(client_manager_a, task):
    response = client_manager_a.get(
        url(task, outcome="interview"), headers={"HX-Request": "true", "HX-Target": "result-fields"}
    )
    page = response.content.decode()

    assert page.lstrip().startswith('<div id="result-fields"')
    assert f"{CALL_LATER} ✓" in page  # results that allow control carry a check mark
    assert f"{NOT_NEEDED} ✓" not in page


def test_booked_during_call_offers_a_request_only_with_the_permission(
    client_manager_a, task, manager_a
):
    chosen = url(task, outcome="interview", interview_result=result(BOOKED_DURING_CALL).pk)
    assert "Добавить заявку на обслуживание" in client_manager_a.get(chosen).content.decode()

    manager_a.groups.first().permissions.remove(
        *manager_a.groups.first().permissions.filter(codename="add_servicerequest")
    )
    manager_a = type(manager_a).objects.get(pk=manager_a.pk)
    client_manager_a.force_login(manager_a)
    page = client_manager_a.get(chosen).content.decode()
    assert "Добавить заявку на обслуживание" not in page
    assert "Привлечь исполнителя" in page


# --- outcomes and the status rules ------------------------------------------------------


def test_first_save_takes_the_task_into_work(client_manager_a, task, manager_a):
    response = save(client_manager_a, task, outcome="no_answer")

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.executor, task.outcome) == ("in_work", manager_a, "no_answer")
    assert task.taken_at is not None and task.finished_at is None


def test_goal_completed_closes_the_task(client_manager_a, task):
    save(
        client_manager_a,
        task,
        outcome="interview",
        interview_result=result(NOT_NEEDED).pk,
        comment="Обслуживается у себя в гараже",
        goal_completed="on",
    )

    task.refresh_from_db()
    assert task.status == "done" and task.goal_completed and task.finished_at is not None


def test_a_result_that_allows_control_puts_the_task_on_control_then_it_closes(
    client_manager_a, task
):
    save(
        client_manager_a,
        task,
        outcome="interview",
        interview_result=result(CALL_LATER).pk,
        comment="Перезвонить после отпуска",
    )
    task.refresh_from_db()
    assert task.status == "on_control"

    page = client_manager_a.get(url(task)).content.decode()
    assert "Перезвонить после отпуска" in page  # the window opens with what was saved

    save(
        client_manager_a,
        task,
        outcome="interview",
        interview_result=result(CALL_LATER).pk,
        comment="Подтвердил запись",
        goal_completed="on",
    )
    task.refresh_from_db()
    assert task.status == "done" and task.goal_completed


def test_other_interview_result_needs_a_comment_and_keeps_the_mileage(client_manager_a, task):
    response = save(
        client_manager_a, task, outcome="interview", interview_result=result(NOT_NEEDED).pk
    )
    assert response.status_code == 200
    assert "Напишите комментарий." in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == "new"

    save(
        client_manager_a,
        task,
        outcome="interview",
        interview_result=result(NOT_NEEDED).pk,
        comment="Продаёт машину",
        reported_mileage="61000",
    )
    vehicle = Vehicle.objects.get(pk=task.vehicle_id)
    assert vehicle.last_mileage == 61000 and vehicle.last_mileage_date == timezone.localdate()


def test_a_lower_mileage_is_accepted_with_a_warning(client_manager_a, task):
    response = save(
        client_manager_a,
        task,
        outcome="interview",
        interview_result=result(NOT_NEEDED).pk,
        comment="Со слов клиента",
        reported_mileage="40000",
    )
    page = client_manager_a.get(response.url).content.decode()

    assert "меньше последнего известного" in page
    assert Vehicle.objects.get(pk=task.vehicle_id).last_mileage == 40000


def test_booked_needs_a_purchase_option_and_a_comment(client_manager_a, task):
    response = save(client_manager_a, task, outcome="interview", interview_result=result(BOOKED).pk)
    page = response.content.decode()
    assert "Выберите вариант приобретения услуг сервиса." in page
    assert "Напишите комментарий." in page

    option = PurchaseOption.objects.first()
    save(
        client_manager_a,
        task,
        outcome="interview",
        interview_result=result(BOOKED).pk,
        purchase_option=option.pk,
        comment="Записан на пятницу",
        goal_completed="on",
    )
    task.refresh_from_db()
    assert task.purchase_option == option and task.status == "done"


@pytest.mark.parametrize("outcome", ["no_answer", "refused"])
def test_no_answer_and_refusal_need_no_comment(client_manager_a, task, outcome):
    assert save(client_manager_a, task, outcome=outcome).status_code == 302
    assert Task.objects.get(pk=task.pk).outcome == outcome


def test_wrong_phone_marks_that_phone_invalid(client_manager_a, task):
    phone = ClientPhone.objects.get(client=task.worksheet.client)
    response = save(client_manager_a, task, outcome="wrong_data", wrong_data="phone")
    assert "Выберите неверный номер." in response.content.decode()

    save(client_manager_a, task, outcome="wrong_data", wrong_data="phone", wrong_phone=phone.pk)
    assert ClientPhone.objects.get(pk=phone.pk).is_invalid


def test_not_this_car_flags_the_vehicle(client_manager_a, task):
    save(client_manager_a, task, outcome="wrong_data", wrong_data="vehicle")

    assert Vehicle.objects.get(pk=task.vehicle_id).needs_data_check


def test_a_phone_of_another_client_cannot_be_marked(client_manager_a, task):
    stranger = ClientPhoneFactory(number="+79035550000")
    response = save(
        client_manager_a, task, outcome="wrong_data", wrong_data="phone", wrong_phone=stranger.pk
    )

    assert response.status_code == 200
    assert not ClientPhone.objects.get(pk=stranger.pk).is_invalid


def test_repeat_copies_the_chosen_result(client_manager_a, task, manager_a):
    earlier = TaskFactory(
        worksheet=task.worksheet,
        task_type=TaskType.objects.get(code="post_visit_call"),
        status="done",
        executor=manager_a,
        outcome="interview",
        interview_result=result(BOOKED),
        purchase_option=PurchaseOption.objects.first(),
        comment="Записан на ТО",
        finished_at=timezone.now(),
    )
    fill = client_manager_a.get(reverse("tasks:fill_candidates", args=[task.pk]))
    assert earlier.number in fill.content.decode()
    page = client_manager_a.get(url(task, outcome="repeat", copied_from=earlier.pk))
    assert "Записан на ТО" in page.content.decode()

    save(client_manager_a, task, outcome="repeat", copied_from=earlier.pk, goal_completed="on")

    task.refresh_from_db()
    assert task.copied_from == earlier
    assert (task.interview_result, task.purchase_option, task.comment) == (
        earlier.interview_result,
        earlier.purchase_option,
        "Записан на ТО",
    )


def test_repeat_without_a_chosen_task_asks_for_it(client_manager_a, task):
    response = save(client_manager_a, task, outcome="repeat")

    assert "Нажмите «Заполнить»" in response.content.decode()


# --- planned actions --------------------------------------------------------------------


def test_planning_a_new_task_closes_this_one_and_follows_it_up(client_manager_a, task, manager_a):
    save(
        client_manager_a,
        task,
        outcome="no_answer",
        **{
            "plan-enabled": "on",
            "plan-task_type": task.task_type_id,
            "plan-planned_at": future(),
            "plan-comment": "Перезвонить утром",
        },
    )

    task.refresh_from_db()
    follow_up = Task.objects.get(previous_task=task)
    assert task.status == "done" and not task.goal_completed
    assert (follow_up.worksheet, follow_up.vehicle, follow_up.executor) == (
        task.worksheet,
        task.vehicle,
        manager_a,
    )
    assert follow_up.status == "new" and follow_up.goal == "Перезвонить утром"


def test_a_new_task_can_go_to_the_department_pool(client_manager_a, task):
    save(
        client_manager_a,
        task,
        outcome="no_answer",
        **{
            "plan-enabled": "on",
            "plan-task_type": task.task_type_id,
            "plan-planned_at": future(),
            "plan-to_pool": "on",
        },
    )

    assert Task.objects.get(previous_task=task).executor is None


def test_a_new_task_in_the_past_is_refused_and_nothing_is_saved(client_manager_a, task):
    response = save(
        client_manager_a,
        task,
        outcome="no_answer",
        **{
            "plan-enabled": "on",
            "plan-task_type": task.task_type_id,
            "plan-planned_at": "2020-01-01T10:00",
        },
    )

    assert "Укажите дату и время в будущем." in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == "new"


def test_the_suggested_date_follows_the_outcome(client_manager_a, task):
    page = client_manager_a.get(url(task, outcome="no_answer")).content.decode()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).strftime("%Y-%m-%d")

    assert f'value="{tomorrow}T10:00"' in page


def test_involving_another_department_creates_its_worksheet_and_task(
    client_manager_a, task, sales_a
):
    seller = make_employee(
        "seller", role="Менеджер", branches=[sales_a.branch], departments=[sales_a]
    )
    save(
        client_manager_a,
        task,
        outcome="interview",
        interview_result=result(BOOKED_DURING_CALL).pk,
        **{
            "involve-enabled": "on",
            "involve-department": sales_a.pk,
            "involve-executor": seller.pk,
            "involve-task_type": TaskType.objects.get(code="other_department").pk,
            "involve-planned_at": future(2),
            "involve-comment": "Интересуется новым авто",
        },
    )

    involved = Task.objects.get(involved_from=task)
    worksheet = involved.worksheet
    assert worksheet.department == sales_a and worksheet.client == task.worksheet.client
    assert worksheet.source == Worksheet.Source.INVOLVEMENT
    assert involved.executor == seller


def test_involving_reuses_the_clients_worksheet_there(client_manager_a, task, sales_a):
    existing = Worksheet.objects.create(
        client=task.worksheet.client, department=sales_a, purpose=task.worksheet.purpose
    )
    save(
        client_manager_a,
        task,
        outcome="no_answer",
        **{
            "involve-enabled": "on",
            "involve-department": sales_a.pk,
            "involve-task_type": TaskType.objects.get(code="other_department").pk,
            "involve-planned_at": future(2),
            "involve-comment": "Прошу связаться",
        },
    )

    assert Task.objects.get(involved_from=task).worksheet == existing
    assert Worksheet.objects.filter(client=task.worksheet.client).count() == 2


def test_involving_refuses_a_department_of_another_branch(client_manager_a, task, service_b):
    response = save(
        client_manager_a,
        task,
        outcome="no_answer",
        **{
            "involve-enabled": "on",
            "involve-department": service_b.pk,
            "involve-task_type": TaskType.objects.first().pk,
            "involve-planned_at": future(2),
            "involve-comment": "x",
        },
    )

    assert response.status_code == 200
    assert not Task.objects.filter(involved_from=task).exists()
    assert Task.objects.get(pk=task.pk).status == "new"


def test_a_service_request_is_added_with_the_result(client_manager_a, task, manager_a):
    workshop = WorkshopFactory(branch=task.worksheet.department.branch)
    save(
        client_manager_a,
        task,
        outcome="interview",
        interview_result=result(BOOKED_DURING_CALL).pk,
        goal_completed="on",
        **{
            "request-enabled": "on",
            "request-workshop": workshop.pk,
            "request-desired_at": future(3),
            "request-requested_works": "ТО-60",
        },
    )

    request = ServiceRequest.objects.get(task=task)
    assert (request.worksheet, request.vehicle, request.workshop) == (
        task.worksheet,
        task.vehicle,
        workshop,
    )
    assert request.created_by == manager_a and request.client == task.worksheet.client


def test_a_service_request_needs_the_permission(client_manager_a, task, manager_a):
    for group in manager_a.groups.all():
        group.permissions.remove(*group.permissions.filter(codename="add_servicerequest"))
    response = save(
        client_manager_a,
        task,
        outcome="interview",
        interview_result=result(BOOKED_DURING_CALL).pk,
        **{
            "request-enabled": "on",
            "request-desired_at": future(3),
            "request-requested_works": "ТО",
        },
    )

    assert response.status_code == 200
    assert "нет права создавать заявки" in response.content.decode()
    assert not ServiceRequest.objects.exists()
    assert Task.objects.get(pk=task.pk).status == "new"


def test_a_switched_off_part_is_neither_checked_nor_saved(client_manager_a, task):
    save(
        client_manager_a,
        task,
        outcome="no_answer",
        **{"plan-task_type": "junk", "plan-planned_at": "junk", "request-requested_works": "x"},
    )

    assert Task.objects.get(pk=task.pk).status == "in_work"
    assert Task.objects.count() == 1 and not ServiceRequest.objects.exists()


# --- the safe take and stale forms ------------------------------------------------------


def test_second_user_cannot_take_a_claimed_task(client_manager_a, task, service_a, logged_in):
    colleague = make_employee(
        "colleague", role="Менеджер", branches=[service_a.branch], departments=[service_a]
    )
    colleague.first_name, colleague.last_name = "Ольга", "Иванова"
    colleague.save()
    version = task.version
    logged_in(colleague).post(url(task), {"version": version, "outcome": "no_answer", "save": "1"})

    response = client_manager_a.post(
        url(task), {"version": version, "outcome": "refused", "save": "1"}, follow=True
    )

    assert "Задачу уже взял в работу Ольга Иванова" in response.content.decode()
    task.refresh_from_db()
    assert (task.executor, task.outcome) == (colleague, "no_answer")


def test_a_save_from_a_stale_tab_does_not_overwrite(client_manager_a, task):
    version = task.version
    client_manager_a.post(url(task), {"version": version, "outcome": "no_answer", "save": "1"})

    response = client_manager_a.post(
        url(task), {"version": version, "outcome": "refused", "save": "1"}, follow=True
    )

    assert "изменили после того, как вы её открыли" in response.content.decode()
    assert Task.objects.get(pk=task.pk).outcome == "no_answer"


def test_a_double_submit_creates_one_follow_up_and_one_request(client_manager_a, task):
    workshop = WorkshopFactory(branch=task.worksheet.department.branch)
    data = {
        "version": task.version,
        "save": "1",
        "outcome": "interview",
        "interview_result": result(BOOKED_DURING_CALL).pk,
        "plan-enabled": "on",
        "plan-task_type": task.task_type_id,
        "plan-planned_at": future(),
        "request-enabled": "on",
        "request-workshop": workshop.pk,
        "request-desired_at": future(3),
        "request-requested_works": "ТО",
    }
    client_manager_a.post(url(task), data)
    client_manager_a.post(url(task), data)

    assert Task.objects.filter(previous_task=task).count() == 1
    assert ServiceRequest.objects.filter(task=task).count() == 1


def test_only_the_executor_or_the_head_saves_an_assigned_task(
    client_manager_a, client_head_a, task, head_a, service_a, logged_in
):
    colleague = make_employee(
        "colleague", role="Менеджер", branches=[service_a.branch], departments=[service_a]
    )
    Task.objects.filter(pk=task.pk).update(executor=colleague)

    save(client_manager_a, task, outcome="no_answer")
    assert Task.objects.get(pk=task.pk).outcome == ""

    save(client_head_a, task, outcome="refused")
    task.refresh_from_db()
    assert task.outcome == "refused" and task.executor == colleague


def test_a_finished_task_opens_read_only(client_manager_a, task, manager_a):
    Task.objects.filter(pk=task.pk).update(
        status="done", executor=manager_a, outcome="no_answer", finished_at=timezone.now()
    )
    page = client_manager_a.get(url(task)).content.decode()

    assert "Сохранить и закрыть" not in page and "Недозвон" in page


# --- where it returns -------------------------------------------------------------------


def test_save_returns_to_a_safe_next(client_manager_a, task):
    back = reverse("client_history:client_card", args=[task.worksheet.client_id])
    response = save(client_manager_a, task, outcome="no_answer", next=back)

    assert response.url == back


@pytest.mark.parametrize(
    "outside", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "\\\\evil"]
)
def test_next_never_leaves_the_site(client_manager_a, task, outside):
    response = save(client_manager_a, task, outcome="no_answer", next=outside)

    assert response.url == reverse("tasks:my_tasks")


def test_save_and_next_opens_the_next_available_task(client_manager_a, task, service_a, manager_a):
    later = TaskFactory(
        worksheet__department=service_a, planned_at=timezone.now() + dt.timedelta(hours=5)
    )
    response = client_manager_a.post(
        url(task), {"version": task.version, "outcome": "no_answer", "save_next": "1"}
    )

    assert response.url == url(later)
    assert Task.objects.get(pk=later.pk).executor == manager_a


# --- history and query counts -----------------------------------------------------------


def test_every_change_is_in_the_history(client_manager_a, task, manager_a):
    save(client_manager_a, task, outcome="no_answer")

    newest = task.history.first()
    assert newest.history_user == manager_a and newest.outcome == "no_answer"


def test_window_query_count_does_not_grow_with_the_clients_tasks(client_manager_a, task, manager_a):
    types = list(TaskType.objects.all())
    counts = []
    for earlier_tasks in (1, 49):
        for i in range(earlier_tasks):
            TaskFactory(
                worksheet=task.worksheet,
                vehicle=VehicleFactory(owner=task.worksheet.client),
                task_type=types[i % len(types)],
                status="done",
                executor=manager_a,
                outcome="no_answer",
                finished_at=timezone.now(),
            )
        with CaptureQueriesContext(connection) as queries:
            response = client_manager_a.get(url(task, outcome="interview"))
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 21


def test_follow_ups_and_involvements_remember_the_first_task_of_the_chain(
    client_manager_a, task, sales_a
):
    plan = {"plan-enabled": "on", "plan-task_type": task.task_type_id, "plan-planned_at": future()}
    save(client_manager_a, task, outcome="no_answer", **plan)
    second = Task.objects.get(previous_task=task)
    save(
        client_manager_a,
        second,
        outcome="no_answer",
        **plan,
        **{
            "involve-enabled": "on",
            "involve-department": sales_a.pk,
            "involve-task_type": TaskType.objects.get(code="other_department").pk,
            "involve-planned_at": future(2),
            "involve-comment": "Интересуется новым авто",
        },
    )

    third = Task.objects.get(previous_task=second)
    involved = Task.objects.get(involved_from=second)
    assert second.origin_task == third.origin_task == involved.origin_task == task
