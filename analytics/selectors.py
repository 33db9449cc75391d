"""The figures of «Аналитика» (SPEC §9). Each block is one aggregate query (the funnel's
revenue a second) that counts the period and the previous period of equal length side by
side; no figure is counted row by row in Python. Everything reads through the one scoping
rule: Task / LeadBatch `.visible_to(user)`.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.aggregates import Median
from analytics.forms import Filters
from client_history.models import RepairOrder
from selections.models import Lead, LeadBatch
from tasks.filters import day_start
from tasks.models import ServiceRequest, Task
from tasks.services import arrival_orders

DONE = Task.Status.DONE
INTERVIEW = Task.Outcome.INTERVIEW
ZERO_MONEY = Decimal("0.00")


@dataclass(frozen=True)
class Figure:
    """A figure of the period beside the same figure of the previous period."""

    current: float | int | Decimal | dt.timedelta | None
    previous: float | int | Decimal | dt.timedelta | None
    # Whether a rise is good news (done, bookings) or bad (overdue, time to done).
    rise_is_good: bool = True

    @property
    def trend(self) -> str:
        """up, down or flat; flat when either side is unknown."""
        if self.current is None or self.previous is None or self.current == self.previous:
            return "flat"
        return "up" if self.current > self.previous else "down"

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "flat": "→"}[self.trend]

    @property
    def verdict(self) -> str:
        if self.trend == "flat":
            return "same"
        return "good" if (self.trend == "up") == self.rise_is_good else "bad"


def rate(part: int | None, whole: int | None) -> float | None:
    """A share in per cent, one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return round(100 * (part or 0) / whole, 1)


# The task set: scope, filter, both periods.


def tasks_in_scope(filters: Filters) -> QuerySet[Task]:
    """The tasks the user may see, narrowed by the structural unit, department and manager."""
    tasks = Task.objects.visible_to(filters.user)
    if filters.branch is not None:
        tasks = tasks.filter(department__branch=filters.branch)
    if filters.department is not None:
        tasks = tasks.filter(department=filters.department)
    if filters.manager is not None:
        tasks = tasks.filter(executor=filters.manager)
    return tasks


def _period_tasks(filters: Filters) -> QuerySet[Task]:
    """Tasks due in the period or the previous one (cancelled ones were never due)."""
    return (
        tasks_in_scope(filters)
        .filter(planned_at__gte=filters.period.previous.start, planned_at__lt=filters.period.end)
        .exclude(status=Task.Status.CANCELLED)
    )


def _current(filters: Filters) -> Q:
    return Q(planned_at__gte=filters.period.start)


def _previous(filters: Filters) -> Q:
    return Q(planned_at__lt=filters.period.start)


def _bookings() -> QuerySet[ServiceRequest]:
    """A task's service requests that stand (a cancelled request booked nothing)."""
    return ServiceRequest.objects.filter(task=OuterRef("pk")).exclude(
        status=ServiceRequest.Status.CANCELLED
    )


def _has_booking(*, negated: bool = False) -> IsNull:
    """Whether a task has a standing service request, as a scalar subquery on the request
    index: an EXISTS here is turned by PostgreSQL into a hash of every standing request of
    the group (seed L: 105,000 rows, three times a query), where this reads the index for the
    reached tasks only (the conditions before it rule the others out first)."""
    return IsNull(Subquery(_bookings().order_by().values("pk")[:1]), negated)


def booked_q() -> Q:
    """A task that booked the client: reached, and a service request or a booking result."""
    return Q(outcome=INTERVIEW) & (Q(interview_result__counts_as_booking=True) | Q(_has_booking()))


def _result_arrival() -> QuerySet[RepairOrder]:
    """The arrival of a booking result that has no request: an order after the call."""
    return arrival_orders(
        vehicle=OuterRef("vehicle"),
        booked_at=OuterRef("finished_at"),
        until=OuterRef("finished_at"),
    )


def arrival_order(*, amount: bool = False) -> Coalesce:
    """The id (or, with `amount`, the amount) of a task's arrival repair order, or NULL: the
    order its request was linked to when marked arrived (`mark_arrivals`), or, for a booking
    result without a request, the first order opened within the window after the call."""
    arrived = ServiceRequest.objects.filter(
        status=ServiceRequest.Status.ARRIVED, arrived_order__isnull=False
    )
    # Which tasks have an arrived request is one set, read once (PostgreSQL hashes it): the
    # ordered probe for the earliest order then runs for those tasks only, not for every
    # reached one (seed M, a year: 4,000 probes instead of 49,000).
    from_request = Case(
        When(
            pk__in=arrived.filter(task__isnull=False).values("task"),
            then=Subquery(
                arrived.filter(task=OuterRef("pk"))
                .order_by("arrived_order__opened_at", "arrived_order")
                .values("arrived_order__amount" if amount else "arrived_order")[:1]
            ),
        ),
        default=None,
    )
    from_result = Case(
        When(
            Q(interview_result__counts_as_booking=True) & Q(_has_booking(negated=True)),
            then=Subquery(_result_arrival().values("amount" if amount else "pk")[:1]),
        ),
        default=None,
    )
    field = DecimalField(max_digits=12, decimal_places=2) if amount else BigIntegerField()
    return Coalesce(from_request, from_result, output_field=field)


def with_arrival(tasks: QuerySet[Task], *, amount: bool = False) -> QuerySet[Task]:
    """`tasks` with `is_booked` and `arrival` (the arrival order's id, for booked tasks), and
    with `amount`, `arrival_amount` (an annotation read from an inner query would be copied
    there with clashing table aliases, so the amount is a column of its own).

    The arrival is looked for on reached tasks (Интервью) only, which is the same as on booked
    ones: an arrived request is a standing one, and a result's arrival needs a booking result —
    and it does not repeat the booking's subqueries for every reached task."""
    reached = Q(outcome=INTERVIEW)
    tasks = tasks.annotate(
        is_booked=_flag(booked_q()),
        arrival=Case(When(reached, then=arrival_order()), default=None),
    )
    if amount:
        tasks = tasks.annotate(
            arrival_amount=Case(When(reached, then=arrival_order(amount=True)), default=None)
        )
    return tasks


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


# 1. The funnel.

FUNNEL_STEPS = [
    ("due", "Задачи со сроком в периоде"),
    ("done", "Завершены"),
    ("reached", "Дозвонились (Интервью)"),
    ("booked", "Записаны на сервис"),
    ("arrived", "Приехали"),
]


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    figure: Figure
    share: float | None  # of the first step, per cent


@dataclass(frozen=True)
class Funnel:
    steps: list[FunnelStep]
    revenue: Figure


def funnel(filters: Filters) -> Funnel:
    """The five steps and the arrivals' revenue of both periods in one pass over the tasks:
    an inner query gives each task its period, status, outcome, booking and arrival order
    once (the correlated subqueries run once per task, not once per figure), the outer one
    counts them and sums the amounts of the distinct arrival orders (two tasks that booked
    the same visit bring its revenue once)."""
    inner = (
        with_arrival(_period_tasks(filters))
        .annotate(in_period=_flag(_current(filters)))
        .values("in_period", "status", "outcome", "is_booked", "arrival")
        .order_by()
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a user with no department: the queryset is none()
        sql, params = None, ()
    conditions = {
        "due": "TRUE",
        "done": "t.status = %s",
        "reached": "t.status = %s AND t.outcome = %s",
        "booked": "t.status = %s AND t.is_booked",
        "arrived": "t.status = %s AND t.arrival IS NOT NULL",
    }
    arguments = {
        "due": [],
        "done": [DONE],
        "reached": [DONE, INTERVIEW],
        "booked": [DONE],
        "arrived": [DONE],
    }
    sides = {"cur": "t.in_period", "prev": "NOT t.in_period"}
    columns, column_params = [], []
    for key in conditions:
        for period in sides.values():
            columns.append(f"COUNT(*) FILTER (WHERE {period} AND {conditions[key]})")
            column_params += arguments[key]
    orders = RepairOrder._meta.db_table
    for period in sides.values():
        columns.append(
            f"(SELECT SUM(o.amount) FROM {orders} o WHERE o.id IN (SELECT t.arrival FROM t"
            f" WHERE {period} AND {conditions['arrived']}))"
        )
        column_params += arguments["arrived"]
    if sql is None:  # nothing in scope: every figure is zero
        values = [0] * (len(conditions) * len(sides)) + [None] * len(sides)
    else:
        with connections[inner.db].cursor() as cursor:
            cursor.execute(
                f"WITH t AS ({sql}) SELECT {', '.join(columns)} FROM t",
                [*params, *column_params],
            )
            values = cursor.fetchone()
    keys = [f"{key}_{side}" for key in conditions for side in sides]
    counts = dict(zip(keys, values, strict=False))
    revenue = [_money(value) for value in values[len(keys) :]]
    first = counts["due_cur"]
    steps = [
        FunnelStep(
            key=key,
            label=_(label),
            figure=Figure(counts[f"{key}_cur"], counts[f"{key}_prev"]),
            share=rate(counts[f"{key}_cur"], first),
        )
        for key, label in FUNNEL_STEPS
    ]
    return Funnel(steps=steps, revenue=Figure(*revenue))


def _money(value) -> Decimal:
    """A sum read by raw SQL as Decimal with kopecks (SQLite gives a float, or None)."""
    if value is None:
        return ZERO_MONEY
    return Decimal(str(value)).quantize(ZERO_MONEY)


# 2. Outcomes by task type.


@dataclass(frozen=True)
class OutcomeRow:
    task_type: str
    cells: list[Figure]  # one per Task.Outcome, in its order
    total: Figure


def outcomes(filters: Filters) -> list[OutcomeRow]:
    """Finished tasks of the period by task type and outcome."""
    choices = list(Task.Outcome)
    rows = (
        _period_tasks(filters)
        .filter(status=DONE)
        .values("task_type")
        .annotate(
            **{
                f"{outcome.value}_{side}": Count("pk", filter=Q(outcome=outcome) & period)
                for outcome in choices
                for side, period in (("cur", _current(filters)), ("prev", _previous(filters)))
            },
            total_cur=Count("pk", filter=_current(filters)),
            total_prev=Count("pk", filter=_previous(filters)),
            name=F("task_type__name"),
            order=F("task_type__order"),
        )
        .order_by("order", "name")
    )
    return [
        OutcomeRow(
            task_type=row["name"],
            cells=[Figure(row[f"{o.value}_cur"], row[f"{o.value}_prev"]) for o in choices],
            total=Figure(row["total_cur"], row["total_prev"]),
        )
        for row in rows
    ]


# 3. Managers.


@dataclass(frozen=True)
class ManagerRow:
    name: str
    done: Figure
    reach_rate: Figure
    booking_rate: Figure
    on_control: Figure
    overdue: Figure
    median_to_done: Figure  # timedelta


def _with_executor_names(rows: QuerySet) -> list[dict]:
    """Rows grouped by executor, with the executor's names, in the order of the names: joined
    to the counted rows from outside, since grouping by the names themselves sorted every task
    of the period by three strings (the median needs its groups sorted) where the executor's
    id is one integer."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a user with no department: the queryset is none()
        return []
    users = connections[rows.db].ops.quote_name(get_user_model()._meta.db_table)
    with connections[rows.db].cursor() as cursor:
        cursor.execute(
            f"SELECT u.last_name, u.first_name, u.username, a.* FROM ({sql}) a"
            f" JOIN {users} u ON u.id = a.executor ORDER BY u.last_name, u.first_name, u.username",
            params,
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _duration(value) -> dt.timedelta | None:
    """A duration read by raw SQL: PostgreSQL gives a timedelta, SQLite its microseconds."""
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=round(value))


def managers(filters: Filters, *, now: dt.datetime | None = None) -> list[ManagerRow]:
    """Per executor: tasks done, reach rate (Интервью of done), booking rate (booked of
    reached), on control, overdue open tasks and the median time from planned to done; a
    manager who is not a head sees their own row only."""
    now = now or timezone.now()
    tasks = _period_tasks(filters).filter(executor__isnull=False)
    if not filters.head:
        tasks = tasks.filter(executor=filters.user)
    to_done = ExpressionWrapper(F("finished_at") - F("planned_at"), output_field=DurationField())
    figures = {
        "done": Q(status=DONE),
        "reached": Q(status=DONE, outcome=INTERVIEW),
        "booked": Q(status=DONE, is_booked=True),
        "on_control": Q(status=Task.Status.ON_CONTROL),
        "overdue": Q(status__in=Task.UNFINISHED, planned_at__lt=now),
    }
    sides = (("cur", _current(filters)), ("prev", _previous(filters)))
    rows = (
        tasks.annotate(is_booked=_flag(booked_q()))
        .values("executor")
        .annotate(
            **{
                # The period first: the condition after it (a booking's probe of the
                # requests) is then tested for the rows of that period only, not twice.
                f"{key}_{side}": Count("pk", filter=period & condition)
                for key, condition in figures.items()
                for side, period in sides
            },
            **{
                f"median_{side}": Median(
                    to_done, filter=Q(status=DONE) & period, output_field=DurationField()
                )
                for side, period in sides
            },
        )
        .order_by()
    )
    result = []
    for row in _with_executor_names(rows):
        for side in ("cur", "prev"):
            row[f"median_{side}"] = _duration(row[f"median_{side}"])
        name = " ".join(p for p in (row["last_name"], row["first_name"]) if p) or row["username"]

        def pair(key, rise_is_good=True, row=row):
            return Figure(row[f"{key}_cur"], row[f"{key}_prev"], rise_is_good)

        result.append(
            ManagerRow(
                name=name,
                done=pair("done"),
                reach_rate=Figure(
                    rate(row["reached_cur"], row["done_cur"]),
                    rate(row["reached_prev"], row["done_prev"]),
                ),
                booking_rate=Figure(
                    rate(row["booked_cur"], row["reached_cur"]),
                    rate(row["booked_prev"], row["reached_prev"]),
                ),
                on_control=pair("on_control", rise_is_good=False),
                overdue=pair("overdue", rise_is_good=False),
                median_to_done=pair("median", rise_is_good=False),
            )
        )
    return result


# 4. Campaigns: lead batches by selection kind and importer variant.


def _batches(filters: Filters) -> QuerySet[LeadBatch]:
    batches = LeadBatch.objects.visible_to(filters.user)
    if filters.branch is not None:
        batches = batches.filter(department__branch=filters.branch)
    if filters.department is not None:
        batches = batches.filter(department=filters.department)
    return batches


def _lead_facts(filters: Filters, *, since: dt.datetime, batch_ids=None) -> tuple[str, list]:
    """The SQL (and parameters) of the CTEs that end in `l`: one row per lead of the batches
    made from `since` to the end of the period, with its batch's columns, whether its chain
    booked and arrived, and the revenue of its first visit. Raises EmptyResultSet when nothing
    is in scope.

    A lead's chain is its task and every task that has it as origin (a lead's task is its own
    origin). The chains of all the leads are read once (`c`), with each task's booking and
    arrival compiled once, and folded per origin: three subqueries per lead, each repeating
    the booking and arrival tests, took longer to compile than to run."""
    batches = _batches(filters).filter(created_at__gte=since, created_at__lt=filters.period.end)
    if batch_ids is not None:
        batches = batches.filter(pk__in=batch_ids)
    of_batches = Lead.objects.filter(batch__in=batches.values("pk"))
    leads = (
        of_batches.annotate(
            lead_task=F("task"),
            in_period=_flag(Q(batch__created_at__gte=filters.period.start)),
            batch_kind=F("batch__kind"),
            selection_kind=F("batch__selection_kind"),
            variant=F("batch__importer_variant"),
            kind_name=F("batch__selection_kind__name"),
            variant_name=F("batch__importer_variant__name"),
        )
        .values(
            "batch",
            "worksheet",
            "result",
            "lead_task",
            "in_period",
            "batch_kind",
            "selection_kind",
            "variant",
            "kind_name",
            "variant_name",
        )
        .order_by()
    )
    chains = (
        with_arrival(
            Task.objects.filter(origin_task__in=of_batches.exclude(task=None).values("task")),
            amount=True,
        )
        .annotate(origin=F("origin_task"))
        .values("origin", "planned_at", "id", "is_booked", "arrival", "arrival_amount")
        .order_by()
    )
    leads_sql, leads_params = leads.query.sql_with_params()
    chains_sql, chains_params = chains.query.sql_with_params()
    sql = f"""c AS ({chains_sql}),
        folded AS (
            SELECT c.origin,
                MAX(CASE WHEN c.is_booked THEN 1 ELSE 0 END) AS booked,
                MAX(CASE WHEN c.arrival IS NOT NULL THEN 1 ELSE 0 END) AS arrived
            FROM c GROUP BY c.origin),
        firsts AS (
            SELECT v.origin, v.arrival_amount FROM (
                SELECT c.origin, c.arrival_amount, ROW_NUMBER() OVER (
                    PARTITION BY c.origin ORDER BY c.planned_at, c.id) AS n
                FROM c WHERE c.arrival IS NOT NULL) v
            WHERE v.n = 1),
        l0 AS ({leads_sql}),
        l AS (
            SELECT l0.*,
                COALESCE(folded.booked, 0) = 1 AS is_booked,
                COALESCE(folded.arrived, 0) = 1 AS is_arrived,
                COALESCE(firsts.arrival_amount, 0) AS revenue
            FROM l0
            LEFT JOIN folded ON folded.origin = l0.lead_task
            LEFT JOIN firsts ON firsts.origin = l0.lead_task)"""
    return sql, [*chains_params, *leads_params]


CAMPAIGN_FIGURES = ("batches", "leads", "worksheets", "booked", "arrived", "revenue")
WORKED = (Lead.Result.WORKSHEET_CREATED, Lead.Result.TASK_ADDED)


def _lead_figures(
    filters: Filters,
    *,
    since: dt.datetime,
    group_by: list[str],
    sides: dict,
    order_by: str,
    batch_ids=None,
) -> list[dict]:
    """The campaign figures of `_lead_facts` grouped by `group_by`, one set per side (a SQL
    condition on the lead row: this period, the previous one), as dicts keyed
    `<figure>_<side>` beside the grouping columns."""
    try:
        sql, params = _lead_facts(filters, since=since, batch_ids=batch_ids)
    except EmptyResultSet:  # a user with no department: the queryset is none()
        return []
    worked = ", ".join(["%s"] * len(WORKED))
    columns, column_params, keys = [], [], []
    for side, condition in sides.items():
        figures = {
            "batches": (f"COUNT(DISTINCT CASE WHEN {condition} THEN l.batch END)", []),
            "leads": (f"COUNT(CASE WHEN {condition} THEN 1 END)", []),
            "worksheets": (
                f"COUNT(DISTINCT CASE WHEN {condition} AND l.result IN ({worked})"
                " THEN l.worksheet END)",
                list(WORKED),
            ),
            "booked": (f"COUNT(CASE WHEN {condition} AND l.is_booked THEN 1 END)", []),
            "arrived": (f"COUNT(CASE WHEN {condition} AND l.is_arrived THEN 1 END)", []),
            "revenue": (f"SUM(CASE WHEN {condition} THEN l.revenue END)", []),
        }
        for key, (column, arguments) in figures.items():
            columns.append(column)
            column_params += arguments
            keys.append(f"{key}_{side}")
    groups = ", ".join(f"l.{name}" for name in group_by)
    with connections[Lead.objects.db].cursor() as cursor:
        cursor.execute(
            f"WITH {sql} SELECT {groups}, {', '.join(columns)} FROM l"
            f" GROUP BY {groups} ORDER BY {order_by}",
            [*params, *column_params],
        )
        rows = [dict(zip([*group_by, *keys], row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for side in sides:
            row[f"revenue_{side}"] = _money(row[f"revenue_{side}"])
    return rows


@dataclass(frozen=True)
class CampaignRow:
    name: str
    source: str  # «Выборка» or «Файл импортера»
    figures: dict[str, Figure]


def campaigns(filters: Filters) -> list[CampaignRow]:
    """Per selection kind and importer variant: batches made in the period, their leads, the
    worksheets made of them, the leads whose chain booked and arrived, and the revenue of the
    arrivals (follow-ups and involvements count for the lead that started them)."""
    rows = _lead_figures(
        filters,
        since=filters.period.previous.start,
        group_by=["batch_kind", "selection_kind", "variant", "kind_name", "variant_name"],
        sides={"cur": "l.in_period", "prev": "NOT l.in_period"},
        order_by="l.batch_kind, l.kind_name, l.variant_name",
    )
    kinds = dict(LeadBatch.Kind.choices)
    return [
        CampaignRow(
            name=row["kind_name"] or row["variant_name"] or "—",
            source=str(kinds.get(row["batch_kind"], row["batch_kind"])),
            figures={
                key: Figure(row[f"{key}_cur"], row[f"{key}_prev"]) for key in CAMPAIGN_FIGURES
            },
        )
        for row in rows
    ]


def batches(filters: Filters) -> QuerySet[LeadBatch]:
    """The lead batches with leads made in the period, latest first, as dicts for the
    paginator; `with_batch_figures` adds the figures of the ones shown."""
    return (
        _batches(filters)
        .filter(
            created_at__gte=filters.period.start,
            created_at__lt=filters.period.end,
        )
        .filter(Exists(Lead.objects.filter(batch=OuterRef("pk"))))
        .annotate(
            batch=F("pk"),
            kind_name=F("selection_kind__name"),
            variant_name=F("importer_variant__name"),
            department_name=F("department__name"),
        )
        .values(
            "batch",
            "created_at",
            "kind",
            "kind_name",
            "variant_name",
            "file_name",
            "department_name",
        )
        .order_by("-created_at", "-pk")
    )


def with_batch_figures(filters: Filters, rows: list[dict]) -> list[dict]:
    """`rows` of `batches` with the campaign figures of each (no previous period: a batch is
    made once), counted for these batches only."""
    figures = {
        row["batch"]: row
        for row in _lead_figures(
            filters,
            since=filters.period.start,
            group_by=["batch"],
            sides={"cur": "TRUE"},
            order_by="l.batch",
            batch_ids=[row["batch"] for row in rows],
        )
    }
    empty = {f"{key}_cur": 0 for key in CAMPAIGN_FIGURES} | {"revenue_cur": ZERO_MONEY}
    return [
        row | {k: v for k, v in figures.get(row["batch"], empty).items() if k != "batch"}
        for row in rows
    ]


# 5. Backlog.

BACKLOG_COLUMNS = [
    ("overdue", "Просрочены"),
    ("today", "Сегодня"),
    ("week", "Следующие 7 дней"),
]


@dataclass(frozen=True)
class BacklogRow:
    name: str
    overdue: int
    today: int
    week: int

    @property
    def total(self) -> int:
        return self.overdue + self.today + self.week


def backlog(filters: Filters, *, now: dt.datetime | None = None) -> list[BacklogRow]:
    """Unfinished tasks now, by executor (unassigned ones in one row): overdue, due later
    today, due in the next 7 days. The state now, so there is no previous period."""
    now = now or timezone.now()
    tomorrow = day_start(timezone.localdate(now) + dt.timedelta(days=1))
    week_end = tomorrow + dt.timedelta(days=7)
    tasks = tasks_in_scope(filters).filter(status__in=Task.UNFINISHED, planned_at__lt=week_end)
    if not filters.head:
        tasks = tasks.filter(Q(executor=filters.user) | Q(executor__isnull=True))
    rows = (
        tasks.values("executor")
        .annotate(
            overdue=Count("pk", filter=Q(planned_at__lt=now)),
            today=Count("pk", filter=Q(planned_at__gte=now, planned_at__lt=tomorrow)),
            week=Count("pk", filter=Q(planned_at__gte=tomorrow)),
            last_name=F("executor__last_name"),
            first_name=F("executor__first_name"),
            username=F("executor__username"),
        )
        .order_by(F("executor__last_name").asc(nulls_first=True), "first_name", "username")
    )
    return [
        BacklogRow(
            name=(
                " ".join(p for p in (row["last_name"], row["first_name"]) if p)
                or row["username"]
                or _("Не назначены")
            ),
            overdue=row["overdue"],
            today=row["today"],
            week=row["week"],
        )
        for row in rows
    ]
