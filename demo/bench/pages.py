"""The workstation's pages and their admin references, measured through Django's test client:
the real URL resolution, middleware, views and templates, as a logged-in user.

Each request is timed from the client's side, and every SQL statement it runs is timed by a
`connection.execute_wrapper`, so a page's figures are its status, its number of queries, the
median and 95th percentile of its time and the median of its time in SQL.
"""

import math
import statistics
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test import Client as HttpClient
from django.urls import reverse

from client_history.models import Client, RepairOrder
from crm_workstation.models import Department, EmployeeProfile
from crm_workstation.scoping import user_scope
from demo.services import HEAD
from selections.models import LeadBatch
from tasks.models import Task
from worksheets.models import Worksheet
from worksheets.selectors import Stage


class SqlTimer:
    """A `connection.execute_wrapper`: counts the statements and adds up their time."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of them at or
    below it (of 20 requests, p95 is the 19th fastest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Page:
    key: str  # stable name in the JSON
    label: str  # what the table shows
    url: str
    admin: str | None = None  # key of the admin reference this page is compared with
    username: str = ""  # who requested it
    status: int = 0
    queries: int = 0  # the most any request of it ran
    median_ms: float = 0.0
    p95_ms: float = 0.0
    sql_ms: float = 0.0  # median time in SQL per request
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Subjects:
    """The objects the pages show, chosen deterministically from the user's scope."""

    user: User
    department: Department
    worksheet: Worksheet
    task: Task
    client_id: int
    client_orders: int
    surname: str
    batch: LeadBatch
    head: User | None = None
    notes: list[str] = field(default_factory=list)


def measure(http: HttpClient, page: Page, repeat: int) -> Page:
    """One request to warm up (templates compiled, caches filled), then `repeat` measured."""
    secure = settings.SECURE_SSL_REDIRECT
    response = http.get(page.url, secure=secure)
    timings, sql, counts = [], [], []
    for _ in range(repeat):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = http.get(page.url, secure=secure)
            timings.append(time.perf_counter() - started)
        sql.append(timer.seconds)
        counts.append(timer.count)
    page.status = response.status_code
    page.queries = max(counts)
    page.median_ms = statistics.median(timings) * 1000
    page.p95_ms = percentile(timings, 0.95) * 1000
    page.sql_ms = statistics.median(sql) * 1000
    return page


def first_department(user: User) -> Department | None:
    """The user's department with the lowest id (any department for a superuser)."""
    scope = user_scope(user)
    departments = Department.objects.order_by("pk")
    if not scope.all_access:
        departments = departments.filter(pk__in=scope.department_ids)
    return departments.first()


def choose_subjects(user: User, department: Department, batch: LeadBatch) -> Subjects:
    """Their busiest worksheet (the most tasks, among those with a task of theirs), a task of
    theirs on it (the next planned unfinished one, else the latest), the client with the most
    repair orders at their branches, the department's head."""
    scope = user_scope(user)
    own_task = Task.objects.filter(worksheet=OuterRef("pk"), executor=user)
    worksheet = (
        Worksheet.objects.visible_to(user)
        .filter(Exists(own_task))
        .annotate(n=Count("tasks"))
        .order_by("-n", "pk")
        .first()
    )
    if worksheet is None:
        worksheet = Worksheet.objects.visible_to(user).order_by("pk").first()
    tasks = Task.objects.filter(worksheet=worksheet)
    task = (
        tasks.filter(executor=user, status__in=Task.UNFINISHED).order_by("planned_at", "pk").first()
        or tasks.filter(executor=user).order_by("-planned_at", "-pk").first()
        or tasks.order_by("pk").first()
    )
    orders = RepairOrder.objects.all()
    if not scope.all_access:
        orders = orders.filter(branch_id__in=scope.branch_ids)
    busiest = orders.values("client_id").annotate(n=Count("pk")).order_by("-n", "client_id").first()
    head = (
        User.objects.filter(groups__name=HEAD, profile__departments=department, is_active=True)
        .order_by("username")
        .first()
    )
    return Subjects(
        user=user,
        department=department,
        worksheet=worksheet,
        task=task,
        client_id=busiest["client_id"],
        client_orders=busiest["n"],
        surname=_surname(orders),
        batch=batch,
        head=head,
    )


def _surname(orders) -> str:
    """The surname of the person (not a company: «АО» is no surname) with the most repair
    orders among `orders`: what a manager types into the client search."""
    person = (
        orders.filter(client__kind=Client.Kind.PERSON)
        .values("client_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "client_id")
        .first()
    )
    client_id = person["client_id"] if person else orders.values("client_id").first()["client_id"]
    return Client.objects.get(pk=client_id).name.split()[0]


def admin_references(s: Subjects) -> list[Page]:
    """The same rows through the admin's changelists (what a DjangoCRM-style admin UI gives)."""
    tasks = reverse("admin:tasks_task_changelist")
    return [
        Page(
            "admin_worksheets_department",
            "админка: рабочие листы ЦФО",
            f"{reverse('admin:worksheets_worksheet_changelist')}?department__id__exact={s.department.pk}",
        ),
        Page(
            "admin_tasks_worksheet",
            "админка: задачи рабочего листа",
            f"{tasks}?worksheet__id__exact={s.worksheet.pk}",
        ),
        Page(
            "admin_tasks_mine",
            "админка: задачи в работе исполнителя",
            f"{tasks}?executor__id__exact={s.user.pk}&status__exact=in_work",
        ),
        Page(
            "admin_tasks_department",
            "админка: задачи ЦФО",
            f"{tasks}?department__id__exact={s.department.pk}",
        ),
        Page(
            "admin_clients_search",
            "админка: поиск клиентов",
            f"{reverse('admin:client_history_client_changelist')}?{urlencode({'q': s.surname})}",
        ),
        Page(
            "admin_orders_client",
            "админка: заказ-наряды клиента",
            f"{reverse('admin:client_history_repairorder_changelist')}?client__id__exact={s.client_id}",
        ),
        Page(
            "admin_batches_department",
            "админка: пакеты лидов ЦФО",
            f"{reverse('admin:selections_leadbatch_changelist')}?department__id__exact={s.department.pk}",
        ),
        Page(
            "admin_leads_batch",
            "админка: лиды пакета",
            f"{reverse('admin:selections_lead_changelist')}?batch__id__exact={s.batch.pk}",
        ),
    ]


def workstation_pages(s: Subjects) -> list[Page]:
    stages = reverse("worksheets:stages")
    analytics = reverse("analytics:analytics")
    my_tasks = reverse("tasks:my_tasks")
    labels = dict(Stage.CHOICES)
    return [
        *(
            Page(
                f"stages_{stage}",
                f"Этапы сделок: {labels[stage]}",
                f"{stages}?stage={stage}",
                "admin_worksheets_department",
            )
            for stage in (Stage.NEW, Stage.IN_WORK, Stage.PROCESSED, Stage.ON_CONTROL)
        ),
        Page(
            "worksheet_window",
            f"окно рабочего листа {s.worksheet.number}",
            reverse("worksheets:worksheet_window", args=[s.worksheet.pk]),
            "admin_tasks_worksheet",
        ),
        Page(
            "task_window",
            f"окно задачи {s.task.number}",
            reverse("tasks:task_window", args=[s.task.pk]),
            "admin_tasks_worksheet",
        ),
        Page("my_tasks_list", "Мои задачи: список", my_tasks, "admin_tasks_mine"),
        Page("my_tasks_notes", "Мои задачи: заметки", my_tasks, "admin_tasks_mine"),
        Page(
            "client_search",
            f"Клиенты: поиск «{s.surname}»",
            f"{reverse('client_history:client_search')}?{urlencode({'q': s.surname})}",
            "admin_clients_search",
        ),
        Page(
            "client_card",
            "карточка клиента",
            reverse("client_history:client_card", args=[s.client_id]),
            "admin_orders_client",
        ),
        Page(
            "client_history",
            f"история клиента ({s.client_orders} з/н)",
            reverse("client_history:client_history", args=[s.client_id]),
            "admin_orders_client",
        ),
        Page("selections", "Выборки", reverse("selections:selections"), "admin_batches_department"),
        Page(
            "selections_batch",
            f"Выборки: пакет лидов {s.batch.pk}",
            reverse("selections:batch", args=[s.batch.pk]),
            "admin_leads_batch",
        ),
        Page(
            "analytics_month",
            "Аналитика: месяц",
            f"{analytics}?period=month",
            "admin_tasks_department",
        ),
        Page(
            "analytics_year", "Аналитика: год", f"{analytics}?period=year", "admin_tasks_department"
        ),
    ]


def _client(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def _set_layout(user: User, layout: str) -> None:
    EmployeeProfile.objects.update_or_create(user=user, defaults={"my_tasks_view": layout})


def measure_pages(s: Subjects, *, repeat: int, progress=None) -> tuple[list[Page], list[Page]]:
    """Every page as the user, and the admin references (the user gets `is_staff` in the
    bench's database: the admin applies the same scope). «Аналитика» is measured as the
    department's head when the manager may not open it (the note says so)."""
    user = s.user
    if not user.is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
        s.notes.append(f"{user.username}: is_staff в базе бенчмарка (для админки)")
    http = _client(user)
    admin_http: dict[str, HttpClient] = {user.username: http}
    references = {page.key: page for page in admin_references(s)}
    layout = (
        EmployeeProfile.objects.filter(user=user).values_list("my_tasks_view", flat=True).first()
    )
    pages = workstation_pages(s)
    try:
        for page in pages:
            if progress:
                progress(page.label)
            who, client = user, http
            if page.key == "my_tasks_notes":
                _set_layout(user, "cards")
            elif page.key == "my_tasks_list":
                _set_layout(user, "list")
            if page.key.startswith("analytics_"):
                probe = http.get(page.url, secure=settings.SECURE_SSL_REDIRECT)
                if probe.status_code != 200 and s.head is not None:
                    who = s.head
                    client = admin_http.setdefault(who.username, _client(who))
                    page.note = f"как {who.username}: {user.username} получает {probe.status_code}"
            page.username = who.username
            measure(client, page, repeat)
            reference = references[page.admin]
            if not reference.username:
                reference.username = who.username
                measure(client, reference, repeat)
            elif reference.username != who.username:
                page.admin = None  # no reference as this user
    finally:
        _set_layout(user, layout or "list")
    return pages, list(references.values())
