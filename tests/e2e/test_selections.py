"""«Выборки» in the browser: an automatic selection run from the tab (ЦФО → вид → период →
«Выбрать лиды»), «Поставить», «Создать рабочие листы», and the summary."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from selections.models import SelectionKind
from selections.rules import month_bounds
from tasks.models import Task, TaskType
from tests.factories import (
    BranchFactory,
    ClientPhoneFactory,
    DepartmentFactory,
    VehicleFactory,
    make_employee,
)
from worksheets.models import Purpose, Worksheet

pytestmark = pytest.mark.e2e


@pytest.fixture
def setup(reference_data):
    branch = BranchFactory(name="Автоцентр Север", code="A")
    service = DepartmentFactory(branch=branch, name="Сервис")
    make_employee("manager_sel", role="Менеджер", branches=[branch], departments=[service])
    SelectionKind.objects.create(
        name="Гарантия заканчивается",
        department=service,
        rule=SelectionKind.Rule.WARRANTY_END,
        parameters={"warranty_years": 3},
        task_type=TaskType.objects.get(code="maintenance_call"),
        purpose=Purpose.objects.order_by("order").first(),
    )
    first, _ = month_bounds(timezone.localdate(), 1)
    for n in range(3):
        vehicle = VehicleFactory(
            owner__home_branch=branch,
            sale_date=first.replace(year=first.year - 3) + dt.timedelta(days=n),
        )
        ClientPhoneFactory(client=vehicle.owner)
    return service


def test_selection_run_and_worksheets_created(page, setup):
    page.goto("/login/?next=/selections/")
    page.get_by_label("Имя пользователя").fill("manager_sel")
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()

    expect(page.get_by_role("heading", name="Выборки", level=1)).to_be_visible()
    page.get_by_label("Вид выборки").select_option(label="Гарантия заканчивается")
    page.locator("label.preset", has_text="Следующий месяц").click()
    page.get_by_role("button", name="Выбрать лиды").click()

    expect(page.get_by_text("найдено лидов — 3")).to_be_visible()
    expect(page.locator("tr[data-lead]")).to_have_count(3)
    expect(page.get_by_role("button", name="Создать рабочие листы")).to_be_disabled()
    page.get_by_role("button", name="Поставить").click()
    expect(page.locator(".selected-count")).to_contain_text("Отмечено 3 из 3")
    page.locator("tr[data-lead] input[type=checkbox]").first.click()
    expect(page.locator(".selected-count")).to_contain_text("Отмечено 2 из 3")
    page.get_by_role("button", name="Создать рабочие листы").click()

    expect(page.get_by_text("Создано рабочих листов: 2")).to_be_visible()
    expect(page.locator("#batch-results")).to_contain_text("2 создано рабочих листов")
    expect(page.get_by_role("link", name="Открыть «Этапы сделок»")).to_be_visible()
    assert Worksheet.objects.count() == 2 and Task.objects.count() == 2
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path="/tmp/shots/selections/batch-1440.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/shots/selections/batch-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
