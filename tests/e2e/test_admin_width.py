"""The tasks and worksheets admin lists fit a 1440 px screen: neither the page nor the table
scrolls sideways, with long client names and every column filled."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from crm_workstation.models import EmployeeProfile
from tests.factories import (
    BranchFactory,
    DepartmentFactory,
    TaskFactory,
    UserFactory,
    make_employee,
)

pytestmark = pytest.mark.e2e

OVERFLOW = """() => [document.documentElement, ...document.querySelectorAll('.results')]
    .map(e => e.scrollWidth - e.clientWidth)"""


@pytest.fixture
def head_with_tasks(reference_data):
    importlib.import_module("worksheets.migrations.0002_purposes").forwards(apps, None)
    branch = BranchFactory(name="Мультисервис «Автоград»", code="MS")
    departments = [
        DepartmentFactory(branch=branch, name="Сервис"),
        DepartmentFactory(branch=branch, name="Кузовной цех", kind="body"),
    ]
    head = make_employee(
        "head_wide",
        role="Руководитель подразделения",
        branches=[branch],
        departments=departments,
        is_staff=True,
    )
    executor = UserFactory(username="k.konstantinopolskaya", first_name="Александра")
    executor.last_name = "Константинопольская"
    executor.save()
    EmployeeProfile.objects.get_or_create(user=executor)[0].departments.set(departments)
    for n in range(12):
        TaskFactory(
            worksheet__department=departments[n % 2],
            worksheet__client__name=f"ООО «СтройТехМонтаж-Инжиниринг-Сервис» {n}",
            executor=executor,
            status="done",
            outcome="interview",
            taken_at=timezone.now(),
            finished_at=timezone.now(),
            goal_completed=True,
        )
    return head


def test_tasks_and_worksheets_lists_fit_1440(page, head_with_tasks):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/admin/login/")
    page.get_by_label("Имя пользователя").fill("head_wide")
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()

    page.goto("/admin/tasks/task/")
    assert page.get_by_role("heading", name="Выберите задачу для изменения").is_visible()
    assert page.get_by_text("Константинопольская Александра").first.is_visible()
    assert page.evaluate(OVERFLOW) == [0, 0]

    page.goto("/admin/worksheets/worksheet/")
    assert page.get_by_role("heading", name="Выберите рабочий лист для изменения").is_visible()
    assert page.evaluate(OVERFLOW) == [0, 0]
