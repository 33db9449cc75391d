"""Factories for every model the tests build. One file, as STYLE.md asks."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from client_history.models import (
    Client,
    ClientPhone,
    Recommendation,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
)
from crm_workstation.models import Branch, Department, EmployeeProfile, Workshop
from tasks.models import ServiceRequest, Task, TaskType
from worksheets.models import Purpose, Worksheet

VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def make_vin(n: int) -> str:
    digits = []
    for _ in range(17):
        n, r = divmod(n, len(VIN_ALPHABET))
        digits.append(VIN_ALPHABET[r])
    return "XW8" + "".join(digits)[:14]


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Дилерский центр {n}")
    code = factory.Sequence(lambda n: f"B{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"Сервис {n}")
    kind = Department.Kind.SERVICE


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"Цех {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Иван"
    last_name = factory.Sequence(lambda n: f"Петров{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass")

    @factory.post_generation
    def post(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_employee(
    username: str,
    *,
    role: str | None,
    branches: list[Branch],
    departments: list[Department],
    is_staff: bool = False,
) -> User:
    user = UserFactory(username=username, is_staff=is_staff)
    profile, _ = EmployeeProfile.objects.get_or_create(user=user)
    profile.branches.set(branches)
    profile.departments.set(departments)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Смирнов Алексей Петрович {n}")
    home_branch = factory.SubFactory(BranchFactory)
    external_id = factory.Sequence(lambda n: f"C{n:06d}")


class ClientPhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientPhone

    client = factory.SubFactory(ClientFactory)
    number = factory.Sequence(lambda n: f"+7916{n:07d}")
    is_primary = True


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    owner = factory.SubFactory(ClientFactory)
    vin = factory.Sequence(make_vin)
    plate = factory.Sequence(lambda n: f"А{n % 1000:03d}ВС77")
    make = "Haval"
    model = "Jolion"
    year = 2021
    sale_date = dt.date(2021, 3, 15)
    last_mileage = 45000
    last_mileage_date = dt.date(2025, 10, 1)
    external_id = factory.Sequence(lambda n: f"V{n:06d}")


class RepairOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepairOrder

    external_id = factory.Sequence(lambda n: f"RO{n:07d}")
    number = factory.Sequence(lambda n: f"ЗН-{n:06d}")
    vehicle = factory.SubFactory(VehicleFactory)
    client = factory.LazyAttribute(lambda o: o.vehicle.owner)
    branch = factory.LazyAttribute(lambda o: o.client.home_branch)
    opened_at = dt.date(2025, 10, 1)
    closed_at = factory.LazyAttribute(lambda o: o.opened_at)
    mileage = 45000
    kind = RepairOrder.Kind.MAINTENANCE
    amount = Decimal("15400.00")


class RepairOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepairOrderLine

    repair_order = factory.SubFactory(RepairOrderFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = "Замена масла двигателя"
    amount = Decimal("2500.00")


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    external_id = factory.Sequence(lambda n: f"REC{n:07d}")
    repair_order = factory.SubFactory(RepairOrderFactory)
    vehicle = factory.LazyAttribute(lambda o: o.repair_order.vehicle)
    text = "Заменить передние тормозные колодки"


class WorksheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worksheet

    department = factory.SubFactory(DepartmentFactory)
    client = factory.SubFactory(
        ClientFactory, home_branch=factory.SelfAttribute("..department.branch")
    )
    purpose = factory.LazyFunction(lambda: Purpose.objects.order_by("order").first())
    source = Worksheet.Source.MANUAL


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    worksheet = factory.SubFactory(WorksheetFactory)
    task_type = factory.LazyFunction(lambda: TaskType.objects.get(code="maintenance_call"))
    planned_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    goal = "Пригласить на плановое ТО"


class ServiceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceRequest

    worksheet = factory.SubFactory(WorksheetFactory)
    desired_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    requested_works = "ТО-3"
