"""Builders of constructed DMS histories for the selection tests."""

import datetime as dt

import pytest

from client_history.models import RepairOrder
from selections.models import SelectionKind
from tasks.models import TaskType
from tests.factories import ClientFactory, ClientPhoneFactory, RepairOrderFactory, VehicleFactory
from worksheets.models import Purpose

Rule = SelectionKind.Rule


@pytest.fixture
def make_kind(service_a):
    def make(rule, parameters=None, *, department=None, **fields) -> SelectionKind:
        return SelectionKind.objects.create(
            name=fields.pop("name", f"{rule} {SelectionKind.objects.count()}"),
            department=department or service_a,
            rule=rule,
            parameters=parameters or {},
            task_type=TaskType.objects.get(code="maintenance_call"),
            purpose=Purpose.objects.order_by("order").first(),
            **fields,
        )

    return make


@pytest.fixture
def make_car(branch_a):
    """A client of branch A with a valid phone and a car with no card reading of its own;
    `orders` are (opened date, mileage, kind[, workshop]) at branch A."""

    def make(*orders, phone=True, client=None, **vehicle_fields):
        if client is None:
            client = ClientFactory(home_branch=branch_a)
            if phone:
                ClientPhoneFactory(client=client)
        vehicle_fields.setdefault("last_mileage", None)
        vehicle_fields.setdefault("last_mileage_date", None)
        vehicle = VehicleFactory(owner=client, **vehicle_fields)
        for opened, mileage, kind, *rest in orders:
            RepairOrderFactory(
                vehicle=vehicle,
                client=client,
                branch=branch_a,
                opened_at=opened,
                closed_at=opened,
                mileage=mileage,
                kind=kind,
                workshop=rest[0] if rest else None,
            )
        return vehicle

    return make


MAINTENANCE = RepairOrder.Kind.MAINTENANCE
REPAIR = RepairOrder.Kind.REPAIR
BODY = RepairOrder.Kind.BODY


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
