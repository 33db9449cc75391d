"""The invariants of SPEC §3 that live in the database, and the history of CRM records."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from client_history.models import Client
from crm_workstation.models import NumberSequence
from tasks.models import Task
from tests.factories import (
    ClientFactory,
    ClientPhoneFactory,
    ServiceRequestFactory,
    TaskFactory,
    VehicleFactory,
    WorksheetFactory,
)

pytestmark = pytest.mark.django_db


def test_one_worksheet_per_client_and_department(service_a):
    worksheet = WorksheetFactory(department=service_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorksheetFactory(department=service_a, client=worksheet.client)


def test_same_client_may_have_worksheets_in_two_departments(service_a, sales_a):
    worksheet = WorksheetFactory(department=service_a)
    WorksheetFactory(department=sales_a, client=worksheet.client)
    assert worksheet.client.worksheets.count() == 2


def test_one_unfinished_task_of_a_type_per_worksheet_and_vehicle(service_a):
    task = TaskFactory(worksheet__department=service_a, vehicle=VehicleFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(worksheet=task.worksheet, vehicle=task.vehicle, task_type=task.task_type)


def test_a_finished_task_does_not_block_a_new_one(service_a, manager_a):
    task = TaskFactory(worksheet__department=service_a, vehicle=VehicleFactory())
    task.status = Task.Status.DONE
    task.executor = manager_a
    task.outcome = Task.Outcome.NO_ANSWER
    task.finished_at = timezone.now()
    task.save()
    TaskFactory(worksheet=task.worksheet, vehicle=task.vehicle, task_type=task.task_type)
    assert task.worksheet.tasks.count() == 2


def test_vin_is_unique_when_present():
    VehicleFactory(vin="")
    VehicleFactory(vin="")
    VehicleFactory(vin="XW8ZZZ61ZKG000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        VehicleFactory(vin="XW8ZZZ61ZKG000001")


def test_one_primary_phone_per_client():
    client = ClientFactory()
    ClientPhoneFactory(client=client, is_primary=True)
    ClientPhoneFactory(client=client, is_primary=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhoneFactory(client=client, is_primary=True)


def test_human_numbers_are_formatted_and_unique(service_a):
    worksheets = [WorksheetFactory(department=service_a) for _ in range(3)]
    numbers = [w.number for w in worksheets]
    assert all(re.fullmatch(r"РЛ-\d{6}", n) for n in numbers)
    assert len(set(numbers)) == 3
    task = TaskFactory(worksheet=worksheets[0])
    request = ServiceRequestFactory(worksheet=worksheets[0])
    assert re.fullmatch(r"ЗД-\d{6}", task.number)
    assert re.fullmatch(r"ЗС-\d{6}", request.number)


def test_number_sequence_reserves_a_block_of_new_numbers_in_one_call():
    block = NumberSequence.reserve("ЗД", 10)
    after = NumberSequence.reserve("ЗД", 1)
    assert len(set(block)) == 10
    assert block == sorted(block)
    assert after[0] > block[-1]


def test_client_name_search_key_ignores_case_and_yo():
    client = ClientFactory(name="Семёнов  Пётр")
    assert Client.objects.get(pk=client.pk).name_search == "семенов петр"


def test_task_changes_are_kept_with_before_and_after(service_a, manager_a):
    task = TaskFactory(worksheet__department=service_a)
    task.status = Task.Status.IN_WORK
    task.executor = manager_a
    task._history_user = manager_a
    task.save()
    newest, previous = task.history.all()[:2]
    delta = newest.diff_against(previous)
    changed = {change.field: (change.old, change.new) for change in delta.changes}
    assert changed["status"] == ("new", "in_work")
    assert newest.history_user == manager_a


def test_worksheet_and_service_request_keep_history(service_a):
    request = ServiceRequestFactory(worksheet__department=service_a)
    request.status = request.Status.CONFIRMED
    request.save()
    assert request.history.count() == 2
    assert request.worksheet.history.count() == 1


def test_phones_are_stored_normalised():
    phone = ClientPhoneFactory(number="8 (916) 123-45-67")
    assert phone.number == "+79161234567"


def test_a_phone_that_is_not_russian_is_refused_with_a_russian_message():
    from django.core.exceptions import ValidationError

    phone = ClientPhoneFactory.build(client=ClientFactory(), number="12-34")
    with pytest.raises(ValidationError) as error:
        phone.full_clean()
    assert "российский номер" in str(error.value)
