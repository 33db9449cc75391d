"""The manual's paths through the task window, in Chromium, by the labels managers see."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks.models import InterviewResult, ServiceRequest, Task, TaskType
from tests.factories import (
    BranchFactory,
    ClientFactory,
    ClientPhoneFactory,
    DepartmentFactory,
    TaskFactory,
    VehicleFactory,
    WorksheetFactory,
    WorkshopFactory,
    make_employee,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(reference_data):
    """A branch with a workshop, a manager, and one client's maintenance call due today."""
    branch = BranchFactory(name="Автоцентр Север", code="A")
    service = DepartmentFactory(branch=branch, name="Сервис")
    WorkshopFactory(branch=branch, name="Механический")
    manager = make_employee("caller", role="Менеджер", branches=[branch], departments=[service])
    manager.first_name, manager.last_name = "Мария", "Звонарёва"
    manager.save()
    client = ClientFactory(name="Петров Пётр Петрович", home_branch=branch)
    ClientPhoneFactory(client=client, number="+79161234567", is_primary=True)
    vehicle = VehicleFactory(owner=client, make="Kia", model="Rio", plate="А123ВС77")
    worksheet = WorksheetFactory(client=client, department=service)
    task = TaskFactory(
        worksheet=worksheet,
        vehicle=vehicle,
        planned_at=timezone.now() - dt.timedelta(hours=1),
        goal="Пригласить на ТО-2",
    )
    return {"manager": manager, "service": service, "client": client, "task": task}


def log_in(page, username="caller", next_url="/tasks/"):
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()


def local(days: int) -> str:
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT10:00")


def test_booked_during_the_call_with_a_service_request(page, desk):
    task = desk["task"]
    log_in(page)
    page.get_by_role("link", name=task.number).first.click()
    expect(page.get_by_role("heading", name=task.number)).to_be_visible()

    page.get_by_label("Интервью").check()
    page.get_by_label("Клиент записан на сервис во время звонка").check()
    page.get_by_role("button", name="Добавить заявку на обслуживание").click()
    part = page.locator("#part-request")
    part.get_by_label("Цех").select_option(label="Механический")
    part.get_by_label("Желаемые дата и время").fill(local(3))
    part.get_by_label("Работы").fill("ТО-2, замена масла")
    page.get_by_label("Работа по цели завершена").check()
    page.get_by_role("button", name="Сохранить и закрыть").click()

    expect(page.get_by_text(f"Задача {task.number} сохранена")).to_be_visible()
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.goal_completed
    request = ServiceRequest.objects.get(task=task)
    assert request.requested_works == "ТО-2, замена масла"
    # Back where the manager came from.
    expect(page).to_have_url(re.compile(re.escape("/tasks/") + "$"))


def test_no_answer_and_a_new_task_for_tomorrow(page, desk):
    task = desk["task"]
    log_in(page, next_url=f"/tasks/{task.pk}/")

    page.get_by_label("Недозвон").check()
    page.get_by_text("Запланировать новую задачу").click()
    plan = page.locator("#part-plan")
    expect(plan.get_by_label("Создать задачу при сохранении")).to_be_checked()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).strftime("%Y-%m-%d")
    expect(plan.get_by_label("Дата и время")).to_have_value(f"{tomorrow}T10:00")
    plan.get_by_label("Комментарий").fill("Перезвонить утром")
    page.get_by_role("button", name="Сохранить и закрыть").click()

    expect(page.get_by_text(f"Задача {task.number} сохранена")).to_be_visible()
    follow_up = Task.objects.get(previous_task=task)
    assert follow_up.goal == "Перезвонить утром"
    assert timezone.localtime(follow_up.planned_at).strftime("%Y-%m-%d") == tomorrow


def test_a_task_left_on_control_is_closed_later(page, desk):
    task = desk["task"]
    log_in(page, next_url=f"/tasks/{task.pk}/")
    page.get_by_label("Интервью").check()
    page.get_by_label("Планирует визит позже ✓").check()
    page.locator("#result-fields").get_by_label("Комментарий").fill(
        "Позвонит сам после командировки"
    )
    page.get_by_role("button", name="Сохранить и закрыть").click()
    expect(page.get_by_text("сохранена: на контроле")).to_be_visible()
    assert Task.objects.get(pk=task.pk).status == Task.Status.ON_CONTROL

    page.goto(f"/tasks/{task.pk}/")
    expect(page.locator("#result-fields").get_by_label("Комментарий")).to_have_value(
        "Позвонит сам после командировки"
    )
    page.locator("#result-fields").get_by_label("Комментарий").fill("Записался сам на пятницу")
    page.get_by_label("Работа по цели завершена").check()
    page.get_by_role("button", name="Сохранить и закрыть").click()

    expect(page.get_by_text(f"Задача {task.number} сохранена")).to_be_visible()
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.comment == "Записался сам на пятницу"


def test_repeat_processing_fills_the_result_from_an_earlier_task(page, desk):
    task = desk["task"]
    earlier = TaskFactory(
        worksheet=task.worksheet,
        task_type=TaskType.objects.get(code="post_visit_call"),
        status=Task.Status.DONE,
        executor=desk["manager"],
        outcome=Task.Outcome.INTERVIEW,
        interview_result=InterviewResult.objects.get(name="Клиент записан на сервис"),
        comment="Записан на 12-е",
        finished_at=timezone.now() - dt.timedelta(days=1),
    )
    log_in(page, next_url=f"/tasks/{task.pk}/")

    page.get_by_label("Повторная обработка").check()
    page.get_by_role("link", name="Заполнить").click()
    page.locator("#fill-list").get_by_role("link", name="Выбрать").click()
    expect(page.locator(".copied")).to_contain_text(earlier.number)
    page.get_by_label("Работа по цели завершена").check()
    page.get_by_role("button", name="Сохранить и закрыть").click()

    expect(page.get_by_text(f"Задача {task.number} сохранена")).to_be_visible()
    task.refresh_from_db()
    assert task.copied_from == earlier and task.comment == "Записан на 12-е"


def test_ten_tasks_with_the_keyboard_alone(page, desk):
    service, manager = desk["service"], desk["manager"]
    others = [
        TaskFactory(
            worksheet__department=service,
            planned_at=timezone.now() + dt.timedelta(minutes=i),
        )
        for i in range(9)
    ]
    log_in(page, next_url=f"/tasks/{desk['task'].pk}/")

    for n in range(10):
        expect(page.locator("#result-form")).to_be_visible()
        page.wait_for_load_state("load")  # the shortcuts are in a deferred script
        page.keyboard.press("2")  # Недозвон
        expect(page.get_by_label("Недозвон")).to_be_checked()
        page.keyboard.press("Control+Shift+Enter")  # save and open the next one
        if n < 9:
            expect(page.get_by_text("сохранена")).to_be_visible()

    expect(page.get_by_text("Доступных задач больше нет.")).to_be_visible()
    done = Task.objects.filter(pk__in=[desk["task"].pk, *[t.pk for t in others]])
    assert set(done.values_list("outcome", flat=True)) == {"no_answer"}
    assert set(done.values_list("executor", flat=True)) == {manager.pk}


def test_shortcuts_are_listed_and_digits_do_nothing_while_typing(page, desk):
    task = desk["task"]
    log_in(page, next_url=f"/tasks/{task.pk}/")
    expect(page.locator("#result-form")).to_be_visible()
    page.wait_for_load_state("load")  # the shortcuts are in a deferred script
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.get_by_label("Интервью").check()
    page.get_by_label("Не требуется").check()
    page.locator("#result-fields").get_by_label("Комментарий").click()
    page.keyboard.type("Продал 2 года назад")
    expect(page.get_by_label("Интервью")).to_be_checked()  # the "2" stayed in the comment
    expect(page.locator("#result-fields").get_by_label("Комментарий")).to_have_value(
        "Продал 2 года назад"
    )
