"""Workflows that write tasks: saving a task's result with everything planned from it, and
taking the next task. Each is one transaction; views and commands call them, they never see a
request."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from client_history.models import ClientPhone, RepairOrder, Vehicle
from crm_workstation.models import Department, Workshop
from crm_workstation.scoping import user_scope
from tasks.models import InterviewResult, PurchaseOption, ServiceRequest, Task, TaskType
from worksheets.models import Worksheet
from worksheets.selectors import reassign_departments


class TaskConflict(Exception):
    """The task changed under the user (taken by somebody else, saved in another tab)."""


class TaskPlanError(Exception):
    """Something planned from the task cannot be made; `field` names the form part."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TaskResult:
    outcome: str
    interview_result: InterviewResult | None = None
    purchase_option: PurchaseOption | None = None
    comment: str = ""
    reported_mileage: int | None = None
    wrong_data: str = ""
    wrong_phone: ClientPhone | None = None
    goal_completed: bool = False
    copied_from: Task | None = None


@dataclass(frozen=True)
class FollowUp:
    """«Запланировать новую задачу»."""

    task_type: TaskType
    planned_at: dt.datetime
    comment: str
    to_pool: bool = False


@dataclass(frozen=True)
class Involvement:
    """«Привлечь исполнителя»: a task for another department of the branch."""

    department: Department
    task_type: TaskType
    planned_at: dt.datetime
    comment: str
    executor: AbstractBaseUser | None = None


@dataclass(frozen=True)
class ServiceBooking:
    """«Добавить заявку на обслуживание»."""

    workshop: Workshop | None
    desired_at: dt.datetime
    requested_works: str
    purchase_option: PurchaseOption | None
    comment: str


def user_is_head_of(user: AbstractBaseUser, department_id: int) -> bool:
    scope = user_scope(user)
    return scope.all_access or (
        department_id in scope.department_ids and user.has_perm("tasks.reassign_task")
    )


def task_can_save(*, task: Task, user: AbstractBaseUser) -> bool:
    """SPEC §10: the executor, anyone of the department while unassigned, or the head."""
    if task.is_finished:
        return False
    if task.executor_id == user.pk:
        return True
    department_id = task.worksheet.department_id
    if task.executor_id is None and department_id in user_scope(user).department_ids:
        return True
    return user_is_head_of(user, department_id)


def taken_by_message(executor: AbstractBaseUser) -> str:
    return _("Задачу уже взял в работу %(name)s.") % {
        "name": executor.get_full_name() or executor.get_username()
    }


def _claim(*, task: Task, user: AbstractBaseUser, version: int) -> None:
    """Move the task's version on, provided nobody changed it since `version` was read.

    A conditional UPDATE: on PostgreSQL the second of two concurrent saves waits for the first
    to commit, then finds the version moved and updates nothing; SQLite runs one writer at a
    time. Either way exactly one save wins and the other is told who has the task.
    """
    claimed = Task.objects.filter(
        pk=task.pk, version=version, executor_id=task.executor_id, status__in=Task.UNFINISHED
    ).update(version=F("version") + 1)
    if claimed:
        task.version = version + 1
        return
    current = Task.objects.select_related("executor").get(pk=task.pk)
    if current.executor_id not in (None, user.pk):
        raise TaskConflict(taken_by_message(current.executor))
    if current.is_finished:
        raise TaskConflict(_("Задача уже завершена: её результат сохранён раньше."))
    raise TaskConflict(
        _(
            "Задачу изменили после того, как вы её открыли. Откройте её заново и проверьте результат."
        )
    )


def _next_status(result: TaskResult, *, follow_up: FollowUp | None) -> str:
    """SPEC §4.1. A new task planned from this one carries the work on, so this one is done."""
    if result.goal_completed or follow_up is not None:
        return Task.Status.DONE
    if (
        result.outcome == Task.Outcome.INTERVIEW
        and result.interview_result is not None
        and result.interview_result.allows_control
    ):
        return Task.Status.ON_CONTROL
    return Task.Status.IN_WORK


def task_save_result(
    *,
    task: Task,
    user: AbstractBaseUser,
    version: int,
    result: TaskResult,
    follow_up: FollowUp | None = None,
    involvement: Involvement | None = None,
    booking: ServiceBooking | None = None,
) -> Task:
    """Save the result of `task` and everything planned from it, all or nothing.

    `version` is the task's version the user's form was built from: a save over a newer one
    (somebody took the task, another tab saved it) raises TaskConflict and writes nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        _claim(task=task, user=user, version=version)
        if task.executor_id is None:
            task.executor = user
        if task.taken_at is None:
            task.taken_at = now
        task.outcome = result.outcome
        task.interview_result = result.interview_result
        task.purchase_option = result.purchase_option
        task.comment = result.comment
        task.reported_mileage = result.reported_mileage
        task.wrong_data = result.wrong_data
        task.copied_from = result.copied_from
        task.status = _next_status(result, follow_up=follow_up)
        task.goal_completed = result.goal_completed and task.status == Task.Status.DONE
        task.finished_at = now if task.status == Task.Status.DONE else None
        task._history_user = user
        task.save()
        _apply_side_effects(task=task, result=result, user=user, now=now)
        if follow_up is not None:
            task_plan_follow_up(task=task, user=user, follow_up=follow_up)
        if involvement is not None:
            task_involve_executor(task=task, user=user, involvement=involvement)
        if booking is not None:
            service_request_create(task=task, user=user, booking=booking)
    return task


def _apply_side_effects(*, task: Task, result: TaskResult, user, now: dt.datetime) -> None:
    vehicle = task.vehicle
    if result.reported_mileage is not None and vehicle is not None:
        day = timezone.localdate(now)  # the workstation's day, not UTC's (00:00–03:00 MSK)
        Vehicle.objects.filter(pk=vehicle.pk).update(
            last_mileage=result.reported_mileage, last_mileage_date=day
        )
        vehicle.last_mileage, vehicle.last_mileage_date = result.reported_mileage, day
    if result.outcome != Task.Outcome.WRONG_DATA:
        return
    if result.wrong_data == Task.WrongData.PHONE and result.wrong_phone is not None:
        ClientPhone.objects.filter(pk=result.wrong_phone.pk).update(is_invalid=True)
    elif result.wrong_data == Task.WrongData.VEHICLE and vehicle is not None:
        Vehicle.objects.filter(pk=vehicle.pk).update(needs_data_check=True)


def _create_task(*, user, **fields) -> Task:
    """Create a task, turning the one-unfinished-task rule into the user's message."""
    task = Task(created_by=user, **fields)
    task._history_user = user
    try:
        with transaction.atomic():
            task.save()
            return task
    except IntegrityError as error:
        raise TaskPlanError(
            _(
                "Незавершённая задача этого вида по этому автомобилю уже есть в рабочем листе: "
                "выберите другой вид задачи или завершите ту."
            ),
            field="task_type",
        ) from error


def task_plan_follow_up(*, task: Task, user, follow_up: FollowUp) -> Task:
    """«Запланировать новую задачу»: the same worksheet and vehicle, after this task."""
    return _create_task(
        worksheet=task.worksheet,
        task_type=follow_up.task_type,
        vehicle=task.vehicle,
        goal=follow_up.comment,
        planned_at=follow_up.planned_at,
        executor=None if follow_up.to_pool else user,
        previous_task=task,
        origin_task_id=task.origin_task_id or task.pk,
        user=user,
    )


def task_involve_executor(*, task: Task, user, involvement: Involvement) -> Task:
    """«Привлечь исполнителя»: the client's worksheet in that department, found or made."""
    department = involvement.department
    if department.branch_id != task.worksheet.department.branch_id:
        raise TaskPlanError(
            _("Привлечь можно только ЦФО той же структурной единицы."), field="department"
        )
    worksheet, _created = Worksheet.objects.get_or_create(
        client=task.worksheet.client,
        department=department,
        defaults={
            "purpose": task.worksheet.purpose,
            "initiator": user,
            "source": Worksheet.Source.INVOLVEMENT,
            "responsible": involvement.executor,
        },
    )
    return _create_task(
        worksheet=worksheet,
        task_type=involvement.task_type,
        vehicle=task.vehicle,
        goal=involvement.comment,
        planned_at=involvement.planned_at,
        executor=involvement.executor,
        involved_from=task,
        origin_task_id=task.origin_task_id or task.pk,
        user=user,
    )


def service_request_create(*, task: Task, user, booking: ServiceBooking) -> ServiceRequest:
    """«Добавить заявку на обслуживание» for the task's client and car."""
    if not user.has_perm("tasks.add_servicerequest"):
        raise TaskPlanError(_("У вас нет права создавать заявки на обслуживание."), field="request")
    request = ServiceRequest(
        worksheet=task.worksheet,
        task=task,
        vehicle=task.vehicle,
        workshop=booking.workshop,
        desired_at=booking.desired_at,
        requested_works=booking.requested_works,
        purchase_option=booking.purchase_option,
        comment=booking.comment,
        created_by=user,
    )
    request._history_user = user
    request.save()
    return request


def tasks_available_to(user):
    """New tasks the user may take (SPEC §6.3): assigned to them, or unassigned in their
    departments."""
    # Within the user's departments either way: a task assigned to them in a department they
    # no longer work in would only answer 404 in the window.
    return (
        Task.objects.visible_to(user)
        .filter(status=Task.Status.NEW)
        .filter(Q(executor_id=user.pk) | Q(executor__isnull=True))
    )


def task_take_next(*, user) -> Task | None:
    """«Следующая задача»: the most urgent task available to the user, made theirs.

    Overdue tasks come first simply because they were planned earliest. Two managers pressing
    it at once never get the same task: on PostgreSQL the candidate row is locked with SKIP
    LOCKED (the other takes the next one), and the take itself is a conditional update.
    """
    candidates = tasks_available_to(user).order_by("planned_at", "id")
    for _attempt in range(5):
        with transaction.atomic():
            rows = candidates
            if connection.vendor == "postgresql":
                rows = rows.select_for_update(skip_locked=True, of=("self",))
            task = rows.select_related("executor").first()
            if task is None:
                return None
            if task.executor_id == user.pk:
                return task
            taken = Task.objects.filter(pk=task.pk, executor__isnull=True, status="new").update(
                executor_id=user.pk, version=F("version") + 1
            )
            if taken:
                task.refresh_from_db()
                task._history_user = user
                # The take is in the task's history like any other change of its executor.
                task.save(update_fields=["executor"])
                return task
    return None


# The worksheet window (SPEC §5.3.4) and a department head's reassignment (§5.3.9).


def worksheet_involve_department(*, worksheet: Worksheet, user, involvement: Involvement) -> Task:
    """«Привлечь исполнителя» from the worksheet window: a task for another department of the
    same branch, on the client's worksheet there (found or made).

    The involvement is about the worksheet's current work, so the new task names as
    `involved_from` the worksheet's nearest unfinished task (or its latest task) and continues
    that task's chain; both worksheets then show each other (§5.3.3, §5.3.6). A worksheet with
    no task yet involves from nothing: the new task starts its own chain.
    """
    source = (
        worksheet.tasks.filter(status__in=Task.UNFINISHED).order_by("planned_at", "id").first()
        or worksheet.tasks.order_by("-planned_at", "-id").first()
    )
    with transaction.atomic():
        if source is not None:
            return task_involve_executor(task=source, user=user, involvement=involvement)
        department = involvement.department
        if (
            department.branch_id != worksheet.department.branch_id
            or department == worksheet.department
        ):
            raise TaskPlanError(
                _("Привлечь можно только другой ЦФО той же структурной единицы."),
                field="department",
            )
        target, _created = Worksheet.objects.get_or_create(
            client=worksheet.client,
            department=department,
            defaults={
                "purpose": worksheet.purpose,
                "initiator": user,
                "source": Worksheet.Source.INVOLVEMENT,
                "responsible": involvement.executor,
            },
        )
        task = _create_task(
            worksheet=target,
            task_type=involvement.task_type,
            goal=involvement.comment,
            planned_at=involvement.planned_at,
            executor=involvement.executor,
            user=user,
        )
        # A first task is the start of its own chain.
        Task.objects.filter(pk=task.pk).update(origin_task_id=task.pk)
        task.origin_task_id = task.pk
        return task


def tasks_reassign(*, tasks_qs, executor: AbstractBaseUser, user: AbstractBaseUser) -> int:
    """A department head gives tasks to `executor`, one or many at once; how many changed.

    Only unfinished tasks of the departments the user heads (`reassign_task`) and `executor`
    works in are changed; the rest of `tasks_qs` is left alone. One transaction, one UPDATE
    per batch, and a history record of each change with the head as its author. Each changed
    task's version moves on, so a result form opened before the change is refused.
    """
    allowed = reassign_departments(user=user).filter(employeeprofile__user=executor)
    with transaction.atomic():
        rows = Task.objects.filter(
            pk__in=tasks_qs.order_by().values("pk"),
            status__in=Task.UNFINISHED,
            department__in=allowed,
        ).exclude(executor=executor)
        if connection.vendor == "postgresql":
            rows = rows.select_for_update(of=("self",))
        tasks = list(rows.order_by("pk"))
        for task in tasks:
            task.executor = executor
            task.version += 1
        if tasks:
            bulk_update_with_history(
                tasks, Task, ["executor", "version"], batch_size=500, default_user=user
            )
    return len(tasks)


# Arrivals: did the booked car come to the workshop? (SPEC §3, §9)


def arrival_orders(*, vehicle, booked_at, until) -> QuerySet[RepairOrder]:
    """The repair orders that count as the arrival of a booking, earliest first: of `vehicle`,
    opened on or after the day of `booked_at` and no later than ANALYTICS_ARRIVAL_DAYS days
    after the day of `until` (a request's desired date; for a booking result without a
    request, the call itself). The arguments may be expressions (OuterRef), so the marking
    below and «Аналитика» apply one rule in SQL."""
    booked = ExpressionWrapper(booked_at, output_field=DateTimeField())
    late = ExpressionWrapper(
        until + dt.timedelta(days=settings.ANALYTICS_ARRIVAL_DAYS), output_field=DateTimeField()
    )
    return RepairOrder.objects.filter(
        vehicle=vehicle, opened_at__gte=TruncDate(booked), opened_at__lte=TruncDate(late)
    ).order_by("opened_at", "id")


def service_requests_mark_arrived(*, since: dt.date) -> int:
    """Mark `arrived` the open service requests (new, confirmed) desired on or after `since`
    whose car came, and link each to its arrival order; how many were marked.

    One UPDATE over the set, and a history record of each change. Idempotent: a marked
    request is no longer open, so a second run finds nothing to do.
    """
    order = arrival_orders(
        vehicle=OuterRef("vehicle"), booked_at=OuterRef("created_at"), until=OuterRef("desired_at")
    )
    open_statuses = [ServiceRequest.Status.NEW, ServiceRequest.Status.CONFIRMED]
    since_at = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    with transaction.atomic():
        ids = list(
            ServiceRequest.objects.filter(
                Exists(order),
                status__in=open_statuses,
                vehicle__isnull=False,
                desired_at__gte=since_at,
            ).values_list("pk", flat=True)
        )
        if not ids:
            return 0
        marked = ServiceRequest.objects.filter(pk__in=ids, status__in=open_statuses)
        count = marked.update(
            status=ServiceRequest.Status.ARRIVED, arrived_order=Subquery(order.values("pk")[:1])
        )
        ServiceRequest.history.bulk_history_create(
            list(ServiceRequest.objects.filter(pk__in=ids)),
            update=True,
            default_change_reason="mark_arrivals",
        )
    return count
