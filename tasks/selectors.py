"""Reads for the task window and «Мои задачи»."""

import datetime as dt

from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from client_history import selectors as history
from client_history.models import RepairOrder, Vehicle
from crm_workstation.queries import get_by_pk
from tasks.models import CallScript, FollowUpDelay, InterviewResult, Task

# A suggested call lands at this hour of the suggested day.
SUGGESTED_HOUR = 10


def task_for_window(*, user, pk: int) -> Task:
    """The task with everything the window shows about it; DoesNotExist outside the scope.

    Planning the join of many tables took PostgreSQL longer than reading the row, so the
    query is kept lean: a finished task's interview result, purchase option and copied task
    are read when its saved result is shown (an open task has none of them)."""
    tasks = Task.objects.visible_to(user).select_related(
        "worksheet__client__home_branch",
        "worksheet__department__branch",
        "worksheet__purpose",
        "task_type",
        "vehicle",
        "executor",
    )
    return get_by_pk(tasks, pk)


def earlier_interactions(*, task: Task, user, limit: int = 15) -> QuerySet[Task]:
    """The client's other tasks the user may see, latest planned first (SPEC §4.2.1)."""
    return history.tasks_for(user=user, client=task.worksheet.client).exclude(pk=task.pk)[:limit]


def suggested_follow_up_at(
    *, outcome: str | None, interview_result: InterviewResult | None, now: dt.datetime | None = None
) -> dt.datetime:
    """When to call again after this outcome, as a head set it in the admin (a day by default)."""
    now = timezone.localtime(now or timezone.now())
    if outcome not in Task.Outcome.values:
        outcome = None  # anything from a URL that is not an outcome suggests the default
    days = None
    if outcome == Task.Outcome.INTERVIEW and interview_result is not None:
        days = interview_result.follow_up_days
    if days is None and outcome:
        days = FollowUpDelay.objects.filter(outcome=outcome).values_list("days", flat=True).first()
    day = now.date() + dt.timedelta(days=max(days or 1, 1))
    return now.replace(
        year=day.year,
        month=day.month,
        day=day.day,
        hour=SUGGESTED_HOUR,
        minute=0,
        second=0,
        microsecond=0,
    )


def call_script(*, task: Task, user) -> str:
    """The task type's script for the worksheet's purpose (or for any purpose), filled in."""
    script = (
        CallScript.objects.filter(task_type_id=task.task_type_id)
        .filter(Q(purpose_id=task.worksheet.purpose_id) | Q(purpose__isnull=True))
        .order_by(F("purpose_id").asc(nulls_last=True))  # the purpose's own script first
        .first()
    )
    if script is None:
        return ""
    client = task.worksheet.client
    values = {
        "клиент": client.name,
        "автомобиль": str(task.vehicle) if task.vehicle else "—",
        "менеджер": user.get_full_name() or user.get_username(),
    }
    if "{последний визит}" not in script.text and "{следующее ТО}" not in script.text:
        return script.render(values)
    vehicles = (
        Vehicle.objects.filter(pk=task.vehicle_id)
        if task.vehicle_id
        else Vehicle.objects.filter(owner=client)
    )
    if "{последний визит}" in script.text:
        orders = RepairOrder.objects.filter(vehicle__in=vehicles)
        values["последний визит"] = _date(orders.aggregate(last=Max("opened_at"))["last"])
    if "{следующее ТО}" in script.text:
        values["следующее ТО"] = _date(history.next_maintenance(vehicles=vehicles))
    return script.render(values)


def _date(value: dt.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"
