"""A constructed data set for «Аналитика»: every figure of the tests is counted by hand from it.

The period is 01.03.2025–10.03.2025 (ten days), the previous one 19.02.2025–28.02.2025.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from client_history.models import RepairOrder
from selections.models import ImporterVariant, Lead, LeadBatch, SelectionKind
from tasks.models import InterviewResult, ServiceRequest, Task, TaskType
from tests.factories import (
    RepairOrderFactory,
    ServiceRequestFactory,
    TaskFactory,
    VehicleFactory,
    WorksheetFactory,
    make_employee,
)
from worksheets.models import Purpose

PERIOD = {"date_from": "2025-03-01", "date_to": "2025-03-10"}
DURING_CALL = "Клиент записан на сервис во время звонка"  # counts as booking, with a request
BOOKED = "Клиент записан на сервис"  # counts as booking, allows control
LATER = "Планирует визит позже"  # not a booking, allows control
NOT_NEEDED = "Не требуется"


def at(day: str, hour: int = 10) -> dt.datetime:
    """A moment in the workstation's time zone: at("2025-03-02", 10)."""
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def result(name: str) -> InterviewResult:
    return InterviewResult.objects.get(name=name)


@dataclass
class Maker:
    department: object

    def task(
        self,
        planned: dt.datetime,
        *,
        status="new",
        executor=None,
        outcome="",
        after=None,
        interview=None,
        worksheet=None,
        vehicle=None,
        **fields,
    ) -> Task:
        worksheet = worksheet or WorksheetFactory(department=self.department)
        vehicle = vehicle or VehicleFactory(owner=worksheet.client)
        finished = planned + after if after is not None else None
        if status in ("in_work", "on_control", "done") and executor is None:
            raise ValueError("a taken task needs its executor")
        return TaskFactory(
            worksheet=worksheet,
            vehicle=vehicle,
            planned_at=planned,
            status=status,
            executor=executor,
            outcome=outcome,
            interview_result=result(interview) if interview else None,
            finished_at=finished if status == "done" else None,
            **fields,
        )

    @staticmethod
    def request(task: Task, *, desired: dt.datetime, created: dt.datetime, status="new"):
        booking = ServiceRequestFactory(
            worksheet=task.worksheet,
            task=task,
            vehicle=task.vehicle,
            desired_at=desired,
            status=status,
        )
        ServiceRequest.objects.filter(pk=booking.pk).update(created_at=created)
        booking.refresh_from_db()
        return booking

    @staticmethod
    def order(vehicle, opened: str, amount: str) -> RepairOrder:
        return RepairOrderFactory(
            vehicle=vehicle, opened_at=dt.date.fromisoformat(opened), amount=Decimal(amount)
        )


@pytest.fixture
def manager_a2(branch_a, service_a):
    return make_employee(
        "manager_a2", role="Менеджер", branches=[branch_a], departments=[service_a]
    )


@pytest.fixture
def data_set(service_a, service_b, manager_a, manager_a2, manager_b, head_a):
    """The tasks of branch A for the period and the previous one, and one task of branch B."""
    make = Maker(service_a)
    hours = dt.timedelta(hours=1)
    done = {"status": "done"}
    # The period.
    t1 = make.task(
        at("2025-03-02"),
        executor=manager_a,
        outcome="interview",
        interview=DURING_CALL,
        after=2 * hours,
        **done,
    )
    make.request(t1, desired=at("2025-03-05"), created=t1.finished_at)
    make.order(t1.vehicle, "2025-03-05", "10000.00")
    t2 = make.task(
        at("2025-03-03"),
        executor=manager_a,
        outcome="interview",
        interview=BOOKED,
        after=4 * hours,
        **done,
    )
    make.order(t2.vehicle, "2025-03-06", "5000.00")  # no request: the order after the call
    t3 = make.task(
        at("2025-03-04"),
        executor=manager_a2,
        outcome="interview",
        interview=NOT_NEEDED,
        after=hours,
        **done,
    )
    make.order(t3.vehicle, "2025-03-05", "777.00")  # not booked: no arrival
    t4 = make.task(
        at("2025-03-05"), executor=manager_a2, outcome="no_answer", after=3 * hours, **done
    )
    t5 = make.task(
        at("2025-03-06"),
        executor=manager_a,
        status="on_control",
        outcome="interview",
        interview=LATER,
    )
    t6 = make.task(at("2025-03-02", 12), executor=manager_a, status="in_work")
    t7 = make.task(at("2025-03-07"))
    make.task(at("2025-03-08"), status="cancelled")
    # The previous period.
    p1 = make.task(
        at("2025-02-20"),
        executor=manager_a,
        outcome="interview",
        interview=DURING_CALL,
        after=6 * hours,
        **done,
    )
    make.request(p1, desired=at("2025-02-25"), created=p1.finished_at)  # never came
    p2 = make.task(
        at("2025-02-28", 18), executor=manager_a, outcome="no_answer", after=2 * hours, **done
    )
    # Outside both periods.
    make.task(at("2025-03-11"), executor=manager_a, outcome="no_answer", after=hours, **done)
    make.task(at("2025-02-18", 23), executor=manager_a, outcome="no_answer", after=hours, **done)
    # Branch B: never counted for A's users.
    other = Maker(service_b)
    b1 = other.task(
        at("2025-03-02"),
        executor=manager_b,
        outcome="interview",
        interview=BOOKED,
        after=hours,
        **done,
    )
    other.order(b1.vehicle, "2025-03-03", "99999.00")
    return {
        "t1": t1,
        "t2": t2,
        "t3": t3,
        "t4": t4,
        "t5": t5,
        "t6": t6,
        "t7": t7,
        "p1": p1,
        "p2": p2,
        "b1": b1,
        "make": make,
    }


@pytest.fixture
def make_batch(service_a):
    """A lead batch of service A with its leads: each lead a (result, task) pair."""

    def make(*leads, kind=None, variant=None, created=None, department=None):
        department = department or service_a
        batch = LeadBatch.objects.create(
            kind=LeadBatch.Kind.SELECTION if kind else LeadBatch.Kind.IMPORTER_FILE,
            branch=department.branch,
            department=department,
            selection_kind=kind,
            importer_variant=variant,
            status=LeadBatch.Status.READY,
        )
        if created is not None:
            LeadBatch.objects.filter(pk=batch.pk).update(created_at=created)
        for index, (result_value, task) in enumerate(leads, start=1):
            if task is not None and task.origin_task_id is None:
                # As «Создать рабочие листы» makes it: a lead's task starts its own chain.
                Task.objects.filter(pk=task.pk).update(origin_task=task)
            Lead.objects.create(
                batch=batch,
                row_number=index,
                result=result_value,
                task=task,
                worksheet=task.worksheet if task else None,
                client=task.worksheet.client if task else None,
            )
        return batch

    return make


@pytest.fixture
def selection_kind(service_a):
    return SelectionKind.objects.create(
        name="Подошло ТО",
        department=service_a,
        rule=SelectionKind.Rule.MAINTENANCE_DUE,
        task_type=TaskType.objects.get(code="maintenance_call"),
        purpose=Purpose.objects.order_by("order").first(),
    )


@pytest.fixture
def importer_variant():
    return ImporterVariant.objects.order_by("pk").first()
