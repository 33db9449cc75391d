"""seed_demo: the S data set's shapes, its guard against real data, --if-empty and --reset."""

import datetime as dt
import io
import itertools
import re
from collections import defaultdict

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Max, OuterRef, Subquery
from django.utils import timezone

from client_history.models import (
    Client,
    ClientPhone,
    Recommendation,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
    search_key,
)
from crm_workstation.models import Branch, Department, NumberSequence
from demo import services as demo_services
from tasks.models import (
    SERVICE_REQUEST_PREFIX,
    TASK_PREFIX,
    InterviewResult,
    ServiceRequest,
    Task,
)
from tests.factories import (
    BranchFactory,
    ClientFactory,
    ClientPhoneFactory,
    RecommendationFactory,
    RepairOrderFactory,
    RepairOrderLineFactory,
    ServiceRequestFactory,
    TaskFactory,
    VehicleFactory,
    WorksheetFactory,
)
from worksheets.models import WORKSHEET_PREFIX, Worksheet

PLATE = re.compile(r"^[АВЕКМНОРСТУХ]\d{3}[АВЕКМНОРСТУХ]{2}\d{2,3}$")
VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db) -> str:
    return seed("--size", "S")


def test_seed_builds_the_organisation_and_demo_users(seeded):
    branches = {b.code: b for b in Branch.objects.all()}
    assert set(branches) == {"DEMO-MS", "DEMO-DC"}
    multiservice = branches["DEMO-MS"]
    assert multiservice.is_multiservice
    assert not branches["DEMO-DC"].is_multiservice
    assert {w.name for w in multiservice.workshops.all()} == {
        "Механический",
        "Кузовной",
        "Шиномонтаж",
    }
    assert {w.name for w in branches["DEMO-DC"].workshops.all()} == {"Механический"}
    for branch in branches.values():
        assert {(d.name, d.kind) for d in branch.departments.all()} == {
            ("Сервис", Department.Kind.SERVICE),
            ("Отдел продаж", Department.Kind.SALES),
            ("Запчасти", Department.Kind.PARTS),
            ("Кузовной цех", Department.Kind.BODY),
        }

    service_ms = Department.objects.get(branch=multiservice, kind=Department.Kind.SERVICE)
    managers = User.objects.filter(groups__name="Менеджер")
    assert managers.filter(profile__departments=service_ms).count() >= 2
    assert managers.filter(profile__branches=branches["DEMO-DC"]).exists()
    head = User.objects.get(username="head1")
    assert head.is_staff and head.groups.filter(name="Руководитель подразделения").exists()
    assert head.profile.departments.count() == 4
    it = User.objects.get(username="it")
    assert it.is_staff and it.groups.filter(name="ИТ / администратор").exists()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo")
    assert User.objects.get(username="manager1").check_password("demo")
    for login in ("manager1", "manager2", "manager3", "head1", "it", "admin"):
        assert re.search(rf"^\s+{login}\s+demo\s", seeded, re.MULTILINE)
    assert "Строк:" in seeded and "Время:" in seeded


def test_seed_builds_clients_vehicles_and_history(seeded):
    assert Client.objects.count() == 2000
    assert Vehicle.objects.count() > 2000
    assert all(c.name_search == search_key(c.name) for c in Client.objects.all())
    assert Client.objects.filter(name__startswith="ООО «").exists()
    assert Client.objects.filter(do_not_call=True).exists()
    assert Client.objects.annotate(n=Count("phones")).filter(n=2).exists()
    assert Client.objects.exclude(email="").exists()

    numbers = list(ClientPhone.objects.exclude(number="").values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    assert all(re.fullmatch(r"\+79\d{9}", n) for n in numbers)
    assert ClientPhone.objects.filter(is_invalid=True).exists()
    assert not ClientPhone.objects.filter(number="", is_invalid=False).exists()
    assert not ClientPhone.objects.filter(raw="").exists()
    assert not Client.objects.annotate(n=Count("phones")).filter(n=0).exists()

    vins = list(Vehicle.objects.values_list("vin", flat=True))
    assert len(vins) == len(set(vins)) and all(VIN.fullmatch(v) for v in vins)
    plates = [p for p in Vehicle.objects.values_list("plate", flat=True) if p]
    assert len(plates) == len(set(plates)) and all(PLATE.fullmatch(p) for p in plates)
    assert {"Haval", "Chery", "Geely", "Kia", "Hyundai", "Skoda", "Lada"} <= set(
        Vehicle.objects.values_list("make", flat=True)
    )

    assert set(RepairOrder.objects.values_list("kind", flat=True)) == set(RepairOrder.Kind.values)
    oldest = RepairOrder.objects.order_by("opened_at").first().opened_at
    assert oldest >= timezone.localdate() - dt.timedelta(days=5 * 366)
    per_order = RepairOrderLine.objects.values("repair_order").annotate(n=Count("id"))
    assert {row["n"] for row in per_order} <= {1, 2, 3, 4}
    assert per_order.count() == RepairOrder.objects.count()
    assert {"work", "part"} == set(RepairOrderLine.objects.values_list("kind", flat=True))
    assert RepairOrder.objects.filter(workshop__name="Шиномонтаж", kind="tyres").exists()

    # Mileage grows with each visit, at each vehicle's own pace.
    readings = defaultdict(list)
    for vehicle, opened, mileage in RepairOrder.objects.order_by("opened_at", "id").values_list(
        "vehicle", "opened_at", "mileage"
    ):
        readings[vehicle].append((opened, mileage))
    paces = set()
    for visits in readings.values():
        assert all(b[1] > a[1] for a, b in itertools.pairwise(visits))
        if len(visits) > 1:
            days = (visits[-1][0] - visits[0][0]).days or 1
            paces.add(round((visits[-1][1] - visits[0][1]) / days))
    assert len(paces) > 20
    latest = RepairOrder.objects.filter(vehicle=OuterRef("pk")).order_by("-opened_at", "-id")
    mismatched = (
        Vehicle.objects.filter(repair_orders__isnull=False)
        .distinct()
        .annotate(
            m=Subquery(latest.values("mileage")[:1]), d=Subquery(latest.values("opened_at")[:1])
        )
        .exclude(last_mileage=F("m"), last_mileage_date=F("d"))
    )
    assert not mismatched.exists()

    done = Recommendation.objects.filter(is_done=True).select_related("repair_order", "done_in")
    assert done.exists() and Recommendation.objects.filter(is_done=False).exists()
    for rec in done:
        assert rec.done_in.vehicle_id == rec.vehicle_id
        assert rec.done_in.opened_at >= rec.repair_order.opened_at


def test_seed_builds_worksheets_and_tasks_in_every_state(seeded):
    tasks = Task.objects.all()
    assert set(tasks.values_list("status", flat=True)) == set(Task.Status.values)
    assert set(tasks.exclude(outcome="").values_list("outcome", flat=True)) == set(
        Task.Outcome.values
    )
    assert set(
        tasks.exclude(interview_result=None).values_list("interview_result", flat=True)
    ) == set(InterviewResult.objects.values_list("id", flat=True))
    booked = tasks.filter(interview_result__behaviour=InterviewResult.Behaviour.BOOKED)
    assert booked.exists() and not booked.filter(purchase_option=None).exists()
    assert tasks.filter(outcome=Task.Outcome.REPEAT).exclude(copied_from=None).exists()
    assert tasks.filter(outcome=Task.Outcome.WRONG_DATA).exclude(wrong_data="").exists()
    assert tasks.exclude(previous_task=None).exists()
    assert tasks.exclude(involved_from=None).exists()
    assert not tasks.filter(status=Task.Status.DONE, goal_completed=False).exists()
    assert not tasks.filter(
        status=Task.Status.ON_CONTROL, interview_result__allows_control=False
    ).exists()
    assert not tasks.filter(status__in=Task.UNFINISHED, finished_at__isnull=False).exists()

    now = timezone.now()
    today = timezone.localdate()
    unfinished = tasks.filter(status__in=Task.UNFINISHED)
    assert unfinished.filter(planned_at__lt=now).exists()  # overdue
    assert unfinished.filter(planned_at__date=today).exists()
    assert unfinished.filter(planned_at__date__gt=today).exists()
    assert unfinished.filter(executor=None).exists()  # the department's pool
    assert unfinished.exclude(executor=None).exists()
    assert not tasks.filter(finished_at__gt=now).exists()
    assert not tasks.filter(taken_at__gt=now).exists()

    duplicates = (
        unfinished.values("worksheet", "task_type", "vehicle")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    assert (
        not Worksheet.objects.values("client", "department").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert set(Worksheet.objects.values_list("source", flat=True)) == set(Worksheet.Source.values)
    assert Task.objects.exclude(involved_from=None).filter(worksheet__source="involvement").exists()
    assert Worksheet.objects.values("department__kind").distinct().count() == 4

    assert set(ServiceRequest.objects.values_list("status", flat=True)) == set(
        ServiceRequest.Status.values
    )
    arrived = ServiceRequest.objects.filter(status="arrived").select_related("arrived_order")
    assert arrived.exists()
    assert all(r.arrived_order.vehicle_id == r.vehicle_id for r in arrived)

    for model, prefix in (
        (Worksheet, WORKSHEET_PREFIX),
        (Task, TASK_PREFIX),
        (ServiceRequest, SERVICE_REQUEST_PREFIX),
    ):
        numbers = list(model.objects.values_list("number", flat=True))
        assert len(numbers) == len(set(numbers))
        assert all(re.fullmatch(rf"{prefix}-\d{{6}}", n) for n in numbers)
        # The counter continues after the seeded numbers (on PostgreSQL a sequence, which
        # earlier tests may have moved on: gaps are allowed, repeats are not).
        assert NumberSequence.reserve(prefix)[0] > max(int(n.split("-")[1]) for n in numbers)


def test_seed_tasks_belong_to_chains_as_the_app_keeps_them(seeded):
    """A first task is its own origin; a follow-up and an involvement inherit theirs."""
    tasks = Task.objects.all()
    assert not tasks.filter(origin_task=None).exists()
    assert tasks.filter(origin_task=F("pk")).exists()
    assert not tasks.exclude(origin_task__origin_task=F("origin_task")).exists()
    assert (
        not tasks.exclude(previous_task=None)
        .exclude(origin_task=F("previous_task__origin_task"))
        .exists()
    )
    involved = tasks.exclude(involved_from=None)
    assert involved.exists()
    assert not involved.exclude(origin_task=F("involved_from__origin_task")).exists()
    # And each task is in its worksheet's department (Task.department).
    assert not tasks.exclude(department=F("worksheet__department")).exists()


def test_rows_saved_after_the_seed_get_fresh_ids_and_numbers(seeded):
    before = {
        model: model.objects.aggregate(m=Max("id"))["m"]
        for model in (
            Client,
            ClientPhone,
            Vehicle,
            RepairOrder,
            RepairOrderLine,
            Recommendation,
            Worksheet,
            Task,
            ServiceRequest,
        )
    }
    branch = Branch.objects.get(code="DEMO-MS")
    client = ClientFactory(home_branch=branch, external_id="")
    phone = ClientPhoneFactory(client=client)
    vehicle = VehicleFactory(owner=client, vin="", external_id="")
    order = RepairOrderFactory(vehicle=vehicle)
    line = RepairOrderLineFactory(repair_order=order)
    rec = RecommendationFactory(repair_order=order)
    department = Department.objects.get(branch=branch, kind="service")
    worksheet = WorksheetFactory(client=client, department=department)
    task = TaskFactory(worksheet=worksheet, vehicle=vehicle)
    request = ServiceRequestFactory(worksheet=worksheet, task=task)
    for obj in (client, phone, vehicle, order, line, rec, worksheet, task, request):
        assert obj.pk > before[type(obj)]
    assert not Worksheet.objects.filter(number=worksheet.number).exclude(pk=worksheet.pk).exists()
    assert not Task.objects.filter(number=task.number).exclude(pk=task.pk).exists()


def test_if_empty_seeds_once_then_prints_the_logins(db):
    first = seed("--size", "S", "--if-empty")
    counts = (Client.objects.count(), RepairOrder.objects.count(), Task.objects.count())
    second = seed("--size", "S", "--if-empty")
    assert (Client.objects.count(), RepairOrder.objects.count(), Task.objects.count()) == counts
    assert "Строк:" in first and "Строк:" not in second
    assert "уже загружены" in second and "manager1" in second


def test_refuses_a_database_with_other_data(db):
    BranchFactory(code="MSK1", name="Автоцентр на Ленинском")
    with pytest.raises(CommandError, match="не относятся к демо"):
        seed("--size", "S")
    with pytest.raises(CommandError, match="не относятся к демо"):
        seed("--size", "S", "--reset")
    assert "не загружаются" in seed("--size", "S", "--if-empty")
    assert not Client.objects.exists()
    assert not Branch.objects.filter(code__startswith="DEMO").exists()


def test_refuses_clients_imported_into_the_demo(seeded):
    ClientFactory(home_branch=Branch.objects.get(code="DEMO-DC"), external_id="1C-000123")
    with pytest.raises(CommandError, match="клиенты, загруженные из DMS"):
        seed("--size", "S", "--reset")


def test_seeding_again_needs_reset_which_reloads_the_same_data(seeded):
    with pytest.raises(CommandError, match="Демо-данные уже загружены"):
        seed("--size", "S")
    names = list(Client.objects.order_by("id").values_list("name", flat=True))
    vins = list(Vehicle.objects.order_by("id").values_list("vin", flat=True))
    users = set(User.objects.values_list("id", flat=True))

    seed("--size", "S", "--reset")

    assert list(Client.objects.order_by("id").values_list("name", flat=True)) == names
    assert list(Vehicle.objects.order_by("id").values_list("vin", flat=True)) == vins
    assert set(User.objects.values_list("id", flat=True)) == users
    assert Branch.objects.count() == 2
    assert Worksheet.objects.filter(number=f"{WORKSHEET_PREFIX}-000001").exists()


def test_the_largest_size_adds_dealerships_with_their_own_staff(db, monkeypatch):
    """L is M's two branches at M's size plus eight dealerships: a manager's rows do not grow
    with the group (checked here on 1,000 clients: the shares are what count)."""
    monkeypatch.setitem(demo_services.SIZES, "L", 1000)
    output = seed("--size", "L")

    codes = set(Branch.objects.values_list("code", flat=True))
    assert len(codes) == 10 and {"DEMO-MS", "DEMO-DC", "DEMO-03", "DEMO-10"} <= codes
    homes = dict(
        Client.objects.values("home_branch__code")
        .annotate(n=Count("id"))
        .values_list("home_branch__code", "n")
    )
    assert set(homes) == codes
    # 60 and 40 of every 500 clients as at M's 100,000 (60 %, 40 %), 50 for each of the rest.
    assert 0.08 < homes["DEMO-MS"] / 1000 < 0.16
    assert 0.05 < homes["DEMO-DC"] / 1000 < 0.11
    for code in codes - {"DEMO-MS", "DEMO-DC"}:
        assert 0.06 < homes[code] / 1000 < 0.14

    # Every branch's tasks are worked by that branch's own people.
    foreign = Task.objects.exclude(executor=None).exclude(
        executor__profile__branches=F("worksheet__department__branch")
    )
    assert not foreign.exists()
    head = User.objects.get(username="dc03.head")
    assert head.is_staff and head.profile.departments.count() == 4
    assert Task.objects.filter(executor__username="dc10.manager1").exists()
    assert re.search(r"^\s+dc10\.sales1\s+demo\s", output, re.MULTILINE)

    seed("--size", "S", "--reset")
    assert set(Branch.objects.values_list("code", flat=True)) == {"DEMO-MS", "DEMO-DC"}
