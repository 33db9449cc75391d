"""«Мои задачи» in the browser: the manager's start page, the overdue preset, list and notes kept
across reloads, the header's reminder, and a task opened from the list."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks.models import Task
from tests.factories import (
    BranchFactory,
    DepartmentFactory,
    TaskFactory,
    VehicleFactory,
    WorksheetFactory,
    make_employee,
)

pytestmark = pytest.mark.e2e


def _task(department, **fields):
    worksheet = WorksheetFactory(department=department)
    return TaskFactory(
        worksheet=worksheet, vehicle=VehicleFactory(owner=worksheet.client), **fields
    )


@pytest.fixture
def tasks(reference_data):
    branch = BranchFactory(name="Автоцентр Север", code="A")
    service = DepartmentFactory(branch=branch, name="Сервис")
    manager = make_employee(
        "manager_tasks", role="Менеджер", branches=[branch], departments=[service]
    )
    now = timezone.now()
    return {
        "late_pool": _task(service, planned_at=now - dt.timedelta(hours=3)),
        "late_mine": _task(
            service,
            executor=manager,
            status=Task.Status.IN_WORK,
            taken_at=now,
            planned_at=now - dt.timedelta(hours=1),
        ),
        "later": _task(service, planned_at=now + dt.timedelta(days=2)),
    }


def _log_in(page):
    page.goto("/login/?next=/tasks/")  # the home page is «Этапы сделок»
    page.get_by_label("Имя пользователя").fill("manager_tasks")
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()


def test_manager_filters_overdue_switches_to_notes_and_opens_a_task(page, tasks):
    _log_in(page)
    expect(page.get_by_role("heading", name="Мои задачи", level=1)).to_be_visible()
    expect(page.locator(".topbar .reminder")).to_have_text("К выполнению: 2")
    expect(page.get_by_role("link", name=tasks["later"].number)).to_be_visible()

    page.locator("label.preset", has_text="Просроченные").click()
    expect(page.get_by_role("link", name=tasks["later"].number)).to_have_count(0)
    expect(page).to_have_url(re.compile(re.escape("period=overdue")))
    mine = page.locator("#mine")
    available = page.locator("#available")
    expect(mine.locator("tr[data-overdue]")).to_have_count(1)
    expect(mine).to_contain_text(tasks["late_mine"].number)
    expect(available).to_contain_text(tasks["late_pool"].number)

    page.get_by_role("button", name="Заметки").click()
    expect(page.locator(".task-note.is-overdue")).to_have_count(2)
    expect(page.get_by_role("button", name="Заметки")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator(".task-note")).to_have_count(2)  # remembered, and still filtered
    expect(page).to_have_url(re.compile(re.escape("period=overdue")))

    page.get_by_role("button", name="Список").click()
    expect(page.locator("table.my-tasks-list")).to_have_count(2)
    page.reload()
    expect(page.locator("table.my-tasks-list")).to_have_count(2)
    expect(page.locator(".task-note")).to_have_count(0)

    task = tasks["late_pool"]
    page.get_by_role("link", name=task.number).click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task.pk}/\?next=/tasks/%3F.*period%3Doverdue"))
    expect(page).to_have_title(re.compile(task.number))


def test_the_tab_bar_and_the_client_search_stay_within_reach(page, tasks):
    _log_in(page)
    expect(page.get_by_role("link", name="Мои задачи")).to_have_attribute("aria-current", "page")
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Клиенты").click()
    expect(page.get_by_role("heading", name="Поиск клиентов")).to_be_visible()
    # The reminder is in the header of every page, and leads back to the overdue tasks.
    page.locator(".topbar .reminder").click()
    expect(page.get_by_role("heading", name="Мои задачи", level=1)).to_be_visible()
    expect(page.locator("#my-tasks-filter input[value=overdue]")).to_be_checked()
