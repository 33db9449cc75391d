"""Every page fits a phone (390×844) and a desktop (1440×900) without the page scrolling
sideways: the top bar wraps, wide tables scroll inside their own panel. On the desktop the
history reads one line per task."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasks.models import Task
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

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
LONG_COMMENT = (
    "Клиент просил перезвонить после командировки, уточнить стоимость замены ремня ГРМ "
    "и записать на субботу, если будет свободный подъёмник; жена тоже ездит на этой машине"
)


@pytest.fixture
def pages(reference_data):
    """A manager with a long name and unit, and a client with everything the pages show."""
    branch = BranchFactory(name="Мультисервис «Автоград» Северо-Западный", code="A")
    service = DepartmentFactory(branch=branch, name="Сервисный отдел по работе с клиентами")
    user = make_employee("layout_e2e", role="Менеджер", branches=[branch], departments=[service])
    user.first_name, user.last_name = "Константин", "Константинопольский-Воскресенский"
    user.save()
    client = ClientFactory(
        name="Общество с ограниченной ответственностью «Северо-Западная транспортная компания»",
        home_branch=branch,
        do_not_call=True,
    )
    # A second match keeps the search on its list of results rather than opening the card.
    ClientFactory(name="ООО «Северо-Западная логистика»", home_branch=branch)
    ClientPhoneFactory(client=client, number="+79161234567", note="бухгалтерия, до 17:00")
    ClientPhoneFactory(client=client, number="+79035550011", is_primary=False, is_invalid=True)
    vehicle = VehicleFactory(
        owner=client, make="Chery", model="Tiggo 7 Pro Max Plus Limited", plate="А123ВС777"
    )
    other = VehicleFactory(owner=client, make="Exeed", model="VX President", plate="В898АВ50")
    orders = []
    for n in range(12):
        order = RepairOrderFactory(
            vehicle=(vehicle, other)[n % 2],
            number=f"ЗН-{n:09d}",
            opened_at=dt.date(2023, 1, 10) + dt.timedelta(days=45 * n),
            mileage=10000 + 4000 * n,
            amount=Decimal("123456.78"),
        )
        RepairOrderLineFactory(
            repair_order=order, name="Замена масла двигателя и масляного фильтра (регламент)"
        )
        RecommendationFactory(
            repair_order=order,
            text="Заменить передние тормозные колодки и диски, износ более 80 процентов",
        )
        orders.append(order)
    worksheet = WorksheetFactory(client=client, department=service)
    now = timezone.now()
    for n in range(8):
        TaskFactory(
            worksheet=worksheet,
            vehicle=vehicle,
            planned_at=now - dt.timedelta(days=n + 1),
            goal="Пригласить на ТО-8: пробег около 119 000 км, предложить замену колодок",
            comment=LONG_COMMENT,
            **(
                {"status": Task.Status.NEW}
                if n == 0
                else {
                    "status": Task.Status.DONE,
                    "executor": user,
                    "outcome": Task.Outcome.INTERVIEW,
                    "finished_at": now - dt.timedelta(days=n),
                }
            ),
        )
    return {
        "search": "/clients/?q=" + "Северо-Западная",
        "client card": f"/clients/{client.pk}/",
        "vehicle card": f"/clients/vehicles/{vehicle.pk}/",
        "client history": f"/clients/{client.pk}/history/",
        "vehicle history": f"/clients/vehicles/{vehicle.pk}/history/",
        "repair order": f"/clients/orders/{orders[-2].pk}/",
        "not found": "/clients/999999999/",
    }


def _log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill("pass")
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".topbar")).to_be_visible()


def _page_overflow(page) -> int:
    """How far the page scrolls sideways, in pixels (0: it does not)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1440"])
def test_no_page_scrolls_sideways(page, pages, viewport):
    page.set_viewport_size(viewport)
    page.goto("/login/")
    assert _page_overflow(page) <= 0, "login"
    _log_in(page, "layout_e2e")
    for name, url in pages.items():
        page.goto(url)
        if name == "search":
            expect(page.locator("#search-results tbody tr")).to_have_count(2)
        assert _page_overflow(page) <= 0, name
        # Every part of the top bar is inside the window, «Выйти» included.
        for part in (".brand", ".topbar-search", ".topbar-user", ".topbar-actions"):
            box = page.locator(part).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (
                name,
                part,
            )
        expect(page.get_by_role("button", name="Выйти")).to_be_in_viewport()


def test_wide_tables_scroll_inside_their_panel_on_a_phone(page, pages):
    page.set_viewport_size(PHONE)
    _log_in(page, "layout_e2e")
    page.goto(pages["client history"])
    tasks = page.locator("#tasks .table-wrap")
    overflow = tasks.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow > 0  # the table is wider than a phone: it scrolls in its panel
    tasks.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert tasks.evaluate("el => el.scrollLeft") > 0
    assert _page_overflow(page) <= 0


def test_history_reads_one_line_per_task_on_a_desktop(page, pages):
    page.set_viewport_size(DESKTOP)
    _log_in(page, "layout_e2e")
    for name in ("client history", "vehicle history"):
        page.goto(pages[name])
        rows = page.locator("#tasks tbody tr")
        expect(rows).to_have_count(8)
        line = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('#tasks tbody td')).lineHeight)"
        )
        heights = rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
        assert max(heights) < 2 * line, (name, heights, line)
        # Cut texts keep their whole wording in the tooltip.
        comment = page.locator("#tasks tbody tr").first.locator("td").last
        assert comment.get_attribute("title") == LONG_COMMENT
        # And the table fits its panel: nothing to scroll on a desktop.
        wrap = page.locator("#tasks .table-wrap")
        assert wrap.evaluate("el => el.scrollWidth - el.clientWidth") <= 0, name


def test_top_bar_wraps_on_a_phone_and_is_one_line_on_a_desktop(page, pages):
    page.set_viewport_size(DESKTOP)
    _log_in(page, "layout_e2e")
    page.goto(pages["client card"])
    bar = page.locator(".topbar").bounding_box()
    search = page.locator(".topbar-search").bounding_box()
    assert bar["height"] < 2 * search["height"] + 20  # one row
    page.set_viewport_size(PHONE)
    page.goto(pages["client card"])
    search = page.locator(".topbar-search").bounding_box()
    logout = page.get_by_role("button", name="Выйти").bounding_box()
    assert search["width"] > PHONE["width"] * 0.8  # the search takes a row of its own
    assert logout["y"] < search["y"]
