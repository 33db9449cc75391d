"""«Внешние данные» in the browser: «Клиенты ТО» opens the file chooser at once, the importer's
file is read, rows with problems are shown with their reasons and cannot be ticked,
«Поставить», «Создать рабочие листы», and the summary."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from selections.models import Lead, LeadBatch
from tests.factories import BranchFactory, DepartmentFactory, make_employee
from worksheets.models import Worksheet

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "importer-samples" / "klienty-to.xlsx"


@pytest.fixture
def head(reference_data):
    branch = BranchFactory(name="Автоцентр Север", code="A")
    service = DepartmentFactory(branch=branch, name="Сервис")
    make_employee(
        "head_import",
        role="Руководитель подразделения",
        branches=[branch],
        departments=[service],
        is_staff=True,
    )
    return service


def test_importer_file_to_worksheets(page, head):
    page.goto("/login/?next=/selections/%3Fvariant%3Dexternal")
    page.get_by_label("Имя пользователя").fill("head_import")
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Загрузить из файла")).to_be_visible()

    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Клиенты ТО").click()
    chooser.value.set_files(SAMPLE)  # the form sends itself

    expect(page.get_by_role("heading", name="Лиды")).to_be_visible()
    batch = LeadBatch.objects.get()
    assert batch.kind == LeadBatch.Kind.IMPORTER_FILE and batch.leads.count() == 40
    problems = page.locator("tr.has-problems")
    expect(problems).to_have_count(2)  # row 12: no phone; row 17: a 15-character VIN
    expect(problems.first.locator("input[type=checkbox]")).to_be_disabled()
    expect(problems.first.locator(".problem")).not_to_be_empty()

    page.get_by_role("button", name="Поставить").click()
    expect(page.locator(".selected-count")).to_contain_text("Отмечено 38 из 38")
    page.get_by_role("button", name="Создать рабочие листы").click()

    expect(page.get_by_role("heading", name="Итог создания рабочих листов")).to_be_visible()
    created = Worksheet.objects.filter(department=head).count()
    assert created > 0
    expect(page.locator(".result-counts")).to_contain_text(str(created))
    assert not Lead.objects.filter(is_usable=False, task__isnull=False).exists()
