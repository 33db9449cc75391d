"""The arrival window (SPEC §3): a repair order for the booked car, opened from the booking day
up to ANALYTICS_ARRIVAL_DAYS after the desired date, marks the request arrived — once."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tasks.models import ServiceRequest
from tasks.services import service_requests_mark_arrived
from tests.analytics.conftest import DURING_CALL, Maker, at

pytestmark = pytest.mark.django_db
SINCE = dt.date(2025, 1, 1)


@pytest.fixture
def booking(service_a, manager_a, settings):
    """A request made on 03.03.2025 for 10.03.2025, with a 14-day window: 03.03–24.03."""
    settings.ANALYTICS_ARRIVAL_DAYS = 14
    make = Maker(service_a)
    task = make.task(
        at("2025-03-03", 9),
        executor=manager_a,
        status="done",
        outcome="interview",
        interview=DURING_CALL,
        after=dt.timedelta(hours=1),
    )
    request = make.request(task, desired=at("2025-03-10"), created=at("2025-03-03", 10))
    return make, task, request


@pytest.mark.parametrize(
    ("opened", "arrived"),
    [
        ("2025-03-02", False),  # the day before the booking
        ("2025-03-03", True),  # the booking day itself
        ("2025-03-10", True),  # the desired day
        ("2025-03-24", True),  # the last day of the window
        ("2025-03-25", False),  # one day late
    ],
)
def test_arrival_window_edges(booking, opened, arrived):
    make, task, request = booking
    order = make.order(task.vehicle, opened, "1000.00")
    assert service_requests_mark_arrived(since=SINCE) == int(arrived)
    request.refresh_from_db()
    assert request.status == ("arrived" if arrived else "new")
    assert request.arrived_order_id == (order.pk if arrived else None)


def test_the_window_follows_the_setting(booking, settings):
    make, task, _request = booking
    make.order(task.vehicle, "2025-03-24", "1000.00")
    settings.ANALYTICS_ARRIVAL_DAYS = 13
    assert service_requests_mark_arrived(since=SINCE) == 0


def test_the_booking_day_is_the_moscow_day(service_a, manager_a):
    make = Maker(service_a)
    task = make.task(
        at("2025-03-03", 9),
        executor=manager_a,
        status="done",
        outcome="interview",
        interview=DURING_CALL,
        after=dt.timedelta(hours=1),
    )
    # 04.03 at 01:00 in Moscow is still 03.03 in UTC: an order of 03.03 is before the booking.
    request = make.request(task, desired=at("2025-03-05"), created=at("2025-03-04", 1))
    make.order(task.vehicle, "2025-03-03", "1000.00")
    assert service_requests_mark_arrived(since=SINCE) == 0
    make.order(task.vehicle, "2025-03-04", "2000.00")
    assert service_requests_mark_arrived(since=SINCE) == 1
    request.refresh_from_db()
    assert request.arrived_order.amount == 2000


def test_the_earliest_order_is_linked_and_a_second_run_changes_nothing(booking):
    make, task, request = booking
    make.order(task.vehicle, "2025-03-12", "2000.00")
    first = make.order(task.vehicle, "2025-03-11", "1000.00")
    make.order(task.vehicle, "2025-03-11", "1500.00")  # the same day, a later id
    assert service_requests_mark_arrived(since=SINCE) == 1
    assert service_requests_mark_arrived(since=SINCE) == 0
    request.refresh_from_db()
    assert request.arrived_order_id == first.pk
    change = request.history.first()
    assert change.status == "arrived" and change.history_change_reason == "mark_arrivals"


def test_cancelled_and_old_requests_are_left_alone(booking):
    make, task, request = booking
    make.order(task.vehicle, "2025-03-11", "1000.00")
    ServiceRequest.objects.filter(pk=request.pk).update(status="cancelled")
    assert service_requests_mark_arrived(since=SINCE) == 0
    ServiceRequest.objects.filter(pk=request.pk).update(status="confirmed")
    assert service_requests_mark_arrived(since=dt.date(2025, 3, 11)) == 0  # desired before since
    assert service_requests_mark_arrived(since=dt.date(2025, 3, 10)) == 1


def test_another_car_is_no_arrival(booking):
    make, task, _request = booking
    other = Maker(task.worksheet.department).task(at("2025-03-03"))
    make.order(other.vehicle, "2025-03-11", "1000.00")
    assert service_requests_mark_arrived(since=SINCE) == 0


def test_mark_arrivals_command(booking):
    make, task, _request = booking
    make.order(task.vehicle, "2025-03-11", "1000.00")
    out = StringIO()
    call_command("mark_arrivals", "--since", "2025-03-01", stdout=out)
    assert "Отмечено приездов: 1" in out.getvalue()
    with pytest.raises(CommandError, match="ГГГГ-ММ-ДД"):
        call_command("mark_arrivals", "--since", "01.03.2025")
