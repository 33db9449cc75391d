"""Each rule of automatic selections on constructed histories: a car just inside and just
outside the period, the workshop rule counting that workshop only, and every common filter."""

import datetime as dt

import pytest
from django.db import connection

from client_history import selectors as history
from client_history.models import ClientPhone, Vehicle
from selections.models import LeadBatch
from selections.rules import SelectionScope, rule_leads
from selections.services import selection_run
from tests.factories import (
    ClientFactory,
    RecommendationFactory,
    RepairOrderFactory,
    WorkshopFactory,
)
from tests.selections.conftest import BODY, MAINTENANCE, REPAIR, Rule, day

pytestmark = pytest.mark.django_db

DECEMBER = (day("2025-12-01"), day("2025-12-31"))
JANUARY = (day("2025-01-01"), day("2025-01-31"))


def found(kind, period, *, branch, workshop=None) -> dict[int, dict]:
    scope = SelectionScope(
        branch_id=branch.pk,
        period_from=period[0],
        period_to=period[1],
        workshop_id=workshop.pk if workshop else None,
    )
    return {row["vehicle_id"]: row for row in rule_leads(kind, scope)}


# Maintenance due.


def test_maintenance_due_takes_the_car_whose_forecast_falls_in_the_period(
    make_kind, make_car, branch_a
):
    kind = make_kind(Rule.MAINTENANCE_DUE)
    # One ТО at 30,000 km and no pace of its own: 15,000 km at 45 km a day is 334 days,
    # before the 12 months run out.
    earlier = make_car((day("2024-12-02"), 30000, MAINTENANCE))  # → 01.11.2025
    inside_end = make_car((day("2025-01-31"), 30000, MAINTENANCE))  # → 31.12.2025
    outside_after = make_car((day("2025-02-01"), 30000, MAINTENANCE))  # → 01.01.2026
    outside_before = make_car((day("2024-12-31"), 30000, MAINTENANCE))  # → 30.11.2025

    rows = found(kind, DECEMBER, branch=branch_a)

    assert inside_end.pk in rows and rows[inside_end.pk]["due_date"] == day("2025-12-31")
    assert outside_after.pk not in rows
    assert outside_before.pk not in rows
    assert earlier.pk not in rows
    assert rows[inside_end.pk]["last_visit"] == day("2025-01-31")
    assert rows[inside_end.pk]["mileage"] == 30000
    assert rows[inside_end.pk]["repair_order_id"] is not None


def test_maintenance_due_agrees_with_the_history_forecast(make_kind, make_car, branch_a):
    # A car with its own pace: 10,000 → 22,000 km in 200 days (60 km a day), and a card
    # reading later than the orders.
    car = make_car(
        (day("2025-01-10"), 10000, MAINTENANCE),
        (day("2025-07-29"), 22000, REPAIR),
        last_mileage=25000,
        last_mileage_date=day("2025-09-01"),
    )
    forecast = history.service_summary(vehicles=Vehicle.objects.filter(pk=car.pk)).vehicles[0]
    due = forecast.next_maintenance
    kind = make_kind(Rule.MAINTENANCE_DUE)

    assert due is not None
    assert car.pk in found(kind, (due, due), branch=branch_a)
    assert car.pk not in found(
        kind, (due + dt.timedelta(days=1), day("2027-01-01")), branch=branch_a
    )
    assert car.pk not in found(
        kind, (day("2020-01-01"), due - dt.timedelta(days=1)), branch=branch_a
    )


def test_maintenance_due_parameters_move_the_date(make_kind, make_car, branch_a):
    car = make_car((day("2025-01-31"), 30000, MAINTENANCE))
    # 6 months: due 31.07.2025 (the months come first now).
    kind = make_kind(Rule.MAINTENANCE_DUE, {"interval_months": 6})
    assert found(kind, (day("2025-07-31"), day("2025-07-31")), branch=branch_a)[car.pk][
        "due_date"
    ] == day("2025-07-31")
    # 100 km a day by default: 150 days → 30.06.2025.
    kind = make_kind(Rule.MAINTENANCE_DUE, {"default_km_per_day": 100})
    assert car.pk in found(kind, (day("2025-06-30"), day("2025-06-30")), branch=branch_a)
    # Only repairs count as maintenance: this car has none, so it counts from its sale.
    kind = make_kind(Rule.MAINTENANCE_DUE, {"order_kinds": ["repair"]})
    assert car.pk not in found(kind, DECEMBER, branch=branch_a)


def test_maintenance_due_months_keep_the_end_of_february(make_kind, make_car, branch_a):
    car = make_car((day("2024-02-29"), 30000, MAINTENANCE), make="Lada")
    kind = make_kind(Rule.MAINTENANCE_DUE, {"interval_km": 100000})

    rows = found(kind, (day("2025-02-28"), day("2025-02-28")), branch=branch_a)

    assert rows[car.pk]["due_date"] == day("2025-02-28")
    assert history.add_months(day("2024-02-29"), 12) == day("2025-02-28")


def test_maintenance_due_ignores_cars_of_other_branches(make_kind, make_car, branch_a, branch_b):
    stranger = ClientFactory(home_branch=branch_b)
    ClientPhone.objects.create(client=stranger, number="+79160000001", is_primary=True)
    car = make_car(client=stranger)
    RepairOrderFactory(vehicle=car, client=stranger, branch=branch_b, opened_at=day("2025-01-31"))
    kind = make_kind(Rule.MAINTENANCE_DUE)

    assert car.pk not in found(kind, DECEMBER, branch=branch_a)
    assert car.pk in found(kind, DECEMBER, branch=branch_b)


# Lost clients.


def test_lost_clients_last_visit_in_the_period_and_none_since(make_kind, make_car, branch_a):
    kind = make_kind(Rule.LOST_CLIENTS)
    inside = make_car((day("2024-06-01"), 10000, REPAIR), (day("2025-01-31"), 20000, REPAIR))
    first_of_period = make_car((day("2025-01-01"), 20000, MAINTENANCE))
    came_back = make_car((day("2025-01-15"), 20000, REPAIR), (day("2025-03-01"), 25000, REPAIR))
    after = make_car((day("2025-02-01"), 20000, REPAIR))
    before = make_car((day("2024-12-31"), 20000, REPAIR))

    rows = found(kind, JANUARY, branch=branch_a)

    assert set(rows) == {inside.pk, first_of_period.pk}
    assert not {came_back.pk, after.pk, before.pk} & set(rows)
    assert rows[inside.pk]["last_visit"] == day("2025-01-31")
    assert rows[inside.pk]["mileage"] == 20000


def test_lost_clients_minimum_visits_and_order_kinds(make_kind, make_car, branch_a):
    once = make_car((day("2025-01-10"), 20000, REPAIR))
    twice = make_car((day("2024-05-10"), 10000, REPAIR), (day("2025-01-10"), 20000, REPAIR))
    body_later = make_car((day("2025-01-10"), 20000, REPAIR), (day("2025-05-10"), 25000, BODY))

    rows = found(make_kind(Rule.LOST_CLIENTS, {"min_visits": 2}), JANUARY, branch=branch_a)
    assert set(rows) == {twice.pk}
    # Body work does not count as a visit: the January repair stays the last one.
    rows = found(
        make_kind(Rule.LOST_CLIENTS, {"order_kinds": ["repair"]}), JANUARY, branch=branch_a
    )
    assert set(rows) == {once.pk, twice.pk, body_later.pk}


def test_lost_clients_one_lead_per_car_from_its_last_visit_to_this_branch(
    make_kind, make_car, branch_a, branch_b
):
    """The rule starts from the orders of the period: a car with two visits in it is one
    lead (the later visit), and a visit to another branch afterwards does not count."""
    two_in_period = make_car(
        (day("2025-01-05"), 20000, REPAIR), (day("2025-01-25"), 21000, MAINTENANCE)
    )
    went_elsewhere = make_car((day("2025-01-10"), 20000, REPAIR))
    RepairOrderFactory(
        vehicle=went_elsewhere,
        client=went_elsewhere.owner,
        branch=branch_b,
        opened_at=day("2025-03-01"),
        closed_at=day("2025-03-01"),
        mileage=23000,
        kind=REPAIR,
    )

    rows = found(make_kind(Rule.LOST_CLIENTS), JANUARY, branch=branch_a)

    assert set(rows) == {two_in_period.pk, went_elsewhere.pk}
    last = two_in_period.repair_orders.get(opened_at=day("2025-01-25"))
    assert rows[two_in_period.pk]["repair_order_id"] == last.pk
    assert rows[two_in_period.pk]["last_visit"] == day("2025-01-25")
    assert rows[two_in_period.pk]["mileage"] == 21000
    assert rows[went_elsewhere.pk]["last_visit"] == day("2025-01-10")
    assert list(rows) == sorted(rows, key=lambda pk: (rows[pk]["last_visit"], pk))


def test_lost_clients_by_workshop_counts_that_workshop_only(make_kind, make_car, branch_a):
    mechanical = WorkshopFactory(branch=branch_a, name="Механический")
    body = WorkshopFactory(branch=branch_a, name="Кузовной")
    kind = make_kind(Rule.LOST_CLIENTS_BY_WORKSHOP)
    # Left the mechanical workshop in January, still comes to the body shop.
    left_mechanical = make_car(
        (day("2025-01-20"), 20000, REPAIR, mechanical), (day("2025-04-01"), 22000, BODY, body)
    )
    loyal = make_car(
        (day("2025-01-20"), 20000, REPAIR, mechanical),
        (day("2025-04-01"), 22000, REPAIR, mechanical),
    )
    body_only = make_car((day("2025-01-20"), 20000, BODY, body))

    rows = found(kind, JANUARY, branch=branch_a, workshop=mechanical)
    assert set(rows) == {left_mechanical.pk}
    assert loyal.pk not in rows
    rows = found(kind, JANUARY, branch=branch_a, workshop=body)
    assert set(rows) == {body_only.pk}
    # The branch as a whole still sees the car that moved to the body shop.
    assert left_mechanical.pk not in found(make_kind(Rule.LOST_CLIENTS), JANUARY, branch=branch_a)


def test_workshop_kind_without_a_workshop_is_refused(make_kind, branch_a):
    kind = make_kind(Rule.LOST_CLIENTS_BY_WORKSHOP)
    with pytest.raises(ValueError):
        found(kind, JANUARY, branch=branch_a)


# Open recommendations.


def test_open_recommendations_of_an_order_closed_in_the_period(make_kind, make_car, branch_a):
    kind = make_kind(Rule.OPEN_RECOMMENDATIONS)
    open_car = make_car((day("2025-01-31"), 20000, REPAIR))
    RecommendationFactory(repair_order=open_car.repair_orders.get())
    done_car = make_car((day("2025-01-15"), 20000, REPAIR))
    RecommendationFactory(repair_order=done_car.repair_orders.get(), is_done=True)
    late_car = make_car((day("2025-02-01"), 20000, REPAIR))
    RecommendationFactory(repair_order=late_car.repair_orders.get())
    twice = make_car((day("2025-01-05"), 20000, REPAIR), (day("2025-01-25"), 21000, REPAIR))
    for order in twice.repair_orders.all():
        RecommendationFactory(repair_order=order)

    rows = found(kind, JANUARY, branch=branch_a)

    assert set(rows) == {open_car.pk, twice.pk}
    # One lead per car: its latest order of the period.
    assert rows[twice.pk]["due_date"] == day("2025-01-25")


# Post-visit call.


def test_post_visit_one_lead_per_order_closed_in_the_period(make_kind, make_car, branch_a):
    kind = make_kind(Rule.POST_VISIT, {"order_kinds": ["repair", "maintenance"]})
    car = make_car((day("2025-01-01"), 20000, REPAIR), (day("2025-01-31"), 21000, MAINTENANCE))
    body = make_car((day("2025-01-10"), 20000, BODY))
    late = make_car((day("2025-02-01"), 20000, REPAIR))
    scope = SelectionScope(branch_id=branch_a.pk, period_from=JANUARY[0], period_to=JANUARY[1])

    rows = list(rule_leads(kind, scope))

    assert [row["vehicle_id"] for row in rows] == [car.pk, car.pk]
    assert {row["repair_order_id"] for row in rows} == set(
        car.repair_orders.values_list("id", flat=True)
    )
    assert body.pk not in {row["vehicle_id"] for row in rows}
    assert late.pk not in {row["vehicle_id"] for row in rows}


# Warranty end.


def test_warranty_end_sale_date_plus_years_in_the_period(make_kind, make_car, branch_a):
    kind = make_kind(Rule.WARRANTY_END, {"warranty_years": 3})
    inside = make_car(sale_date=day("2022-12-31"))
    first = make_car(sale_date=day("2022-12-01"))
    outside = make_car(sale_date=day("2023-01-01"))
    before = make_car(sale_date=day("2022-11-30"))

    rows = found(kind, DECEMBER, branch=branch_a)

    assert set(rows) == {inside.pk, first.pk}
    assert rows[inside.pk]["due_date"] == day("2025-12-31")
    assert outside.pk not in rows and before.pk not in rows


# Common filters.


def test_filter_makes(make_kind, make_car, branch_a):
    haval = make_car(sale_date=day("2022-12-10"), make="Haval")
    chery = make_car(sale_date=day("2022-12-10"), make="Chery")
    lada = make_car(sale_date=day("2022-12-10"), make="Lada")

    rows = found(make_kind(Rule.WARRANTY_END, makes="haval, Chery"), DECEMBER, branch=branch_a)

    assert set(rows) == {haval.pk, chery.pk}
    assert lada.pk not in rows


def test_filter_vehicle_age(make_kind, make_car, branch_a):
    cars = {year: make_car(sale_date=day("2022-12-10"), year=year) for year in (2015, 2020, 2022)}
    no_year_old = make_car(sale_date=day("2022-12-10"), year=None)

    # In 2025: the 2015 car is 10, the 2020 one 5, the 2022 one 3 (and the one without a
    # model year counts from its sale, 2022).
    rows = found(
        make_kind(Rule.WARRANTY_END, vehicle_age_min=4, vehicle_age_max=6),
        DECEMBER,
        branch=branch_a,
    )
    assert set(rows) == {cars[2020].pk}
    rows = found(make_kind(Rule.WARRANTY_END, vehicle_age_max=3), DECEMBER, branch=branch_a)
    assert set(rows) == {cars[2022].pk, no_year_old.pk}


def test_filter_do_not_call(make_kind, make_car, branch_a):
    quiet = make_car(sale_date=day("2022-12-10"))
    quiet.owner.do_not_call = True
    quiet.owner.save()
    ordinary = make_car(sale_date=day("2022-12-10"))

    rows = found(make_kind(Rule.WARRANTY_END), DECEMBER, branch=branch_a)
    assert set(rows) == {ordinary.pk}
    rows = found(make_kind(Rule.WARRANTY_END, exclude_do_not_call=False), DECEMBER, branch=branch_a)
    assert set(rows) == {ordinary.pk, quiet.pk}


def test_filter_valid_phone(make_kind, make_car, branch_a):
    no_phone = make_car(sale_date=day("2022-12-10"), phone=False)
    invalid = make_car(sale_date=day("2022-12-10"), phone=False)
    ClientPhone.objects.create(client=invalid.owner, raw="123", is_primary=True)
    marked = make_car(sale_date=day("2022-12-10"))
    marked.owner.phones.update(is_invalid=True)
    good = make_car(sale_date=day("2022-12-10"))

    rows = found(make_kind(Rule.WARRANTY_END), DECEMBER, branch=branch_a)
    assert set(rows) == {good.pk}
    rows = found(
        make_kind(Rule.WARRANTY_END, exclude_without_valid_phone=False), DECEMBER, branch=branch_a
    )
    assert set(rows) == {good.pk, no_phone.pk, invalid.pk, marked.pk}


def test_filters_apply_to_order_rules_through_the_orders_client(make_kind, make_car, branch_a):
    quiet = make_car((day("2025-01-10"), 20000, REPAIR))
    quiet.owner.do_not_call = True
    quiet.owner.save()
    kept = make_car((day("2025-01-10"), 20000, REPAIR), make="Chery")

    rows = found(make_kind(Rule.POST_VISIT, makes="Chery"), JANUARY, branch=branch_a)
    assert set(rows) == {kept.pk}


# The run.


def test_selection_run_stores_a_batch_with_reason_fields(
    make_kind, make_car, branch_a, manager_a, django_assert_max_num_queries
):
    kind = make_kind(Rule.MAINTENANCE_DUE)
    cars = [make_car((day("2025-01-31"), 30000 + n, MAINTENANCE)) for n in range(30)]

    # On PostgreSQL one statement more: the rule's read sets JIT off for its transaction.
    with django_assert_max_num_queries(8 + (connection.vendor == "postgresql")):
        batch = selection_run(
            kind=kind, user=manager_a, period_from=DECEMBER[0], period_to=DECEMBER[1]
        )

    assert batch.kind == LeadBatch.Kind.SELECTION and batch.status == LeadBatch.Status.READY
    assert batch.total_rows == 30 and batch.department == kind.department
    lead = batch.leads.get(vehicle=cars[0])
    assert lead.client == cars[0].owner
    assert lead.due_date == day("2025-12-31") and lead.last_visit == day("2025-01-31")
    assert lead.mileage == 30000 and lead.repair_order is not None
    assert lead.row_number == 1 and lead.is_usable and not lead.selected
