"""The maintenance forecast the database computes (`Vehicle.objects.with_maintenance_forecast`)
against a plain Python statement of the same rules, over many generated cars: every part of the
forecast, with the edge cases (no orders, orders without mileage, the card's reading newer or
older than the orders', several orders on one day, 29 February, mileage going down)."""

import calendar
import datetime as dt
import math
import random
from dataclasses import dataclass

import pytest

from client_history.models import RepairOrder, Vehicle
from tests.factories import ClientFactory

EPOCH = dt.date(1970, 1, 1)
KINDS = [RepairOrder.Kind.MAINTENANCE, RepairOrder.Kind.REPAIR, RepairOrder.Kind.WARRANTY]


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass
class Expected:
    next_maintenance: dt.date | None
    forecast_measured: bool
    forecast_km_per_day: float
    forecast_last_maintenance: dt.date | None
    forecast_next_by_time: dt.date | None
    forecast_next_by_mileage: dt.date | None
    forecast_order_last_date: dt.date | None
    forecast_last_km: int | None


def expected_forecast(car: Vehicle, orders: list[RepairOrder], params: dict) -> Expected:
    """The forecast's rules, in Python (see `client_history.forecast`)."""
    readings = sorted((o.opened_at, o.mileage) for o in orders if o.mileage is not None)
    first_order, last_order = (readings[0], readings[-1]) if readings else (None, None)
    # The latest counted order; on one day the higher mileage, and one without mileage last.
    counted = [o for o in orders if o.kind in params["order_kinds"]]
    maintenance = max(
        counted, key=lambda o: (o.opened_at, -1 if o.mileage is None else o.mileage), default=None
    )
    card_is_later = (
        car.last_mileage is not None
        and car.last_mileage_date is not None
        and (last_order is None or car.last_mileage_date >= last_order[0])
    )
    if card_is_later:
        last_date, last_km = car.last_mileage_date, car.last_mileage
    else:
        last_date, last_km = last_order if last_order else (None, None)
    first_date, first_km = first_order if first_order else (last_date, last_km)
    if maintenance is not None:
        last_maintenance, start_km = maintenance.opened_at, maintenance.mileage
    else:
        last_maintenance = car.sale_date
        start_km = 0 if car.sale_date is not None else None

    measured = (
        None not in (last_date, first_date, last_km, first_km)
        and last_date > first_date
        and last_km > first_km
    )
    default = params["default_km_per_day"]
    span_days = (last_date - first_date).days if measured else None
    span_km = last_km - first_km if measured else None
    km_per_day = span_km / span_days if measured else float(default)

    next_by_time = (
        add_months(last_maintenance, params["interval_months"]) if last_maintenance else None
    )
    next_by_mileage = None
    if last_maintenance is not None and start_km is not None:
        has_reading = last_km is not None and last_date is not None
        from_km, from_day = (last_km, last_date) if has_reading else (start_km, last_maintenance)
        remaining = start_km + params["interval_km"] - from_km
        if measured:
            days = math.ceil(float(remaining * span_days) / span_km)
        else:
            days = math.ceil(remaining / float(default))
        next_by_mileage = from_day + dt.timedelta(days=days)
    if next_by_time is None:
        next_maintenance = None
    elif next_by_mileage is None:
        next_maintenance = next_by_time
    else:
        next_maintenance = min(next_by_time, next_by_mileage)
    return Expected(
        next_maintenance=next_maintenance,
        forecast_measured=measured,
        forecast_km_per_day=km_per_day,
        forecast_last_maintenance=last_maintenance,
        forecast_next_by_time=next_by_time,
        forecast_next_by_mileage=next_by_mileage,
        forecast_order_last_date=last_order[0] if last_order else None,
        forecast_last_km=last_km,
    )


def random_day(rng: random.Random) -> dt.date:
    if rng.random() < 0.05:
        return dt.date(rng.choice([2020, 2024]), 2, 29)
    return dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(7 * 365))


def generate_cars(rng: random.Random, owner, count: int) -> dict[int, tuple]:
    """`count` cars with 0–6 orders each; {car id: (car, its orders)}."""
    cars = []
    for n in range(count):
        has_card = rng.random() < 0.6
        cars.append(
            Vehicle(
                owner=owner,
                make="Haval",
                external_id=f"FC{n:05d}",
                sale_date=random_day(rng) if rng.random() < 0.8 else None,
                last_mileage=rng.randrange(0, 200_000) if has_card or rng.random() < 0.2 else None,
                last_mileage_date=random_day(rng) if has_card or rng.random() < 0.2 else None,
            )
        )
    Vehicle.objects.bulk_create(cars)
    orders = []
    for car in cars:
        day, km = random_day(rng), rng.randrange(0, 120_000)
        for _ in range(rng.choice([0, 0, 1, 2, 3, 4, 6])):
            if rng.random() < 0.7:  # later, or the same day; sometimes an odometer going back
                day += dt.timedelta(days=rng.choice([0, 1, 30, 180, 400]))
                km += rng.choice([0, 500, 8_000, 15_000, -3_000])
            orders.append(
                RepairOrder(
                    external_id=f"FO{len(orders):06d}",
                    number=f"ЗН{len(orders)}",
                    branch=owner.home_branch,
                    client=owner,
                    vehicle=car,
                    opened_at=day,
                    mileage=max(km, 0) if rng.random() < 0.85 else None,
                    kind=rng.choice(KINDS),
                )
            )
    RepairOrder.objects.bulk_create(orders)
    by_car = {car.pk: (car, []) for car in cars}
    for order in orders:
        by_car[order.vehicle_id][1].append(order)
    return by_car


PARAMS = [
    {
        "interval_months": 12,
        "interval_km": 15_000,
        "default_km_per_day": 45,
        "order_kinds": ["maintenance"],
    },
    {
        "interval_months": 6,
        "interval_km": 10_000,
        "default_km_per_day": 30,
        "order_kinds": ["maintenance", "warranty"],
    },
]


@pytest.mark.django_db
@pytest.mark.parametrize("params", PARAMS, ids=["defaults", "other-parameters"])
def test_database_forecast_matches_the_rules_for_generated_cars(params):
    by_car = generate_cars(random.Random(20240229), ClientFactory(), 150)
    rows = Vehicle.objects.filter(pk__in=by_car).with_maintenance_forecast(**params)
    fields = list(Expected.__dataclass_fields__)
    checked = 0
    for row in rows.order_by("pk"):
        car, orders = by_car[row.pk]
        expected = expected_forecast(car, orders, params)
        actual = Expected(**{name: getattr(row, name) for name in fields})
        actual.forecast_measured = bool(actual.forecast_measured)
        assert actual.forecast_km_per_day == pytest.approx(expected.forecast_km_per_day)
        actual.forecast_km_per_day = expected.forecast_km_per_day
        assert actual == expected, (car.__dict__, [o.__dict__ for o in orders])
        checked += 1
    assert checked == len(by_car)


@pytest.mark.django_db
def test_forecast_filters_and_orders_by_the_next_maintenance():
    by_car = generate_cars(random.Random(7), ClientFactory(), 60)
    params = PARAMS[0]
    expected = {
        pk: expected_forecast(car, orders, params).next_maintenance
        for pk, (car, orders) in by_car.items()
    }
    period = (dt.date(2025, 1, 1), dt.date(2026, 12, 31))
    due = (
        Vehicle.objects.filter(pk__in=by_car)
        .with_maintenance_forecast(**params)
        .filter(next_maintenance__range=period)
        .order_by("next_maintenance", "pk")
        .values_list("pk", flat=True)
    )
    wanted = sorted(
        (day, pk) for pk, day in expected.items() if day and period[0] <= day <= period[1]
    )
    assert wanted, "the generated cars should have some maintenance in the period"
    assert list(due) == [pk for _day, pk in wanted]
