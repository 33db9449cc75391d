"""Seeding and wiping the demo data set, and the guard that keeps it off real databases."""

import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from client_history.models import (
    Client,
    ClientPhone,
    Recommendation,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
)
from crm_workstation.models import Branch, Department, EmployeeProfile, NumberSequence, Workshop
from demo.bulk import BulkWriter, secondary_indexes_deferred
from demo.generator import RESULT_KEYS, BranchInfo, DemoGenerator, Reference
from demo.selection_kinds import selection_kinds_create
from demo.vocab import BRANCHES, DEMO_BRANCH_PREFIX, MALE_NAMES, MORE_BRANCHES, SURNAMES
from selections.models import Lead, LeadBatch, SelectionKind
from tasks.models import (
    SERVICE_REQUEST_PREFIX,
    TASK_PREFIX,
    InterviewResult,
    PurchaseOption,
    ServiceRequest,
    Task,
    TaskType,
)
from worksheets.models import WORKSHEET_PREFIX, Purpose, Worksheet

SIZES = {"S": 2_000, "M": 100_000, "L": 500_000}
# A dealer group grows by adding dealerships, not by piling clients onto one: L is M's two
# branches at M's size (60,000 and 40,000 clients) and eight more of 50,000, each with its own
# managers and head. One manager's or one branch's rows are as many at L as at M, so the
# benchmark's growth from M to L shows what the rest of the group costs a page.
MORE_BRANCHES_BY_SIZE = {"S": 0, "M": 0, "L": 8}
DEMO_PASSWORD = "demo"
EXTERNAL_ID_PREFIX = "demo-"
DEPARTMENTS = [
    (Department.Kind.SERVICE, "Сервис"),
    (Department.Kind.SALES, "Отдел продаж"),
    (Department.Kind.PARTS, "Запчасти"),
    (Department.Kind.BODY, "Кузовной цех"),
]
MANAGER, HEAD, IT = "Менеджер", "Руководитель подразделения", "ИТ / администратор"
ALL = "all"
# The tables the generator fills, in bulk: loaded without their secondary indexes.
BIG_MODELS = [
    Client,
    ClientPhone,
    Vehicle,
    RepairOrder,
    RepairOrderLine,
    Recommendation,
    Worksheet,
    Task,
    ServiceRequest,
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None  # group name; None for the superuser
    branches: tuple[int, ...]  # indexes into BRANCHES
    departments: tuple[tuple[int, str], ...]  # (branch index, Department.Kind value or ALL)
    is_staff: bool = False
    is_superuser: bool = False


DEMO_USERS = [
    DemoUser("manager1", "Ольга", "Смирнова", MANAGER, (0,), ((0, "service"),)),
    DemoUser("manager2", "Дмитрий", "Кузнецов", MANAGER, (0,), ((0, "service"),)),
    DemoUser("sales1", "Анна", "Морозова", MANAGER, (0,), ((0, "sales"),)),
    DemoUser("manager3", "Игорь", "Лебедев", MANAGER, (1,), ((1, "service"),)),
    DemoUser("head1", "Елена", "Соколова", HEAD, (0,), ((0, ALL),), is_staff=True),
    DemoUser("head2", "Павел", "Орлов", HEAD, (1,), ((1, ALL),), is_staff=True),
    DemoUser("it", "Артём", "Николаев", IT, (0, 1), (), is_staff=True),
    DemoUser("admin", "Сергей", "Волков", None, (0, 1), (), is_staff=True, is_superuser=True),
]


def demo_branches(size: str) -> list[tuple]:
    """The branches of a demo size: code, name, address, is_multiservice, workshops."""
    more = MORE_BRANCHES[: MORE_BRANCHES_BY_SIZE[size]]
    return [
        *BRANCHES,
        *(
            (f"{DEMO_BRANCH_PREFIX}{number:02d}", name, address, False, ["Механический"])
            for number, (name, address) in enumerate(more, start=len(BRANCHES) + 1)
        ),
    ]


def demo_users(n_branches: int) -> list[DemoUser]:
    """DEMO_USERS, and for each further dealership two service managers, a sales manager and
    a head (dc03.manager1, dc03.manager2, dc03.sales1, dc03.head, …)."""
    users = list(DEMO_USERS)
    for index in range(len(BRANCHES), n_branches):
        for serial, (login, role, kind) in enumerate(
            (
                ("manager1", MANAGER, "service"),
                ("manager2", MANAGER, "service"),
                ("sales1", MANAGER, "sales"),
                ("head", HEAD, ALL),
            )
        ):
            n = index * 4 + serial
            users.append(
                DemoUser(
                    f"dc{index + 1:02d}.{login}",
                    MALE_NAMES[(n * 7) % len(MALE_NAMES)][0],
                    SURNAMES[(n * 13) % len(SURNAMES)],
                    role,
                    (index,),
                    ((index, kind),),
                    is_staff=role == HEAD,
                )
            )
    return users


def _demo_branches() -> QuerySet[Branch]:
    return Branch.objects.filter(code__startswith=DEMO_BRANCH_PREFIX)


class DemoRefused(Exception):
    """The database holds data the demo must not be mixed with (or overwrite)."""


@dataclass
class DemoState:
    present: bool
    foreign: list[str]  # what in the database is not demo data


def demo_present() -> bool:
    return _demo_branches().exists()


def demo_state() -> DemoState:
    """Whether the demo is loaded, and what (if anything) in the database is not demo data."""
    codes = set(Branch.objects.values_list("code", flat=True))
    present = any(code.startswith(DEMO_BRANCH_PREFIX) for code in codes)
    foreign = []
    others = sorted(code for code in codes if not code.startswith(DEMO_BRANCH_PREFIX))
    if others:
        foreign.append(
            gettext("структурные единицы с кодами %(codes)s") % {"codes": ", ".join(others[:10])}
        )
    for model, label in (
        (Client, gettext("клиенты")),
        (Vehicle, gettext("автомобили")),
        (RepairOrder, gettext("заказ-наряды")),
    ):
        not_ours = model.objects.exclude(external_id="").exclude(
            external_id__startswith=EXTERNAL_ID_PREFIX
        )
        if not_ours.exists():
            foreign.append(gettext("%(what)s, загруженные из DMS") % {"what": label})
    if not present and not others and (Client.objects.exists() or Vehicle.objects.exists()):
        foreign.append(gettext("клиенты или автомобили"))
    return DemoState(present=present, foreign=foreign)


def refusal_message(state: DemoState) -> str:
    return gettext(
        "В базе есть данные, которые не относятся к демо: %(what)s. seed_demo работает только "
        "с пустой базой или с базой, которую заполнил сам."
    ) % {"what": "; ".join(state.foreign)}


@dataclass
class SeedReport:
    counts: dict[str, int]
    seconds: dict[str, float]  # by stage
    table_seconds: dict[str, float]  # "writing rows", by table (the generator's names)

    def add_stage(self, stage: str, seconds: float) -> None:
        """A stage run after the seed's transaction: counted in the total, which stays last."""
        total = self.seconds.pop("total")
        self.seconds[stage] = seconds
        self.seconds["total"] = total + seconds


def demo_seed(*, size: str, progress=None) -> SeedReport:
    """Load the demo data set of `size` (S, M, L) into a database that holds nothing else.

    One transaction: a failure leaves nothing half-written.
    """
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    with transaction.atomic():
        state = demo_state()
        if state.foreign:
            raise DemoRefused(refusal_message(state))
        if state.present:
            raise DemoRefused(
                gettext("Демо-данные уже загружены; чтобы загрузить их заново, добавьте --reset.")
            )
        branches = _organisation(size)
        selection_kinds_create()
        seconds["organisation and users"] = time.perf_counter() - started

        writer = BulkWriter()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # One commit at the end: no need to wait for its WAL flush.
                cursor.execute("SET LOCAL synchronous_commit = off")
                # Fire the checks still pending from the organisation's rows (and from
                # --reset's deletes) now: a table with pending checks cannot be altered.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        generator = DemoGenerator(
            n_clients=SIZES[size],
            branches=branches,
            reference=_reference(),
            writer=writer,
            now=timezone.now(),
            progress=progress,
        )
        with secondary_indexes_deferred(BIG_MODELS) as deferred:
            generated = time.perf_counter()
            generator.run()
            seconds["dropping indexes"] = deferred.seconds["dropping indexes"]
            # The rows are written while the next ones are generated: the two overlap.
            seconds["generating rows"] = generator.generate_seconds
            seconds["writing rows"] = generator.write_seconds
            seconds["generating and writing rows"] = time.perf_counter() - generated
        seconds["building indexes"] = deferred.seconds["building indexes"]
        seconds["checking foreign keys"] = deferred.seconds["checking foreign keys"]

        finishing = time.perf_counter()
        writer.reset_sequences(BIG_MODELS)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        # Fresh statistics, so the first page views get good plans. SQLite needs them too:
        # without them it walks a workshop's orders for each car to save a sort (the
        # by-workshop lost-clients rule at seed M: minutes, against 0.05 s with them).
        with connection.cursor() as cursor:
            for model in BIG_MODELS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        seconds["sequences and statistics"] = time.perf_counter() - finishing
    seconds["total"] = time.perf_counter() - started
    return SeedReport(
        counts=generator.counts(),
        seconds=seconds,
        table_seconds=dict(generator.write_seconds_by_table),
    )


def demo_vacuum() -> float | None:
    """VACUUM the loaded tables on PostgreSQL, after the seed's transaction has committed.

    What autovacuum would do next (it may be off, as on this project's machines): it sets the
    visibility map, without which no index-only scan skips the table — the stages' section
    counts and «Мои задачи»'s counts read the task indexes only. Seconds taken, or None where
    there is nothing to do (SQLite) or it cannot run (inside a transaction).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in BIG_MODELS:
            cursor.execute(f"VACUUM {connection.ops.quote_name(model._meta.db_table)}")
    return time.perf_counter() - started


def demo_reset() -> None:
    """Delete the demo data set (organisation, DMS and CRM rows); demo users stay.

    Only on a database that holds nothing but the demo, so whole tables can be emptied.
    """
    with transaction.atomic():
        state = demo_state()
        if state.foreign:
            raise DemoRefused(refusal_message(state))
        branches = _demo_branches()
        demo_departments = Department.objects.filter(branch__in=branches)
        # Whole tables first, with plain DELETEs: the ORM would fetch every row of M or L.
        models = [
            Lead,
            LeadBatch,
            ServiceRequest.history.model,
            ServiceRequest,
            Task.history.model,
            Task,
            Worksheet.history.model,
            Worksheet,
            Recommendation,
            RepairOrderLine,
            RepairOrder,
            ClientPhone,
            Vehicle,
            Client.history.model,
            Client,
        ]
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        SelectionKind.objects.filter(department__in=demo_departments).delete()
        EmployeeProfile.departments.through.objects.filter(department__in=demo_departments).delete()
        EmployeeProfile.branches.through.objects.filter(branch__in=branches).delete()
        Department.objects.filter(branch__in=branches).delete()
        Workshop.objects.filter(branch__in=branches).delete()
        branches.delete()
        for prefix in (WORKSHEET_PREFIX, TASK_PREFIX, SERVICE_REQUEST_PREFIX):
            NumberSequence.reset(prefix)


def _organisation(size: str) -> list[BranchInfo]:
    """Branches, departments, workshops and the demo users with their profiles."""
    branches = []
    specs = demo_branches(size)
    for code, name, address, multiservice, workshop_names in specs:
        branch = Branch.objects.create(
            code=code, name=name, address=address, is_multiservice=multiservice
        )
        departments = {
            kind.value: Department.objects.create(branch=branch, name=label, kind=kind)
            for kind, label in DEPARTMENTS
        }
        workshops = {n: Workshop.objects.create(branch=branch, name=n) for n in workshop_names}
        branches.append((branch, departments, workshops))

    groups = {g.name: g for g in Group.objects.filter(name__in=[MANAGER, HEAD, IT])}
    missing = {MANAGER, HEAD, IT} - set(groups)
    if missing:
        raise DemoRefused(
            gettext("Нет ролей %(roles)s: сначала выполните migrate.")
            % {"roles": ", ".join(sorted(missing))}
        )
    password = make_password(DEMO_PASSWORD)  # hashed once: the same hash serves every user
    users: dict[str, User] = {}
    user_specs = demo_users(len(specs))
    for spec in user_specs:
        user, _ = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "is_staff": spec.is_staff,
                "is_superuser": spec.is_superuser,
                "password": password,
            },
        )
        if spec.role:
            user.groups.add(groups[spec.role])
        profile, _ = EmployeeProfile.objects.get_or_create(user=user)
        profile.branches.add(*[branches[i][0] for i in spec.branches])
        for index, kind in spec.departments:
            departments = branches[index][1]
            profile.departments.add(*(departments.values() if kind == ALL else [departments[kind]]))
        users[spec.username] = user

    infos = []
    for index, (branch, departments, workshops) in enumerate(branches):
        executors: dict[str, list[int]] = {}
        head = None
        for spec in user_specs:
            for branch_index, kind in spec.departments:
                if branch_index != index:
                    continue
                if spec.role == HEAD:
                    head = users[spec.username].id
                elif kind != ALL:
                    executors.setdefault(kind, []).append(users[spec.username].id)
        infos.append(
            BranchInfo(
                id=branch.id,
                is_multiservice=branch.is_multiservice,
                departments={kind: d.id for kind, d in departments.items()},
                workshops={n: w.id for n, w in workshops.items()},
                executors=executors,
                head=head,
            )
        )
    return infos


def _reference() -> Reference:
    task_types = dict(TaskType.objects.values_list("code", "id"))
    purposes = dict(Purpose.objects.values_list("name", "id"))
    options = list(PurchaseOption.objects.filter(is_active=True).values_list("id", flat=True))
    if not task_types or not purposes:
        raise DemoRefused(gettext("Нет видов задач и целей: сначала выполните migrate."))
    task_types["*"] = next(iter(task_types.values()))
    purposes["*"] = purposes.get("Прочее", next(iter(purposes.values())))
    results = {}
    for result in InterviewResult.objects.order_by("order", "id"):
        key = RESULT_KEYS.get(result.name)
        if key is None and result.behaviour != InterviewResult.Behaviour.OTHER:
            key = result.behaviour  # a renamed booking result still books
        if key and key not in results:
            results[key] = (result.id, result.behaviour, result.allows_control)
    return Reference(
        task_types=task_types, purposes=purposes, results=results, purchase_options=options
    )


@dataclass
class LoginRow:
    username: str
    password: str
    role: str
    full_name: str
    units: str


def demo_logins() -> list[LoginRow]:
    """The demo users as they are now, with "demo" where their password still is that."""
    specs = demo_users(_demo_branches().count())
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[s.username for s in specs])
        .select_related("profile")
        .prefetch_related("groups", "profile__branches", "profile__departments__branch")
    }
    checked: dict[str, bool] = {}
    rows = []
    for spec in specs:
        user = users.get(spec.username)
        if user is None:
            continue
        if user.password not in checked:  # one hash check per distinct hash: they are slow
            checked[user.password] = user.check_password(DEMO_PASSWORD)
        password = DEMO_PASSWORD if checked[user.password] else "(свой пароль)"
        if user.is_superuser:
            role = "Суперпользователь"
        else:
            role = ", ".join(g.name for g in user.groups.all()) or "—"
        profile = getattr(user, "profile", None)
        units = "все"
        if profile is not None and not user.is_superuser:
            departments = list(profile.departments.all())
            if departments:
                units = ", ".join(f"{d.branch.code}: {d.name}" for d in departments)
            else:
                units = ", ".join(b.code for b in profile.branches.all()) or "—"
        rows.append(
            LoginRow(spec.username, password, role, f"{user.first_name} {user.last_name}", units)
        )
    return rows
