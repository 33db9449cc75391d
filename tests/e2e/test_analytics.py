"""«Аналитика» in the browser: a head opens the tab, narrows the period and the department,
sees the funnel follow, and downloads the managers' table as .xlsx."""

import datetime as dt
import io
import os
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tasks.services import service_requests_mark_arrived
from tests.analytics.conftest import DURING_CALL, Maker, at
from tests.factories import BranchFactory, DepartmentFactory, make_employee

pytestmark = pytest.mark.e2e
SHOTS = "/tmp/shots/analytics"


@pytest.fixture
def analytics_data(reference_data):
    branch = BranchFactory(name="Автоцентр Север", code="A")
    service = DepartmentFactory(branch=branch, name="Сервис")
    sales = DepartmentFactory(branch=branch, name="Отдел продаж", kind="sales")
    head = make_employee(
        "head_analytics",
        role="Руководитель подразделения",
        branches=[branch],
        departments=[service, sales],
        is_staff=True,
    )
    manager = make_employee(
        "manager_analytics", role="Менеджер", branches=[branch], departments=[service]
    )
    make = Maker(service)
    booked = make.task(
        at("2025-03-03"),
        executor=manager,
        status="done",
        outcome="interview",
        interview=DURING_CALL,
        after=dt.timedelta(hours=2),
    )
    make.request(booked, desired=at("2025-03-05"), created=booked.finished_at)
    make.order(booked.vehicle, "2025-03-05", "12500.00")
    make.task(
        at("2025-03-04"),
        executor=manager,
        status="done",
        outcome="no_answer",
        after=dt.timedelta(hours=1),
    )
    Maker(sales).task(
        at("2025-03-04"),
        executor=head,
        status="done",
        outcome="no_answer",
        after=dt.timedelta(hours=1),
    )
    service_requests_mark_arrived(since=dt.date(2025, 1, 1))
    return {"service": service, "head": head}


def _log_in(page, username):
    page.goto("/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()


def test_head_filters_the_tab_and_downloads_an_export(page, analytics_data):
    os.makedirs(SHOTS, exist_ok=True)
    _log_in(page, "head_analytics")
    page.get_by_role("link", name="Аналитика").click()
    expect(page.get_by_role("heading", name="Аналитика", level=1)).to_be_visible()

    page.get_by_label("или с").fill("2025-03-01")
    page.get_by_label("по", exact=True).fill("2025-03-10")
    expect(page.get_by_label("Свой период")).to_be_checked()
    page.get_by_role("button", name="Показать").click()
    funnel = page.locator("#funnel")
    expect(funnel.locator('tr[data-step="due"] td').first).to_have_text("3")
    expect(funnel.locator('tr[data-step="arrived"] td').first).to_have_text("1")
    expect(funnel.locator("svg.chart")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape("date_from=2025-03-01")))

    page.get_by_label("ЦФО").select_option(label="Сервис (Автоцентр Север)")
    expect(funnel.locator('tr[data-step="due"] td').first).to_have_text("2")
    expect(page).to_have_url(re.compile(re.escape(f"department={analytics_data['service'].pk}")))
    expect(page.locator("#managers tbody tr")).to_have_count(1)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=f"{SHOTS}/analytics-1440.png", full_page=True)

    with page.expect_download() as download_info:
        page.locator("#managers a.export").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as content:
        book = load_workbook(io.BytesIO(content.read()))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert ["Период:", "01.03.2025 – 10.03.2025"] in [r[:2] for r in rows]
    assert ["ЦФО:", "Сервис (Автоцентр Север)"] in [r[:2] for r in rows]
    assert rows[-1][1:3] == [2, 0]  # the manager's tasks done, and before

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.screenshot(path=f"{SHOTS}/analytics-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
