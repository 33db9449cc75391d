"""The client interaction history: its five parts, the service summary figures, and scoping."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from client_history import selectors
from client_history.models import RepairOrder, Vehicle
from tasks.models import InterviewResult, Task
from tests.factories import (
    ClientFactory,
    ClientPhoneFactory,
    RecommendationFactory,
    RepairOrderFactory,
    RepairOrderLineFactory,
    TaskFactory,
    UserFactory,
    VehicleFactory,
    WorksheetFactory,
)

HEADINGS = [
    "История обслуживания",
    "Сводка по обслуживанию",
    "Рекомендации",
    "Последний визит",
]
TO, REPAIR = RepairOrder.Kind.MAINTENANCE, RepairOrder.Kind.REPAIR


def client_history_url(client) -> str:
    return reverse("client_history:client_history", args=[client.pk])


def vehicle_history_url(vehicle) -> str:
    return reverse("client_history:vehicle_history", args=[vehicle.pk])


def order_url(order) -> str:
    return reverse("client_history:repair_order", args=[order.pk])


def text_of(html: str) -> str:
    """The text a reader sees: tags dropped, spaces collapsed (none before a comma)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" ,", ",")


def done(**kwargs) -> dict:
    """The fields of a finished task (a done task has an executor, an outcome and an end)."""
    return {
        "status": Task.Status.DONE,
        "executor": kwargs.pop("executor", None) or UserFactory(),
        "outcome": Task.Outcome.INTERVIEW,
        "finished_at": timezone.now(),
        **kwargs,
    }


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</dd>', html, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.fixture
def owner(branch_a):
    return ClientFactory(name="Смирнова Алёна Сергеевна", home_branch=branch_a)


@pytest.fixture
def jolion(owner):
    """Three visits, two of them ТО, and a reading on the card after the last one."""
    vehicle = VehicleFactory(
        owner=owner,
        plate="А123ВС77",
        sale_date=dt.date(2021, 3, 15),
        last_mileage=31000,
        last_mileage_date=dt.date(2024, 4, 10),
    )
    for number, day, kind, mileage, amount in [
        ("ЗН-000001", dt.date(2023, 1, 10), TO, 10000, "10000.00"),
        ("ЗН-000002", dt.date(2023, 7, 10), REPAIR, 18000, "5400.50"),
        ("ЗН-000003", dt.date(2024, 1, 9), TO, 25000, "12000.00"),
    ]:
        RepairOrderFactory(
            vehicle=vehicle,
            number=number,
            opened_at=day,
            kind=kind,
            mileage=mileage,
            amount=Decimal(amount),
        )
    return vehicle


@pytest.fixture
def tiggo(owner):
    """A new car: one repair, no ТО yet, no reading on the card."""
    vehicle = VehicleFactory(
        owner=owner,
        make="Chery",
        model="Tiggo 7 Pro",
        plate="К456ОР750",
        sale_date=dt.date(2024, 6, 1),
        last_mileage=None,
        last_mileage_date=None,
    )
    RepairOrderFactory(
        vehicle=vehicle,
        number="ЗН-000004",
        opened_at=dt.date(2024, 6, 20),
        kind=REPAIR,
        mileage=500,
        amount=Decimal("1000.00"),
    )
    return vehicle


def test_history_has_the_five_parts(client_manager_a, owner, jolion):
    for url, tasks in [
        (client_history_url(owner), "Задачи по клиенту"),
        (vehicle_history_url(jolion), "Задачи по автомобилю"),
    ]:
        html = client_manager_a.get(url).content.decode()
        for heading in [*HEADINGS, tasks]:
            assert f"<h2>{heading}</h2>" in html, (url, heading)


def test_vehicle_history_is_titled_for_the_vehicle(client_manager_a, owner, jolion):
    html = client_manager_a.get(vehicle_history_url(jolion)).content.decode()
    assert "<h1>История автомобиля Haval Jolion (А123ВС77)</h1>" in html
    assert "Задачи по клиенту" not in html
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    assert "<h1>История клиента Смирнова Алёна Сергеевна</h1>" in html


def test_vehicle_summary_figures(client_manager_a, jolion):
    html = client_manager_a.get(vehicle_history_url(jolion)).content.decode()
    assert figure(html, "visits") == "3"
    assert figure(html, "total") == "27\xa0400,50 ₽"
    assert figure(html, "first") == "10.01.2023"
    assert figure(html, "last") == "09.01.2024"
    assert figure(html, "interval") == "182 дн."  # 364 days / 2 intervals
    # 21,000 km between 10.01.2023 and 10.04.2024 (456 days) → 46.05 km/day.
    assert figure(html, "yearly") == "16\xa0809 км"
    # 25,000 + 15,000 km reached 196 days after the 31,000 km reading, before 09.01.2025.
    assert figure(html, "next").startswith("23.10.2024")
    assert "срок прошёл" in figure(html, "next")


def test_client_summary_covers_every_vehicle_and_shows_the_nearest_maintenance(
    client_manager_a, owner, jolion, tiggo
):
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    assert figure(html, "visits") == "4"
    assert figure(html, "total") == "28\xa0400,50 ₽"
    assert figure(html, "first") == "10.01.2023"
    assert figure(html, "last") == "20.06.2024"
    assert figure(html, "interval") == "176 дн."  # 527 days / 3
    assert figure(html, "yearly") == "16\xa0809 км"  # the new car has no pace of its own yet
    assert figure(html, "next").startswith("23.10.2024")
    assert "А123ВС77" in figure(html, "next")


def test_vehicle_card_shows_the_same_next_maintenance_as_the_history(client_manager_a, jolion):
    card = client_manager_a.get(reverse("client_history:vehicle_card", args=[jolion.pk]))
    history = client_manager_a.get(vehicle_history_url(jolion))

    assert figure(card.content.decode(), "next").startswith("23.10.2024")
    assert "срок прошёл" in figure(card.content.decode(), "next")
    assert figure(history.content.decode(), "next").startswith("23.10.2024")


def test_summary_selector_on_a_car_without_maintenance_uses_sale_date_and_default_pace(tiggo):
    summary = selectors.service_summary(vehicles=Vehicle.objects.filter(pk=tiggo.pk))
    (forecast,) = summary.vehicles
    assert forecast.measured is False and forecast.km_per_day == 45
    assert forecast.yearly_mileage is None
    assert forecast.next_by_time == dt.date(2025, 6, 1)
    assert forecast.next_by_mileage == dt.date(2025, 5, 9)  # 14,500 km / 45 km a day from 500 km
    assert summary.next_maintenance == dt.date(2025, 5, 9)
    assert summary.average_interval_days is None


def test_summary_with_no_orders(owner):
    summary = selectors.service_summary(vehicles=Vehicle.objects.filter(owner=owner))
    assert summary.visits == 0 and summary.total_spent == 0
    assert summary.first_visit is None and summary.next_maintenance is None


def test_add_months_keeps_the_end_of_february():
    assert selectors.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert selectors.add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)


def test_service_history_lists_orders_newest_first(client_manager_a, owner, jolion, tiggo):
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    orders = html[html.index("<h2>История обслуживания</h2>") : html.index('id="summary"')]
    positions = [orders.index(n) for n in ["ЗН-000004", "ЗН-000003", "ЗН-000002", "ЗН-000001"]]
    assert positions == sorted(positions)
    assert "12\xa0000,00 ₽" in orders and "25\xa0000" in orders and "ТО" in orders


def test_vehicle_history_shows_only_that_vehicle(client_manager_a, owner, jolion, tiggo, service_a):
    worksheet = WorksheetFactory(client=owner, department=service_a)
    TaskFactory(worksheet=worksheet, vehicle=jolion, goal="x", comment="Про Jolion")
    TaskFactory(worksheet=worksheet, vehicle=tiggo, comment="Про Tiggo")
    RecommendationFactory(repair_order=tiggo.repair_orders.get(), text="Рекомендация по Tiggo")
    html = client_manager_a.get(vehicle_history_url(jolion)).content.decode()
    assert "ЗН-000003" in html and "ЗН-000004" not in html
    assert "Про Jolion" in html and "Про Tiggo" not in html
    assert "Рекомендация по Tiggo" not in html
    everything = client_manager_a.get(client_history_url(owner)).content.decode()
    assert "Про Jolion" in everything and "Про Tiggo" in everything
    assert "Рекомендация по Tiggo" in everything


def test_recommendations_open_first_with_their_orders(client_manager_a, owner, jolion):
    first, _, last = jolion.repair_orders.order_by("opened_at")
    RecommendationFactory(repair_order=first, text="Заменить колодки", is_done=True, done_in=last)
    RecommendationFactory(repair_order=first, text="Проверить подвеску")
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    part = html[html.index("<h2>Рекомендации</h2>") : html.index('id="last-visit"')]
    assert part.index("Проверить подвеску") < part.index("Заменить колодки")
    assert "выполнена в ЗН-000003 от 09.01.2024" in text_of(part)
    assert "ЗН-000001 от 10.01.2023" in text_of(part)
    assert "Всего: 2" in part
    # Every order number opens that order.
    assert f'href="{order_url(first)}"' in part and f'href="{order_url(last)}"' in part


def test_recommendation_repeated_on_visits_is_one_row_with_its_visits(
    client_manager_a, owner, jolion, tiggo
):
    first, second, third = jolion.repair_orders.order_by("opened_at")
    RecommendationFactory(repair_order=first, text="Заменить передние колодки")
    RecommendationFactory(repair_order=third, text="заменить  передние колодки.")
    RecommendationFactory(repair_order=second, text="Проверить подвеску", is_done=True)
    # The same words on another car are another car's advice.
    RecommendationFactory(repair_order=tiggo.repair_orders.get(), text="Заменить передние колодки")
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    part = html[html.index("<h2>Рекомендации</h2>") : html.index('id="last-visit"')]
    assert "Всего: 3" in part
    rows = re.findall(r'<tr data-visits="(\d+)">(.*?)</tr>', part, re.S)
    assert [visits for visits, _ in rows] == ["1", "2", "1"]  # open ones, newest visit first
    tiggo_row, jolion_row, done_row = (text_of(row) for _, row in rows)
    assert "К456ОР750" in tiggo_row and "открыта" in tiggo_row
    # Shown as last written, with both visits, newest first; open as the latest left it.
    assert "заменить передние колодки." in jolion_row
    assert "ЗН-000003 от 09.01.2024, ЗН-000001 от 10.01.2023" in jolion_row
    assert "открыта" in jolion_row
    assert "Проверить подвеску" in done_row and "выполнена" in done_row


def test_repeated_recommendation_done_on_the_latest_visit_is_done(client_manager_a, jolion):
    first, _, last = jolion.repair_orders.order_by("opened_at")
    RecommendationFactory(repair_order=first, text="Заменить свечи")
    RecommendationFactory(repair_order=last, text="Заменить свечи", is_done=True, done_in=last)
    groups = selectors.recommendation_groups(vehicles=Vehicle.objects.filter(pk=jolion.pk))
    (group,) = groups
    assert [rec.repair_order for rec in group.visits] == [last, first]
    assert group.is_open is False
    assert selectors.open_recommendations(vehicles=Vehicle.objects.filter(pk=jolion.pk)) == []


def test_recommendation_key_ignores_case_yo_spacing_and_punctuation():
    key = selectors.recommendation_key
    assert key("  Заменить ЁМКОСТЬ,  омывателя! ") == key("заменить емкость омывателя")
    assert key("Рекомендация 1") != key("Рекомендация 10")


def test_last_visit_shows_its_lines_and_recommendations(client_manager_a, owner, jolion):
    last = jolion.repair_orders.get(number="ЗН-000003")
    RepairOrderLineFactory(repair_order=last, position=1, name="Масло моторное 5W-30")
    RepairOrderLineFactory(repair_order=last, position=2, name="Фильтр масляный")
    RecommendationFactory(repair_order=last, text="Заменить свечи зажигания")
    older = jolion.repair_orders.get(number="ЗН-000001")
    RepairOrderLineFactory(repair_order=older, position=1, name="Старая работа")
    html = client_manager_a.get(vehicle_history_url(jolion)).content.decode()
    part = html[html.index("<h2>Последний визит</h2>") : html.index('id="tasks"')]
    assert "ЗН-000003" in part and "09.01.2024" in part
    assert "Масло моторное 5W-30" in part and "Фильтр масляный" in part
    assert "Заменить свечи зажигания" in part
    assert "Старая работа" not in part


def test_tasks_show_results_and_only_visible_worksheets(
    client_manager_a, owner, jolion, service_a, sales_a, manager_a
):
    result = InterviewResult.objects.get(name="Планирует визит позже")
    service = WorksheetFactory(client=owner, department=service_a)
    TaskFactory(
        worksheet=service,
        vehicle=jolion,
        interview_result=result,
        comment="Перезвонить в мае",
        goal="Пригласить на ТО-3 и предложить замену колодок",
        planned_at=timezone.make_aware(dt.datetime(2025, 4, 1, 10, 30)),
        **done(executor=manager_a),
    )
    sales = WorksheetFactory(client=owner, department=sales_a)
    TaskFactory(worksheet=sales, comment="Задача отдела продаж")
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    part = html[html.index("<h2>Задачи по клиенту</h2>") :]
    for text in [
        "Звонок ТО",
        "Завершена",
        "01.04.2025 10:30",
        manager_a.get_full_name(),
        "Интервью",
        "Планирует визит позже",
        "Перезвонить в мае",
    ]:
        assert text in part, text
    assert "Задача отдела продаж" not in part
    # The goal has its own column, cut to one line with the whole text in the tooltip.
    assert "<th>Цель</th>" in part
    goal = "Пригласить на ТО-3 и предложить замену колодок"
    assert f'<td class="clip" title="{goal}">{goal}</td>' in part


def test_tasks_latest_planned_first_and_paginated(client_manager_a, owner, service_a, settings):
    settings.CRM_PAGE_SIZE = 2
    worksheet = WorksheetFactory(client=owner, department=service_a)
    base = timezone.now()
    # Created in the opposite order to their planned times: the planned time decides.
    for n in range(5):
        TaskFactory(
            worksheet=worksheet,
            comment=f"Комментарий {n}",
            planned_at=base - dt.timedelta(days=n),
            created_at=base - dt.timedelta(days=10 - n),
            **done(),
        )
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    assert html.index("Комментарий 0") < html.index("Комментарий 1")
    assert "Комментарий 2" not in html
    response = client_manager_a.get(
        client_history_url(owner),
        {"tasks_page": "3"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="tasks",
    )
    part = response.content.decode()
    assert part.lstrip().startswith('<section class="panel" id="tasks"')
    assert "Комментарий 4" in part and "Комментарий 0" not in part
    assert "Сводка по обслуживанию" not in part


def test_orders_paginate_as_a_partial(client_manager_a, owner, jolion, settings):
    settings.CRM_PAGE_SIZE = 2
    response = client_manager_a.get(
        client_history_url(owner),
        {"orders_page": "2"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="orders",
    )
    part = response.content.decode()
    assert part.lstrip().startswith('<section class="panel" id="orders"')
    assert "ЗН-000001" in part and "ЗН-000003" not in part
    assert "Страница 2 из 2" in part


def test_each_list_pages_by_its_own_parameter_keeping_the_others(
    client_manager_a, owner, jolion, settings
):
    settings.CRM_PAGE_SIZE = 1
    order = jolion.repair_orders.first()
    for n in range(3):
        RecommendationFactory(repair_order=order, text=f"Рекомендация {n}")
    html = client_manager_a.get(
        client_history_url(owner), {"orders_page": "2", "rec_page": "2"}
    ).content.decode()
    links = re.findall(
        r'<a href="([^"]*)" hx-get="([^"]*)" hx-target="([^"]*)" '
        r'hx-swap="outerHTML" hx-push-url="true">([^<]*)</a>',
        html,
    )
    assert all(href == hx_get for href, hx_get, _, _ in links)
    assert [(href, target, label) for href, _, target, label in links] == [
        ("?orders_page=1&amp;rec_page=2", "#orders", "← Назад"),
        ("?orders_page=3&amp;rec_page=2", "#orders", "Вперёд →"),
        ("?orders_page=2&amp;rec_page=1", "#recommendations", "← Назад"),
        ("?orders_page=2&amp;rec_page=3", "#recommendations", "Вперёд →"),
    ]
    assert "Страница 2 из 3" in html


def test_another_branch_gets_404_on_both_histories(client_manager_b, owner, jolion):
    assert client_manager_b.get(client_history_url(owner)).status_code == 404
    assert client_manager_b.get(vehicle_history_url(jolion)).status_code == 404


def _history_rows(owner, vehicle, department, rows: int) -> None:
    worksheet = WorksheetFactory(client=owner, department=department)
    executor = UserFactory()
    result = InterviewResult.objects.first()
    for n in range(rows):
        order = RepairOrderFactory(
            vehicle=vehicle,
            opened_at=dt.date(2020, 1, 1) + dt.timedelta(days=30 * n),
            kind=TO if n % 2 else REPAIR,
            mileage=1000 * (n + 1),
        )
        RepairOrderLineFactory(repair_order=order)
        RecommendationFactory(repair_order=order, is_done=bool(n % 3), text=f"Совет {n % 7}")
        if n == 0:  # one unfinished task per worksheet, car and type: this one, overdue
            state = {"executor": executor, "status": Task.Status.IN_WORK}
        elif n % 2:
            state = done(executor=executor)
        else:
            state = {"executor": executor, "status": Task.Status.CANCELLED}
        TaskFactory(
            worksheet=worksheet,
            vehicle=vehicle,
            interview_result=result,
            planned_at=timezone.now() - dt.timedelta(days=1, hours=n),
            **state,
        )
        VehicleFactory(owner=owner)  # more cars for the client-wide forecast


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("view", ["client", "vehicle"])
def test_history_query_count_does_not_grow(
    client_manager_a, owner, service_a, rows, view, django_assert_max_num_queries
):
    vehicle = VehicleFactory(owner=owner)
    _history_rows(owner, vehicle, service_a, rows)
    url = client_history_url(owner) if view == "client" else vehicle_history_url(vehicle)
    with django_assert_max_num_queries(16):
        response = client_manager_a.get(url)
    assert response.status_code == 200


def test_phones_and_do_not_call_come_first(client_manager_a, owner, jolion):
    ClientPhoneFactory(client=owner, number="+79161234567", is_primary=True)
    ClientPhoneFactory(client=owner, number="+79035550011", is_primary=False, is_invalid=True)
    owner.do_not_call = True
    owner.save()
    for url in (client_history_url(owner), vehicle_history_url(jolion)):
        html = client_manager_a.get(url).content.decode()
        top = html[html.index('id="call-card"') : html.index('id="orders"')]
        assert "Клиенту не звонить" in top
        assert 'href="tel:+79161234567"' in top and "+7 916 123-45-67" in top
        assert 'href="tel:+79035550011" class="phone-invalid"' in top
        assert "недействителен" in top
    owner.do_not_call = False
    owner.save()
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    assert "Клиенту не звонить" not in html


def test_overdue_tasks_are_highlighted(client_manager_a, owner, jolion, tiggo, service_a):
    worksheet = WorksheetFactory(client=owner, department=service_a)
    now = timezone.now()
    late = TaskFactory(
        worksheet=worksheet, vehicle=jolion, planned_at=now - dt.timedelta(hours=2), goal="Поздно"
    )
    TaskFactory(worksheet=worksheet, vehicle=tiggo, planned_at=now + dt.timedelta(hours=2))
    TaskFactory(worksheet=worksheet, planned_at=now - dt.timedelta(days=3), **done())
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    part = html[html.index('id="tasks"') :]
    rows = re.findall(r"<tr([^>]*)>(.*?)</tr>", part, re.S)[1:]  # the header row aside
    assert len(rows) == 3
    overdue = [text_of(cells) for attrs, cells in rows if 'class="overdue"' in attrs]
    assert len(overdue) == 1 and late.number in overdue[0] and "просрочена" in overdue[0]
    assert part.count("просрочена") == 1


def test_client_card_marks_worksheets_with_overdue_tasks(
    client_head_a, owner, jolion, service_a, sales_a
):
    late = WorksheetFactory(client=owner, department=service_a)
    TaskFactory(worksheet=late, vehicle=jolion, planned_at=timezone.now() - dt.timedelta(hours=1))
    on_time = WorksheetFactory(client=owner, department=sales_a)
    TaskFactory(worksheet=on_time, planned_at=timezone.now() - dt.timedelta(hours=1), **done())
    response = client_head_a.get(reverse("client_history:client_card", args=[owner.pk]))
    html = response.content.decode()
    rows = {
        number: attrs
        for attrs, number in re.findall(r"<tr([^>]*)>\s*<td>(?:<a [^>]*>)?(РЛ-\d+)", html)
    }
    assert 'class="overdue"' in rows[late.number]
    assert "overdue" not in rows[on_time.number]
    assert html.count("просрочена задача") == 1


def test_every_repair_order_number_opens_the_order(client_manager_a, owner, jolion):
    last = jolion.repair_orders.get(number="ЗН-000003")
    html = client_manager_a.get(client_history_url(owner)).content.decode()
    orders = html[html.index('id="orders"') : html.index('id="summary"')]
    for order in jolion.repair_orders.all():
        assert f'<a href="{order_url(order)}">{order.number}</a>' in orders
    visit = html[html.index('id="last-visit"') : html.index('id="tasks"')]
    assert f'href="{order_url(last)}"' in visit
    card = client_manager_a.get(reverse("client_history:vehicle_card", args=[jolion.pk]))
    assert f'href="{order_url(last)}"' in card.content.decode()


def test_repair_order_page_shows_works_parts_and_recommendations(client_manager_a, jolion):
    order = jolion.repair_orders.get(number="ЗН-000002")
    later = jolion.repair_orders.get(number="ЗН-000003")
    RepairOrderLineFactory(repair_order=order, position=2, name="Замена колодок", kind="work")
    RepairOrderLineFactory(repair_order=order, position=1, name="Колодки передние", kind="part")
    RecommendationFactory(repair_order=order, text="Заменить диски", is_done=True, done_in=later)
    RecommendationFactory(repair_order=order, text="Проверить развал")
    RepairOrderLineFactory(repair_order=later, name="Чужая строка")
    response = client_manager_a.get(order_url(order))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Заказ-наряд ЗН-000002 от 10.07.2023</h1>" in html
    works = html[html.index('id="works"') : html.index('id="parts"')]
    parts = html[html.index('id="parts"') : html.index('id="order-recommendations"')]
    recs = html[html.index('id="order-recommendations"') :]
    assert "Замена колодок" in works and "Колодки передние" not in works
    assert "Колодки передние" in parts and "Замена колодок" not in parts
    assert "Чужая строка" not in html
    assert "выполнена в ЗН-000003 от 09.01.2024" in text_of(recs)
    assert "Проверить развал" in recs and "открыта" in recs
    assert "Ремонт" in html and "5\xa0400,50 ₽" in html and "18\xa0000 км" in html
    assert reverse("client_history:vehicle_history", args=[jolion.pk]) in html


def test_repair_order_of_another_branch_is_not_found(client_manager_b, client_manager_a, jolion):
    order = jolion.repair_orders.first()
    assert client_manager_b.get(order_url(order)).status_code == 404
    assert client_manager_a.get(reverse("client_history:repair_order", args=[0])).status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
def test_repair_order_query_count_does_not_grow(
    client_manager_a, jolion, rows, django_assert_max_num_queries
):
    order = jolion.repair_orders.first()
    for n in range(rows):
        RepairOrderLineFactory(repair_order=order, position=n + 1, kind=("work", "part")[n % 2])
        RecommendationFactory(repair_order=order, is_done=bool(n % 2), done_in=order)
    with django_assert_max_num_queries(9):
        response = client_manager_a.get(order_url(order))
    assert response.status_code == 200
    assert response.content.decode().count("Замена масла двигателя") == rows
