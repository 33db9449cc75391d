"""Reads for «Этапы сделок» (SPEC §5.1, §5.2) and the worksheet window (§5.3).

Tasks live in a higher app (imports run `worksheets` ← `tasks`): they are reached through the
reverse relation `tasks` and `apps.get_model`, never imported.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from client_history.selectors import clean_query, client_search
from crm_workstation.models import Department
from crm_workstation.queries import get_by_pk
from crm_workstation.scoping import user_scope
from worksheets.models import Worksheet

# Task statuses by value (the enum lives in the tasks app).
NEW, IN_WORK, ON_CONTROL, DONE = "new", "in_work", "on_control", "done"
# An unfinished task, written as the task partial indexes' own condition (status = … OR …):
# SQLite uses a partial index only for a query that repeats its condition.
UNFINISHED = Q(status=NEW) | Q(status=IN_WORK) | Q(status=ON_CONTROL)


class Stage:
    """The four sections of «Этапы сделок», in the order the tab shows them (the manual's)."""

    NEW = "new"
    IN_WORK = "in_work"
    PROCESSED = "processed"
    ON_CONTROL = "on_control"
    CHOICES = [
        (NEW, _("Новые")),
        (IN_WORK, _("В работе")),
        (PROCESSED, _("Обработаны")),
        (ON_CONTROL, _("На контроле")),
    ]
    LABELS = dict(CHOICES)


def _tasks():
    return apps.get_model("tasks", "Task")


def _rules(user, *, probe: bool) -> dict[str, Q]:
    """The rules of SPEC §5.1 for user U, each alone (without the ones before it), as a
    condition on the worksheet read from its tasks.

    Two forms of the same conditions, for the two ways the page reads them: `probe=False`
    (`id IN (…)`) has the database build each set of worksheet ids once from the task indexes
    and look every worksheet up in it — for counting all the sections; `probe=True`
    (`EXISTS (…)`) asks the task indexes about each worksheet — for listing one section a page
    at a time, which then stops after the page instead of building sets of tens of thousands
    of ids (seed M, «Обработаны»: 100 ms → 0.4 ms).
    """
    tasks = _tasks().objects
    mine = tasks.filter(executor_id=user.pk)
    sets = {
        ON_CONTROL: mine.filter(status=ON_CONTROL),
        IN_WORK: mine.filter(status=IN_WORK),
        DONE: mine.filter(status=DONE),
        # Everybody's unfinished tasks of the user's departments (the worksheets' own, as the
        # worksheets are the visible ones): the index leads with the department, so the rest
        # of the group is never read; the condition is the partial index's own.
        "unfinished": tasks.visible_to(user).filter(UNFINISHED),
    }
    if probe:
        of = {
            key: Q(Exists(tasks.filter(worksheet_id=OuterRef("pk")))) for key, tasks in sets.items()
        }
    else:
        of = {key: Q(pk__in=tasks.values("worksheet_id")) for key, tasks in sets.items()}
    return {
        Stage.ON_CONTROL: of[ON_CONTROL],
        Stage.IN_WORK: of[IN_WORK],
        # Two sets in both forms, each read from an index alone: one set of "U's or nobody's"
        # read the table's rows to tell them apart, for the whole group's unassigned tasks
        # (seed L: 39,000, 100 ms), and two EXISTS joined by OR probed every worksheet.
        Stage.NEW: _new_for(user, mine.filter(status=NEW)),
        Stage.PROCESSED: of[DONE] & ~of["unfinished"],
    }


def _new_for(user, mine) -> Q:
    """A worksheet with one of `mine` (the user's tasks) or a new task of nobody's in the
    user's departments, as two sets of worksheet ids."""
    unassigned = _tasks().objects.visible_to(user).filter(executor__isnull=True, status=NEW)
    return Q(pk__in=mine.values("worksheet_id")) | Q(pk__in=unassigned.values("worksheet_id"))


def stage_conditions(user) -> dict[str, Q]:
    """SPEC §5.1 for user U, each section as a condition on the worksheet, the first rule
    that matches winning, so every worksheet is in at most one section:

    1. На контроле — U has a task on control on it;
    2. В работе — U has a task in work on it (and is not in 1);
    3. Новые — it has a new task assigned to U, or unassigned (in U's departments: the
       worksheet is one of theirs, as `stage_worksheets` starts from the visible ones), and
       is not in 1 or 2;
    4. Обработаны — U finished one of its tasks and none of its tasks is unfinished (so it
       is in none of the others).
    """
    rules = _rules(user, probe=True)
    on_control, in_work = rules[Stage.ON_CONTROL], rules[Stage.IN_WORK]
    return {
        Stage.ON_CONTROL: on_control,
        Stage.IN_WORK: in_work & ~on_control,
        Stage.NEW: rules[Stage.NEW] & ~in_work & ~on_control,
        Stage.PROCESSED: rules[Stage.PROCESSED],
    }


def stage_expression(user) -> Case:
    """The section of a worksheet as one SQL expression: a CASE takes the first rule that
    matches, so the rules need not exclude each other here; '' when in none."""
    rules = _rules(user, probe=False)
    return Case(
        *(
            When(rules[stage], then=Value(stage))
            for stage in (Stage.ON_CONTROL, Stage.IN_WORK, Stage.NEW, Stage.PROCESSED)
        ),
        default=Value(""),
        output_field=CharField(),
    )


def stage_scope(*, user) -> QuerySet[Worksheet]:
    """The worksheets the user may see, for the sections to pick from: filter it (search,
    filters), then count with `stage_counts` and list a section with `stage_row_ids`. Each
    section's rule selects its own worksheets, so no pre-selection is needed (reading the user's
    tasks once more for it cost as much as the sections themselves; seed M: 68,000 tasks)."""
    return Worksheet.objects.visible_to(user)


def stage_worksheets(*, user) -> QuerySet[Worksheet]:
    """The worksheets the user may see that can be in their sections: those with a task of
    theirs or an unassigned new task (two sets, each from a task index) — what «all listed»
    means without a section. The sections themselves read from `stage_scope`."""
    mine = _tasks().objects.filter(executor_id=user.pk)
    return Worksheet.objects.visible_to(user).filter(_new_for(user, mine))


def stage_counts(worksheets: QuerySet[Worksheet], *, user) -> dict[str, int]:
    """How many of `worksheets` (from `stage_worksheets`, filtered) are in each section: the
    section as a CASE over the rules, counted in one GROUP BY query."""
    counts = {key: 0 for key, _label in Stage.CHOICES}
    rows = (
        worksheets.annotate(stage=stage_expression(user))
        .order_by()
        .values("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    for stage, n in rows:
        if stage in counts:
            counts[stage] = n
    return counts


def stage_of(worksheets: QuerySet[Worksheet], *, user, stage: str) -> QuerySet[Worksheet]:
    """The part of `worksheets` in one section."""
    return worksheets.filter(stage_conditions(user)[stage])


def _row_task(stage: str):
    """The task a row shows and orders by: the nearest planned unfinished one, or in
    «Обработаны» the latest finished."""
    own = _tasks().objects.filter(worksheet_id=OuterRef("pk"))
    if stage == Stage.PROCESSED:
        return own.filter(status=DONE).order_by("-finished_at", "-id"), "finished_at"
    return own.filter(UNFINISHED).order_by("planned_at", "id"), "planned_at"


def stage_row_ids(worksheets: QuerySet[Worksheet], *, user, stage: str) -> QuerySet:
    """The ids of one section's worksheets in the order a manager works them: the nearest
    planned task first (the overdue lead); in «Обработаны» the latest finished first.

    Only ids are sorted (no joins under the sort); `stage_page_rows` reads a page's rows.
    """
    rows = stage_of(worksheets, user=user, stage=stage)
    if stage == Stage.PROCESSED:
        # The section only grows (years of finished work): the newest worksheets first, read
        # backwards along the primary key, rather than a sort of all of them by a subquery.
        return rows.order_by("-pk").values_list("pk", flat=True)
    task, when = _row_task(stage)
    rows = rows.annotate(row_at=Subquery(task.values(when)[:1]))
    return rows.order_by(F("row_at").asc(nulls_last=True), "id").values_list("pk", flat=True)


def stage_page_rows(ids: list[int], *, stage: str) -> list[Worksheet]:
    """One page of a section: the worksheets with what a row shows, in the order of `ids`.
    Each gets its `row_task` (type, vehicle) and its overdue mark; three queries in all."""
    task, when = _row_task(stage)
    rows = (
        Worksheet.objects.filter(pk__in=ids)
        .select_related("client", "purpose", "department__branch")
        .annotate(
            row_task_id=Subquery(task.values("pk")[:1]),
            row_at=Subquery(task.values(when)[:1]),
        )
    )
    by_id = {worksheet.pk: worksheet for worksheet in rows}
    return attach_row_tasks([by_id[pk] for pk in ids if pk in by_id])


def attach_row_tasks(worksheets: list[Worksheet]) -> list[Worksheet]:
    """Give each row its `row_task` (type, vehicle) in one query, and its overdue mark."""
    ids = [w.row_task_id for w in worksheets if w.row_task_id]
    tasks = {
        task.pk: task
        for task in _tasks().objects.filter(pk__in=ids).select_related("task_type", "vehicle")
    }
    now = timezone.now()
    for worksheet in worksheets:
        worksheet.row_task = tasks.get(worksheet.row_task_id)
        task = worksheet.row_task
        worksheet.is_overdue = bool(task and not task.is_finished and task.planned_at < now)
    return worksheets


def search_worksheets(worksheets: QuerySet[Worksheet], *, user, query: str) -> QuerySet:
    """`worksheets` of the clients the client search finds for `query`: a name, a phone in
    any format, a plate or a VIN (the same readers as the header's search)."""
    query = clean_query(query)
    if not query:
        return worksheets
    clients = client_search(user=user, query=query)
    return worksheets.filter(client_id__in=clients.order_by().values("pk"))


# ---------------------------------------------------------------------------------------------
# The worksheet window


def worksheet_for_window(*, user, pk: int) -> Worksheet:
    """The worksheet with what its window shows; DoesNotExist outside the user's scope."""
    worksheets = Worksheet.objects.visible_to(user).select_related(
        "client__home_branch", "department__branch", "purpose", "initiator", "responsible"
    )
    return get_by_pk(worksheets, pk)


def worksheet_tasks(*, worksheet: Worksheet) -> QuerySet:
    """All the worksheet's tasks, the latest planned first (as the history reads)."""
    return worksheet.tasks.select_related(
        "task_type", "executor", "vehicle", "interview_result", "involved_from__worksheet"
    ).order_by("-planned_at", "-id")


def worksheet_vehicles(*, worksheet: Worksheet, limit: int = 10) -> list:
    """The cars its tasks are about (the worksheet itself names none), a few at most."""
    vehicle_model = worksheet.client.vehicles.model
    # The worksheet's tasks give the ids (IN, not a per-car EXISTS: SQLite tested every car of
    # the database in make order, 0.65 s at seed M).
    car_ids = _tasks().objects.filter(worksheet=worksheet).values("vehicle_id")
    return list(
        vehicle_model.objects.filter(pk__in=car_ids).order_by("make", "model", "id")[:limit]
    )


@dataclass
class LinkedWorksheet:
    worksheet: Worksheet
    visible: bool
    direction: str  # "involved" (this one brought it in) or "involving" (it brought this in)


def involved_worksheets(*, worksheet: Worksheet, user, limit: int = 20) -> list[LinkedWorksheet]:
    """The worksheets of other departments linked to this one by involvement, both ways; each
    says whether the user may open it (a number they cannot open is shown, not linked)."""
    task_model = _tasks()
    involved = (
        task_model.objects.filter(involved_from__worksheet=worksheet)
        .order_by()
        .values("worksheet_id")
    )
    involving = (
        task_model.objects.filter(worksheet=worksheet, involved_from__isnull=False)
        .order_by()
        .values("involved_from__worksheet_id")
    )
    visible = Worksheet.objects.visible_to(user).filter(pk=OuterRef("pk"))
    rows = (
        # One set of ids (a UNION of two index reads): an OR of two sets had PostgreSQL test
        # every worksheet of the group against both.
        Worksheet.objects.filter(pk__in=involved.union(involving))
        .exclude(pk=worksheet.pk)
        .select_related("department__branch", "responsible")
        .annotate(
            is_visible=Exists(visible),
            is_involved=Exists(
                task_model.objects.filter(
                    worksheet_id=OuterRef("pk"), involved_from__worksheet=worksheet
                )
            ),
        )
        .order_by("department__name", "id")[:limit]
    )
    return [
        LinkedWorksheet(
            worksheet=row,
            visible=row.is_visible,
            direction="involved" if row.is_involved else "involving",
        )
        for row in rows
    ]


def involved_executors(*, worksheet: Worksheet, limit: int = 30) -> QuerySet:
    """Tasks other departments were given from this worksheet: who does them, and where."""
    return (
        _tasks()
        .objects.filter(involved_from__worksheet=worksheet)
        .exclude(worksheet=worksheet)
        .select_related("executor", "worksheet__department", "task_type")
        .order_by("-planned_at", "-id")[:limit]
    )


def worksheet_service_requests(*, worksheet: Worksheet) -> QuerySet:
    return worksheet.service_requests.select_related(
        "vehicle", "workshop", "task", "purchase_option", "created_by"
    ).order_by("-desired_at", "-id")


# ---------------------------------------------------------------------------------------------
# Reassignment


def may_reassign(*, user, department_id: int) -> bool:
    """A department head (`tasks.reassign_task`) of that department, or a superuser."""
    scope = user_scope(user)
    if scope.all_access:
        return True
    return department_id in scope.department_ids and user.has_perm("tasks.reassign_task")


def reassign_departments(*, user) -> QuerySet[Department]:
    """The departments in which the user may reassign tasks and change the responsible."""
    scope = user_scope(user)
    if scope.all_access:
        return Department.objects.all()
    if not user.has_perm("tasks.reassign_task"):
        return Department.objects.none()
    return Department.objects.filter(pk__in=scope.department_ids)


def department_staff(*, departments: QuerySet[Department]) -> QuerySet:
    """Active employees of `departments`: whom a head can give tasks or a worksheet to."""
    return (
        get_user_model()
        .objects.filter(is_active=True, profile__departments__in=departments)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
