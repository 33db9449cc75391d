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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer in at a time; the PostgreSQL run of CI checks this",
)
@pytest.mark.django_db(transaction=True)
def test_reserving_does_not_wait_for_another_open_transaction(service_a):
    """One user creates worksheets in a long transaction; another's save goes through at once."""
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

    worker = threading.Thread(target=long_transaction)
    worker.start()
    try:
        assert reserved.wait(timeout=10)
        with transaction.atomic(), connection.cursor() as cursor:
            # Waiting on the other transaction's lock would fail here instead of hanging.
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            worksheet = WorksheetFactory(department=service_a)
        numbers["short"] = [int(worksheet.number.split("-")[1])]
    finally:
        finish.set()
        worker.join(timeout=30)

    assert not set(numbers["short"]) & set(numbers["long"])
