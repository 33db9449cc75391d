"""«Мои задачи» (SPEC §6): what its two sections list, the filter over them, and the header's
count of tasks that are due."""

import datetime as dt
from collections.abc import Callable
from functools import cached_property

import django_filters
from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_workstation.models import Department
from tasks.models import Task, TaskType
from tasks.services import tasks_available_to

# The executor's own section: what they took (SPEC §6.2); `new` tasks are the other section's.
TAKEN_UNFINISHED = (Task.Status.IN_WORK, Task.Status.ON_CONTROL)
ROW_RELATIONS = ("worksheet__client", "vehicle", "task_type", "executor")


class Period(models.TextChoices):
    """The filter's presets."""

    TODAY = "today", _("Сегодня")
    WEEK = "week", _("Эта неделя")
    OVERDUE = "overdue", _("Просроченные")


# Dates a manager may mean; far ones would overflow once moved to UTC (0001-01-01 in Moscow).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
DATE_RANGE_MESSAGE = _("Укажите дату между 01.01.1900 и 31.12.2999.")
DATE_VALIDATORS = [
    MinValueValidator(EARLIEST, message=DATE_RANGE_MESSAGE),
    MaxValueValidator(LATEST, message=DATE_RANGE_MESSAGE),
]


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the workstation's time zone (Europe/Moscow)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class MyTasksFilter(django_filters.FilterSet):
    """The filter form of «Мои задачи»: every field lives in the query string."""

    period = django_filters.ChoiceFilter(
        label=_("Период"),
        choices=Period.choices,
        empty_label=_("Все"),
        widget=forms.RadioSelect,
        method="filter_period",
    )
    date_from = django_filters.DateFilter(
        label=_("Запланированы с"),
        method="filter_date_from",
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = django_filters.DateFilter(
        label=_("по"),
        method="filter_date_to",
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    task_type = django_filters.ModelChoiceFilter(
        label=_("Вид задачи"),
        queryset=TaskType.objects.order_by("order", "name"),
        empty_label=_("Все виды"),
    )
    hide_finished = django_filters.BooleanFilter(
        label=_("Скрыть завершённые"), widget=forms.CheckboxInput, method="filter_hide_finished"
    )

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(self, *args, now: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.form.fields["period"].error_messages["invalid_choice"] = _(
            "Неизвестный период «%(value)s»: выберите «Сегодня», «Эта неделя» или «Просроченные»."
        )
        self.form.fields["task_type"].error_messages["invalid_choice"] = _(
            "Такого вида задачи нет: выберите вид из списка."
        )
        for name in ("date_from", "date_to"):
            self.form.fields[name].error_messages["invalid"] = _(
                "Введите дату в виде ДД.ММ.ГГГГ, например 25.03.2025."
            )

    def filter_period(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = timezone.localdate(self.now)
        if value == Period.TODAY:
            return queryset.filter(
                planned_at__gte=day_start(today),
                planned_at__lt=day_start(today + dt.timedelta(days=1)),
            )
        if value == Period.WEEK:
            monday = today - dt.timedelta(days=today.weekday())
            return queryset.filter(
                planned_at__gte=day_start(monday),
                planned_at__lt=day_start(monday + dt.timedelta(days=7)),
            )
        if value == Period.OVERDUE:
            return queryset.filter(status__in=Task.UNFINISHED, planned_at__lt=self.now)
        return queryset

    def filter_date_from(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(planned_at__gte=day_start(value))

    def filter_date_to(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        # The whole last day is in: up to the next midnight.
        return queryset.filter(planned_at__lt=day_start(value + dt.timedelta(days=1)))

    def filter_hide_finished(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(status__in=Task.UNFINISHED) if value else queryset

    def apply(self, queryset: QuerySet) -> QuerySet:
        """The valid part of the filter over `queryset`; a field with an error is left out
        (the page says which and why)."""
        self.errors  # noqa: B018 - validates the form, so cleaned_data holds the valid fields
        return self.filter_queryset(queryset)


def _rows(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(*ROW_RELATIONS)


class Concatenated:
    """Two querysets read as one list by the paginator: all of `first`, then all of `second`.

    Each part keeps an order an index gives, where one ORDER BY over both (a CASE) would sort
    every task the user ever had on each page view. `counts`, when given, counts both parts in
    one query (the part's sizes as `(first, second)`), rather than one COUNT for each.
    """

    def __init__(
        self,
        first: QuerySet,
        second: QuerySet,
        *,
        counts: Callable[[], tuple[int, int]] | None = None,
    ):
        self.first, self.second = first, second
        self._counts = counts or (lambda: (self.first.count(), self.second.count()))

    @cached_property
    def part_counts(self) -> tuple[int, int]:
        return self._counts()

    @property
    def first_count(self) -> int:
        return self.part_counts[0]

    def count(self) -> int:
        return sum(self.part_counts)

    def __getitem__(self, key: slice) -> list:
        start, stop = key.start or 0, key.stop
        rows = []
        if start < self.first_count:
            rows += self.first[start : min(stop, self.first_count)]
        if stop > self.first_count:
            rows += self.second[max(start - self.first_count, 0) : stop - self.first_count]
        return rows


def tasks_taken_by(
    user: AbstractBaseUser, *, narrow: Callable[[QuerySet], QuerySet] = lambda qs: qs
) -> Concatenated:
    """SPEC §6.2: the user is the executor, and the task is in work, on control or done.

    Unfinished tasks come first by planned time; the finished ones follow, the latest first, so
    the first page is today's work rather than last year's calls. `narrow` is the filter. Both
    parts are counted in one pass over the user's tasks.
    """
    taken = narrow(Task.objects.visible_to(user).filter(executor_id=user.pk))
    # Written as the «Я исполнитель» index's own condition (status = … OR status = …): SQLite
    # uses a partial index only for a query that repeats its condition, and otherwise walked
    # the department's tasks in planned order (seed M: 125 ms).
    unfinished = Q(status=Task.Status.IN_WORK) | Q(status=Task.Status.ON_CONTROL)
    done = Q(status=Task.Status.DONE)

    def counts() -> tuple[int, int]:
        # One list of statuses, and counted by a column the (executor, status, worksheet)
        # index holds: PostgreSQL counts from the index alone.
        both = taken.filter(status__in=(*TAKEN_UNFINISHED, Task.Status.DONE)).aggregate(
            first=Count("status", filter=unfinished), second=Count("status", filter=done)
        )
        return both["first"], both["second"]

    return Concatenated(
        _rows(taken.filter(unfinished).order_by("planned_at", "id")),
        _rows(taken.filter(done).order_by("-planned_at", "-id")),
        counts=counts,
    )


def tasks_open_to(user: AbstractBaseUser) -> QuerySet[Task]:
    """SPEC §6.3: new tasks assigned to the user or unassigned in their departments, by
    planned time (overdue first, as they were planned earliest)."""
    return _rows(tasks_available_to(user).visible_to(user).order_by("planned_at", "id"))


def tasks_due_count(user: AbstractBaseUser, *, now: dt.datetime | None = None) -> int:
    """How many of the user's tasks are due now or overdue: unfinished, planned at or before
    now, in the user's departments, and theirs or nobody's yet.

    One COUNT statement (the departments as a subquery, not a separate read), as the header
    asks for it every minute on every open page.
    """
    due = Task.objects.filter(
        status__in=Task.UNFINISHED, planned_at__lte=now or timezone.now()
    ).filter(Q(executor_id=user.pk) | Q(executor__isnull=True))
    if not user.is_superuser:
        due = due.filter(
            department_id__in=Department.objects.filter(employeeprofile__user_id=user.pk).values(
                "id"
            )
        )
    return due.count()
