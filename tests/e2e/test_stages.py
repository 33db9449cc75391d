"""«Этапы сделок» in the browser: a manager lands on it, sees the four sections with counts,
opens a worksheet from «Новые», its tasks, the client history and the vehicle card; a head
reassigns three tasks at once."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks.models import Task, TaskType
from tests.factories import (
    BranchFactory,
    ClientFactory,
    ClientPhoneFactory,
    DepartmentFactory,
    TaskFactory,
    VehicleFactory,
    WorksheetFactory,
    make_employee,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def floor(reference_data):
    """A demo-like service department: a manager with work in each section, and a head."""
    branch = BranchFactory(name="DEMO-DC", code="DEMO-DC")
    service = DepartmentFactory(branch=branch, name="Сервис")
    manager = make_employee("manager1", role="Менеджер", branches=[branch], departments=[service])
    colleague = make_employee("manager2", role="Менеджер", branches=[branch], departments=[service])
    colleague.first_name, colleague.last_name = "Ольга", "Смирнова"
    colleague.save()
    make_employee(
        "head1",
        role="Руководитель подразделения",
        branches=[branch],
        departments=[service],
        is_staff=True,
    )
    now = timezone.now()
    client = ClientFactory(name="Журавлёва Инна Сергеевна", home_branch=branch)
    ClientPhoneFactory(client=client, number="+79055526678")
    vehicle = VehicleFactory(owner=client, make="Kia", model="Rio", plate="О123КХ777")
    chosen = WorksheetFactory(department=service, client=client)
    calls = [TaskType.objects.get(code="maintenance_call")] + [
        TaskType.objects.create(name=f"Звонок {n}", code=f"call-{n}") for n in range(2)
    ]
    first = TaskFactory(
        worksheet=chosen,
        vehicle=vehicle,
        task_type=calls[0],
        planned_at=now - dt.timedelta(hours=1),
    )
    for n in range(3):
        worksheet = WorksheetFactory(department=service)
        TaskFactory(worksheet=worksheet, planned_at=now + dt.timedelta(days=n + 1))
    in_work = WorksheetFactory(department=service)
    TaskFactory(worksheet=in_work, executor=manager, status=Task.Status.IN_WORK, taken_at=now)
    pool = [first] + [
        TaskFactory(
            worksheet=chosen, vehicle=vehicle, task_type=t, planned_at=now + dt.timedelta(days=2)
        )
        for t in calls[1:]
    ]
    return {
        "chosen": chosen,
        "vehicle": vehicle,
        "client": client,
        "pool": pool,
        "colleague": colleague,
    }


def _log_in(page, username):
    page.goto("/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()


def test_a_manager_lands_on_the_stages_and_opens_a_worksheet(page, floor):
    chosen, client = floor["chosen"], floor["client"]
    _log_in(page, "manager1")

    expect(page.get_by_role("heading", name="Этапы сделок", level=1)).to_be_visible()
    sections = page.get_by_role("navigation", name="Разделы этапов")
    expect(sections.get_by_role("link", name="Новые 4")).to_be_visible()
    expect(sections.get_by_role("link", name="В работе 1")).to_be_visible()
    expect(sections.get_by_role("link", name="Обработаны 0")).to_be_visible()
    expect(sections.get_by_role("link", name="На контроле 0")).to_be_visible()

    # The section link swaps the list by htmx: wait until the old list is gone, or the keys
    # below would land on rows about to be replaced.
    stale_list = page.locator("#stage-list").element_handle()
    sections.get_by_role("link", name="Новые 4").click()
    stale_list.wait_for_element_state("hidden")
    row = page.locator(f'tr[data-worksheet="{chosen.number}"]')
    expect(row).to_have_class(re.compile("overdue"))
    # The keyboard: ↓ to the first row (the overdue one leads), Enter opens it beside the list.
    page.locator("h1").click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    detail = page.locator("#stage-detail")
    expect(detail).to_contain_text(chosen.number)
    for task in floor["pool"]:
        expect(detail).to_contain_text(task.number)
    expect(page).to_have_url(re.compile(re.escape(f"worksheet={chosen.pk}")))
    expect(page.get_by_role("heading", name="Этапы сделок", level=1)).to_be_visible()

    detail.get_by_role("link", name="История взаимодействия").click()
    expect(page.get_by_role("heading", name=re.compile(client.name))).to_be_visible()
    page.go_back()
    expect(page.locator("#stage-detail")).to_contain_text(chosen.number)
    page.locator("#stage-detail").get_by_role("link", name="Карточка автомобиля").click()
    expect(page.get_by_role("heading", name=re.compile("Kia Rio"))).to_be_visible()


def test_a_head_reassigns_three_tasks_at_once(page, floor):
    chosen, colleague = floor["chosen"], floor["colleague"]
    _log_in(page, "head1")
    page.goto(f"/worksheets/{chosen.pk}/")
    expect(page.get_by_role("heading", name=f"Рабочий лист {chosen.number}")).to_be_visible()

    page.get_by_role("button", name="Поставить").click()
    page.get_by_label("Отмеченные задачи передать").select_option(label="Ольга Смирнова")
    page.get_by_role("button", name="Передать").click()

    expect(page.locator(".message.success")).to_contain_text("Передано задач: 3")
    assert Task.objects.filter(worksheet=chosen, executor=colleague).count() == 3
