"""«Создать рабочие листы»: the dedup rules, running it twice, importer rows that matched no
client, the batch remembered by every task, and the query count independent of the leads."""

import threading

import pytest
from django.db import connection

from client_history.models import Client, ClientPhone, Vehicle
from selections.models import ImporterVariant, Lead, LeadBatch
from selections.services import leads_set_selected, selection_run, worksheets_create_from_leads
from tasks.models import Task, TaskType
from tests.factories import TaskFactory, WorksheetFactory
from tests.selections.conftest import MAINTENANCE, Rule, day
from worksheets.models import Worksheet

pytestmark = pytest.mark.django_db

DECEMBER = (day("2025-12-01"), day("2025-12-31"))
Skip = Lead.SkipReason


@pytest.fixture
def kind(make_kind):
    return make_kind(
        Rule.WARRANTY_END, exclude_do_not_call=False, exclude_without_valid_phone=False
    )


def run(kind, user):
    batch = selection_run(kind=kind, user=user, period_from=DECEMBER[0], period_to=DECEMBER[1])
    leads_set_selected(batch=batch, selected=True)
    return batch


def test_new_client_gets_a_worksheet_and_a_task(kind, make_car, manager_a, service_a):
    car = make_car(sale_date=day("2022-12-10"))
    batch = run(kind, manager_a)

    summary = worksheets_create_from_leads(batch=batch, user=manager_a)

    assert (summary.created, summary.added, summary.skipped_total) == (1, 0, 0)
    worksheet = Worksheet.objects.get(client=car.owner, department=service_a)
    assert worksheet.source == Worksheet.Source.AUTO_SELECTION
    assert worksheet.purpose == kind.purpose and worksheet.initiator == manager_a
    assert worksheet.number.startswith("РЛ-")
    task = worksheet.tasks.get()
    assert task.number.startswith("ЗД-") and task.status == Task.Status.NEW
    assert task.task_type == kind.task_type and task.vehicle == car
    assert task.executor is None and task.created_by == manager_a
    assert task.department == service_a
    assert "срок 10.12.2025" in task.goal and kind.name in task.goal
    lead = batch.leads.get()
    assert lead.result == Lead.Result.WORKSHEET_CREATED
    assert lead.worksheet == worksheet and lead.task == task
    # The task starts its chain: follow-ups inherit it, so bookings count back to the batch.
    assert task.origin_task == task
    assert worksheet.history.count() == 1 and task.history.get().origin_task_id == task.pk


def test_existing_worksheet_gets_the_task(kind, make_car, manager_a, service_a):
    car = make_car(sale_date=day("2022-12-10"))
    worksheet = WorksheetFactory(client=car.owner, department=service_a)
    batch = run(kind, manager_a)

    summary = worksheets_create_from_leads(batch=batch, user=manager_a)

    assert (summary.created, summary.added) == (0, 1)
    assert Worksheet.objects.filter(client=car.owner).count() == 1
    assert worksheet.tasks.get().vehicle == car
    assert worksheet.tasks.get().department == service_a
    assert batch.leads.get().result == Lead.Result.TASK_ADDED


def test_skips_each_with_its_reason(kind, make_car, manager_a, service_a):
    quiet = make_car(sale_date=day("2022-12-10"))
    Client.objects.filter(pk=quiet.owner_id).update(do_not_call=True)
    no_phone = make_car(sale_date=day("2022-12-10"), phone=False)
    invalid = make_car(sale_date=day("2022-12-10"))
    ClientPhone.objects.filter(client=invalid.owner).update(is_invalid=True)
    busy = make_car(sale_date=day("2022-12-10"))
    TaskFactory(
        worksheet=WorksheetFactory(client=busy.owner, department=service_a),
        vehicle=busy,
        task_type=kind.task_type,
    )
    done_before = make_car(sale_date=day("2022-12-10"))
    TaskFactory(
        worksheet=WorksheetFactory(client=done_before.owner, department=service_a),
        vehicle=done_before,
        task_type=kind.task_type,
        status=Task.Status.CANCELLED,
    )
    batch = run(kind, manager_a)

    summary = worksheets_create_from_leads(batch=batch, user=manager_a)

    reasons = dict(batch.leads.values_list("vehicle_id", "skip_reason"))
    assert reasons[quiet.pk] == Skip.DO_NOT_CALL
    assert reasons[no_phone.pk] == reasons[invalid.pk] == Skip.NO_VALID_PHONE
    assert reasons[busy.pk] == Skip.TASK_EXISTS
    assert reasons[done_before.pk] == ""  # a finished task of the type is no obstacle
    assert summary.skipped == {Skip.DO_NOT_CALL: 1, Skip.NO_VALID_PHONE: 2, Skip.TASK_EXISTS: 1}
    assert summary.added == 1 and summary.created == 0
    assert "Нет действующего телефона" in dict(summary.skipped_by_reason)


def test_two_leads_of_one_car_make_one_task(make_kind, make_car, manager_a):
    kind = make_kind(Rule.POST_VISIT)
    car = make_car((day("2025-12-01"), 20000, MAINTENANCE), (day("2025-12-20"), 21000, MAINTENANCE))
    other_car = make_car(client=car.owner, sale_date=day("2020-01-01"))
    from tests.factories import RepairOrderFactory

    RepairOrderFactory(
        vehicle=other_car,
        client=car.owner,
        opened_at=day("2025-12-05"),
        branch=car.owner.home_branch,
    )
    batch = run(kind, manager_a)

    summary = worksheets_create_from_leads(batch=batch, user=manager_a)

    # One worksheet for the client, one task per car, the second order of the same car skipped.
    assert (summary.created, summary.added, summary.skipped[Skip.TASK_EXISTS]) == (1, 1, 1)
    worksheet = Worksheet.objects.get(client=car.owner)
    assert set(worksheet.tasks.values_list("vehicle_id", flat=True)) == {car.pk, other_car.pk}


def test_only_selected_leads_are_processed_and_running_twice_makes_nothing_new(
    kind, make_car, manager_a
):
    cars = [make_car(sale_date=day("2022-12-10")) for _ in range(3)]
    batch = selection_run(kind=kind, user=manager_a, period_from=DECEMBER[0], period_to=DECEMBER[1])
    leads_set_selected(batch=batch, selected=True, lead_ids=[batch.leads.get(vehicle=cars[0]).pk])

    first = worksheets_create_from_leads(batch=batch, user=manager_a)
    again = worksheets_create_from_leads(batch=batch, user=manager_a)

    assert first.created == 1 and again.tasks == 0 and again.skipped_total == 0
    assert Task.objects.count() == 1
    # Selecting everything now takes the two left; the processed lead is not touched again.
    assert leads_set_selected(batch=batch, selected=True) == 2
    assert worksheets_create_from_leads(batch=batch, user=manager_a).created == 2
    assert worksheets_create_from_leads(batch=batch, user=manager_a).tasks == 0
    assert Task.objects.count() == 3 and Worksheet.objects.count() == 3


def test_clear_unmarks_the_whole_batch(kind, make_car, manager_a):
    for _ in range(3):
        make_car(sale_date=day("2022-12-10"))
    batch = run(kind, manager_a)

    assert leads_set_selected(batch=batch, selected=False) == 3
    assert not batch.leads.filter(selected=True).exists()
    assert worksheets_create_from_leads(batch=batch, user=manager_a).tasks == 0


def test_a_second_batch_of_the_same_kind_skips_what_the_first_made(kind, make_car, manager_a):
    make_car(sale_date=day("2022-12-10"))
    worksheets_create_from_leads(batch=run(kind, manager_a), user=manager_a)

    summary = worksheets_create_from_leads(batch=run(kind, manager_a), user=manager_a)

    assert summary.skipped == {Skip.TASK_EXISTS: 1} and Task.objects.count() == 1


def test_query_count_does_not_grow_with_the_leads(
    kind, make_car, manager_a, django_assert_max_num_queries
):
    for _ in range(40):
        make_car(sale_date=day("2022-12-10"))
    batch = run(kind, manager_a)

    with django_assert_max_num_queries(16):
        summary = worksheets_create_from_leads(batch=batch, user=manager_a)

    assert summary.created == 40


@pytest.fixture
def importer_batch(branch_a, service_a, manager_a):
    return LeadBatch.objects.create(
        kind=LeadBatch.Kind.IMPORTER_FILE,
        branch=branch_a,
        department=service_a,
        importer_variant=ImporterVariant.objects.get(code="maintenance"),
        status=LeadBatch.Status.READY,
        created_by=manager_a,
    )


def importer_lead(batch, row, **data):
    values = {
        "vin": "",
        "plate": "",
        "make": "Haval",
        "model": "Jolion",
        "year": 2021,
        "name": "Кузнецова Ирина",
        "phones": ["+79051234567"],
        "email": "",
        "sale_date": None,
        "last_visit": "2025-03-01",
        "mileage": 41000,
    } | data
    return Lead.objects.create(
        batch=batch, row_number=row, data=values, selected=True, match=Lead.Match.NONE
    )


def test_importer_rows_that_match_nothing_create_the_client_and_the_vehicle(
    importer_batch, manager_a, service_a, make_car
):
    importer_lead(
        importer_batch, 2, vin="XW8AB12345C678901", phones=["+79051234567", "+79161112233"]
    )
    importer_lead(importer_batch, 3, plate="А777АА77", phones=["+79051234567"], make="Chery")
    known = make_car(vin="XW8ZZ12345C678902")
    importer_lead(importer_batch, 4, vin=known.vin, name="Новый Владелец", phones=["+79990001122"])
    bad = importer_lead(importer_batch, 5, phones=[])
    Lead.objects.filter(pk=bad.pk).update(is_usable=False, errors=["нет телефона"])

    summary = worksheets_create_from_leads(batch=importer_batch, user=manager_a)

    assert summary.skipped == {Skip.UNUSABLE: 1}
    client = Client.objects.get(phones__number="+79161112233")
    assert client.name == "Кузнецова Ирина" and client.home_branch == importer_batch.branch
    assert list(client.phones.values_list("number", "is_primary")) == [
        ("+79051234567", True),
        ("+79161112233", False),
    ]
    # The two rows with the same phone are one client with two cars on one worksheet.
    assert set(client.vehicles.values_list("make", flat=True)) == {"Haval", "Chery"}
    haval = client.vehicles.get(make="Haval")
    assert haval.vin == "XW8AB12345C678901" and haval.last_mileage == 41000
    worksheet = Worksheet.objects.get(client=client, department=service_a)
    assert worksheet.source == Worksheet.Source.IMPORTER_FILE
    assert worksheet.tasks.count() == 2
    assert worksheet.tasks.first().task_type == TaskType.objects.get(
        pk=importer_batch.importer_variant.task_type_id
    )
    # A VIN the dealer already knows is that car, not a second one.
    assert Vehicle.objects.filter(vin=known.vin).count() == 1
    assert importer_batch.leads.get(row_number=4).vehicle_id == known.pk
    assert summary.created == 2 and summary.added == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_create_each_task_once(kind, make_car, manager_a):
    for _ in range(20):
        make_car(sale_date=day("2022-12-10"))
    batch = run(kind, manager_a)
    barrier = threading.Barrier(2)
    results = []

    def create():
        barrier.wait()
        try:
            results.append(worksheets_create_from_leads(batch=batch, user=manager_a))
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.created for r in results) == [0, 20]
    assert Task.objects.count() == 20 and Worksheet.objects.count() == 20
