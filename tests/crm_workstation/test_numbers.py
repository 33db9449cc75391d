"""Human numbers (РЛ-/ЗД-/ЗС-): reserving them never waits for another user's transaction."""

import threading

import pytest
from django.db import connection, connections, transaction

from crm_workstation.models import NumberSequence
from tests.factories import WorksheetFactory
from worksheets.models import WORKSHEET_PREFIX


@pytest.mark.django_db
def test_a_block_is_reserved_in_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1):
        numbers = NumberSequence.reserve(WORKSHEET_PREFIX, 5000)

    assert len(set(numbers)) == 5000


@pytest.mark.django_db
def test_a_rolled_back_save_leaves_a_gap_never_a_duplicate(service_a):
    first = WorksheetFactory(department=service_a)
    try:
        with transaction.atomic():
            WorksheetFactory(department=service_a)
            raise RuntimeError("the save failed")
    except RuntimeError:
        pass
    second = WorksheetFactory(department=service_a)

    assert second.number > first.number


@pytest.mark.django_db(transaction=True)
def test_a_long_reservation_does_not_hold_up_another_users_save(service_a):
    """One user creates 5,000 worksheets in a long transaction while another saves one.

    On PostgreSQL the numbers come from a sequence, so the other save goes through at once. On
    SQLite one writer works at a time by design (the embedded default): the other save waits
    for the commit, then gets a number of its own. Never a duplicate on either.
    """
    reserved = threading.Event()
    finish = threading.Event()
    numbers: dict[str, list[int]] = {}

    def long_transaction():
        try:
            with transaction.atomic():
                numbers["long"] = NumberSequence.reserve(WORKSHEET_PREFIX, 5000)
                reserved.set()
                finish.wait(timeout=30)
        finally:
            connections.close_all()

    def other_users_save():
        try:
            worksheet = WorksheetFactory(department=service_a)
            numbers["short"] = [int(worksheet.number.split("-")[1])]
        finally:
            connections.close_all()

    worker = threading.Thread(target=long_transaction)
    worker.start()
    assert reserved.wait(timeout=10)
    other = threading.Thread(target=other_users_save)
    other.start()
    other.join(timeout=2)
    saved_while_open = not other.is_alive()
    finish.set()
    worker.join(timeout=30)
    other.join(timeout=30)

    assert saved_while_open == (connection.vendor == "postgresql")
    assert not set(numbers["short"]) & set(numbers["long"])
