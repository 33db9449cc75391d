"""The interaction history as a manager reads it just before calling: whether to call and the
numbers first, the tasks latest planned first with the overdue ones marked, every repair order
one click away, and advice repeated on several visits read once."""

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
    RecommendationFactory,
    RepairOrderFactory,
    RepairOrderLineFactory,
    TaskFactory,
    VehicleFactory,
    WorksheetFactory,
    make_employee,
)

pytestmark = pytest.mark.e2e

VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1440, "height": 900}]


@pytest.fixture
def history(reference_data):
    branch = BranchFactory(name="Автоцентр Север", code="A")
    service = DepartmentFactory(branch=branch, name="Сервис")
    user = make_employee("history_e2e", role="Менеджер", branches=[branch], departments=[service])
    client = ClientFactory(name="Ёлкина Анна Сергеевна", home_branch=branch, do_not_call=True)
    ClientPhoneFactory(client=client, number="+79161234567")
    ClientPhoneFactory(client=client, number="+79035550011", is_primary=False, is_invalid=True)
    rio = VehicleFactory(owner=client, make="Kia", model="Rio", plate="А123ВС77")
    tiggo = VehicleFactory(owner=client, make="Chery", model="Tiggo 7 Pro", plate="К456ОР750")
    first = RepairOrderFactory(vehicle=rio, number="ЗН-000101", opened_at=dt.date(2024, 3, 1))
    last = RepairOrderFactory(vehicle=rio, number="ЗН-000102", opened_at=dt.date(2025, 2, 1))
    RepairOrderLineFactory(repair_order=last, position=1, kind="work", name="Замена колодок")
    RepairOrderLineFactory(repair_order=last, position=2, kind="part", name="Колодки передние")
    for order in (first, last):
        RecommendationFactory(repair_order=order, text="Заменить щётки стеклоочистителя")

    worksheet = WorksheetFactory(client=client, department=service)
    now = timezone.now()
    call, revisit = (TaskType.objects.order_by("id")[n] for n in (0, 1))
    # Created in an order unlike their planned times: the page goes by the planned time.
    planned = {
        "overdue": (now - dt.timedelta(hours=3), {"status": Task.Status.NEW}),
        "next week": (now + dt.timedelta(days=7), {"status": Task.Status.NEW}),
        "last month": (now - dt.timedelta(days=30), _done(user, now)),
        "last year": (now - dt.timedelta(days=365), _done(user, now)),
    }
    numbers = {}
    for (name, (when, state)), (vehicle, task_type) in zip(
        planned.items(), [(rio, call), (tiggo, call), (rio, call), (rio, revisit)], strict=True
    ):
        task = TaskFactory(
            worksheet=worksheet, vehicle=vehicle, task_type=task_type, planned_at=when, **state
        )
        numbers[name] = task.number
    return {"client": client, "rio": rio, "last": last, "numbers": numbers}


def _done(user, now) -> dict:
    return {
        "status": Task.Status.DONE,
        "executor": user,
        "outcome": Task.Outcome.INTERVIEW,
        "finished_at": now,
    }


def _log_in(page) -> None:
    page.goto("/login/")
    page.get_by_label("Имя пользователя").fill("history_e2e")
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".topbar")).to_be_visible()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["390", "1440"])
def test_tasks_latest_planned_first_with_the_overdue_one_marked(page, history, viewport):
    page.set_viewport_size(viewport)
    _log_in(page)
    page.goto(f"/clients/{history['client'].pk}/history/")
    rows = page.locator("#tasks tbody tr")
    expect(rows).to_have_count(4)
    numbers = history["numbers"]
    order = ["next week", "overdue", "last month", "last year"]
    assert rows.evaluate_all("rows => rows.map(r => r.cells[1].innerText.trim())") == [
        numbers[name] for name in order
    ]
    planned = [
        dt.datetime.strptime(text, "%d.%m.%Y %H:%M")
        for text in rows.evaluate_all("rows => rows.map(r => r.cells[0].innerText.trim())")
    ]
    assert planned == sorted(planned, reverse=True)

    overdue = page.locator("#tasks tbody tr.overdue")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text(numbers["overdue"])
    expect(overdue.get_by_text("просрочена")).to_be_visible()
    # Highlighted: its cells are tinted, the others' are not.
    tint = overdue.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    other = rows.nth(0).locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    assert tint != other
    # A planned task in the future and finished ones are not overdue.
    expect(page.locator("#tasks").get_by_text("просрочена")).to_have_count(1)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["390", "1440"])
def test_do_not_call_and_the_phones_come_before_everything(page, history, viewport):
    page.set_viewport_size(viewport)
    _log_in(page)
    page.goto(f"/clients/vehicles/{history['rio'].pk}/history/")
    expect(
        page.get_by_role("heading", name="История автомобиля Kia Rio (А123ВС77)")
    ).to_be_visible()
    banner = page.get_by_role("alert").filter(has_text="Клиенту не звонить")
    expect(banner).to_be_in_viewport()
    phone = page.locator('#call-card a[href="tel:+79161234567"]')
    expect(phone).to_be_in_viewport()
    expect(page.locator("#call-card .phone-invalid")).to_contain_text("903")
    assert phone.bounding_box()["y"] < page.locator("#orders").bounding_box()["y"]
    expect(page.get_by_role("heading", name="Задачи по автомобилю")).to_be_attached()


def test_repair_order_number_opens_its_works_parts_and_recommendations(page, history):
    _log_in(page)
    page.goto(f"/clients/{history['client'].pk}/history/")
    # Advice given on both visits is one row listing both.
    advice = page.locator("#recommendations tbody tr")
    expect(advice).to_have_count(1)
    expect(advice).to_contain_text(re.compile(r"ЗН-000102 от 01\.02\.2025,\s*ЗН-000101 от"))
    page.locator("#orders").get_by_role("link", name="ЗН-000102").click()
    expect(page.get_by_role("heading", name="Заказ-наряд ЗН-000102 от 01.02.2025")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(f"/clients/orders/{history['last'].pk}/") + "$"))
    expect(page.locator("#works")).to_contain_text("Замена колодок")
    expect(page.locator("#parts")).to_contain_text("Колодки передние")
    expect(page.locator("#order-recommendations")).to_contain_text(
        "Заменить щётки стеклоочистителя"
    )
    page.get_by_role("link", name="История автомобиля").click()
    expect(
        page.get_by_role("heading", name="История автомобиля Kia Rio (А123ВС77)")
    ).to_be_visible()
