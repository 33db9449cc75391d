"""The demo data generator: clients, vehicles, five years of repair orders, worksheets and tasks.

Everything comes from one `random.Random` with a fixed seed, so a size gives the same data on
every run (relative to the day it runs: tasks are planned around "today"). Rows are built as
tuples with explicit ids and written a chunk of clients at a time through `BulkWriter`, so
memory stays flat for any size.

Times are handled as whole minutes in Moscow time (`T = ordinal * 1440 + minute`), formatted
to UTC strings only when a row is built.
"""

import datetime as dt
import random
import time
from bisect import bisect_right
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.utils.translation import gettext

from client_history.models import (
    Client,
    ClientPhone,
    Recommendation,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
    search_key,
)
from crm_workstation.models import NumberSequence, format_number
from demo import vocab
from demo.bulk import BulkTable, BulkWriter
from tasks.models import SERVICE_REQUEST_PREFIX, TASK_PREFIX, ServiceRequest, Task
from worksheets.models import WORKSHEET_PREFIX, Worksheet

SEED = 20251127
CHUNK_CLIENTS = 4000
HISTORY_YEARS = 5
MSK_OFFSET_MIN = 180  # Europe/Moscow is UTC+3 all year round since 2014.
DAY = 1440
# The labour of a scheduled maintenance (ТО) visit, in roubles, before parts.
MAINTENANCE_WORK_LOW, MAINTENANCE_WORK_HIGH = 4500, 14000

KIND_WEIGHTS = [
    (RepairOrder.Kind.MAINTENANCE.value, 42),
    (RepairOrder.Kind.REPAIR.value, 25),
    (RepairOrder.Kind.WARRANTY.value, 7),
    (RepairOrder.Kind.BODY.value, 8),
    (RepairOrder.Kind.TYRES.value, 12),
    (RepairOrder.Kind.OTHER.value, 6),
]
# purpose, primary task type, weight — for service worksheets.
SERVICE_PURPOSES = [
    ("Приглашение на ТО", "maintenance_call", 40),
    ("Возврат потерянного клиента", "lost_client_call", 15),
    ("Выполнение рекомендаций", "recommendations_call", 15),
    ("Контроль качества после визита", "post_visit_call", 15),
    ("Окончание гарантии", "warranty_end_call", 5),
    ("Запись на сервис", "maintenance_call", 10),
]
OTHER_PURPOSES = {
    "sales": "Продажа автомобиля",
    "parts": "Продажа запчастей и аксессуаров",
    "body": "Запись на сервис",
}
# How the department worksheets of a client are drawn: kind, probability.
WORKSHEET_ODDS = [("service", 0.41), ("sales", 0.05), ("parts", 0.015), ("body", 0.015)]
RESULT_KEYS = {
    "Клиент записан на сервис во время звонка": "booked_during_call",
    "Клиент записан на сервис": "booked",
    "Планирует визит позже": "later",
    "Перезвонить позже": "call_back",
    "Обслуживается у другого дилера": "other_dealer",
    "Продал автомобиль": "sold",
    "Не требуется": "not_needed",
    "Недоволен обслуживанием": "unhappy",
}
RESULT_WEIGHTS = {
    "booked_during_call": 22,
    "booked": 14,
    "later": 16,
    "call_back": 12,
    "other_dealer": 10,
    "sold": 6,
    "not_needed": 14,
    "unhappy": 6,
}


def _demo_phone(serial: int, code: str, subscriber: int, *, invalid: bool) -> tuple[str, str]:
    """A phone as (number, raw): the DMS's own spellings of it, and for some of the phones
    a manager marked invalid, a number cut short in the DMS (no normalised number at all).

    Drawn from the serial, not the random stream, so the rest of the data set stays the same.
    """
    d = f"{code}{subscriber:07d}"
    if invalid and serial % 3 == 0:
        return "", f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}"
    spellings = (
        f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
        f"+7 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]}",
        f"8{d}",
        f"+7{d}",
    )
    return f"+7{d}", spellings[serial % len(spellings)]


CLIENT_FIELDS = [
    "id",
    "external_id",
    "name",
    "name_search",
    "kind",
    "email",
    "do_not_call",
    "home_branch",
    "created_at",
]
PHONE_FIELDS = ["id", "client", "number", "raw", "is_primary", "is_invalid", "note"]
VEHICLE_FIELDS = [
    "id",
    "external_id",
    "vin",
    "plate",
    "make",
    "model",
    "year",
    "sale_date",
    "last_mileage",
    "last_mileage_date",
    "owner",
    "needs_data_check",
    "created_at",
]
ORDER_FIELDS = [
    "id",
    "external_id",
    "number",
    "branch",
    "workshop",
    "department",
    "client",
    "vehicle",
    "opened_at",
    "closed_at",
    "mileage",
    "kind",
    "amount",
]
LINE_FIELDS = ["id", "repair_order", "position", "kind", "name", "quantity", "amount"]
RECOMMENDATION_FIELDS = [
    "id",
    "external_id",
    "repair_order",
    "vehicle",
    "text",
    "is_done",
    "done_in",
]
WORKSHEET_FIELDS = [
    "id",
    "number",
    "department",
    "client",
    "purpose",
    "initiator",
    "source",
    "responsible",
    "created_at",
]
TASK_FIELDS = [
    "id",
    "number",
    "worksheet",
    "department",
    "task_type",
    "vehicle",
    "goal",
    "planned_at",
    "executor",
    "status",
    "created_by",
    "created_at",
    "taken_at",
    "finished_at",
    "previous_task",
    "involved_from",
    "outcome",
    "interview_result",
    "purchase_option",
    "comment",
    "reported_mileage",
    "wrong_data",
    "goal_completed",
    "copied_from",
    "origin_task",
]
REQUEST_FIELDS = [
    "id",
    "number",
    "worksheet",
    "task",
    "vehicle",
    "workshop",
    "desired_at",
    "requested_works",
    "purchase_option",
    "comment",
    "status",
    "arrived_order",
    "created_by",
    "created_at",
]

NEW, IN_WORK, ON_CONTROL, DONE, CANCELLED = (
    Task.Status.NEW.value,
    Task.Status.IN_WORK.value,
    Task.Status.ON_CONTROL.value,
    Task.Status.DONE.value,
    Task.Status.CANCELLED.value,
)
INTERVIEW, NO_ANSWER, REFUSED, WRONG_DATA, REPEAT = (
    Task.Outcome.INTERVIEW.value,
    Task.Outcome.NO_ANSWER.value,
    Task.Outcome.REFUSED.value,
    Task.Outcome.WRONG_DATA.value,
    Task.Outcome.REPEAT.value,
)


@dataclass
class BranchInfo:
    id: int
    is_multiservice: bool
    departments: dict[str, int]  # Department.Kind value → id
    workshops: dict[str, int]  # workshop name → id
    executors: dict[str, list[int]]  # department kind → user ids who work its tasks
    head: int | None


@dataclass
class Reference:
    task_types: dict[str, int]
    purposes: dict[str, int]
    results: dict[str, tuple[int, str, bool]]  # key → (id, behaviour, allows_control)
    purchase_options: list[int]


@dataclass
class VehicleInfo:
    id: int
    sale_day: int
    km_per_day: float
    ro_days: list[int] = field(default_factory=list)
    ro_ids: list[int] = field(default_factory=list)
    ro_kinds: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)  # still open
    last_mileage: int | None = None


@dataclass
class DoneInterview:
    """A finished interview task a later task can copy its result from, or involve from."""

    task_id: int
    executor: int
    finished: int
    result: tuple  # interview_result, purchase_option, comment, reported_mileage
    origin: int  # the first task of its chain, which an involvement inherits


def _weighted_pool(pairs: list[tuple], scale: int = 1) -> list:
    """A list where each value appears `weight` times: a uniform pick from it is weighted."""
    pool = []
    for value, weight in pairs:
        pool.extend([value] * (weight * scale))
    return pool


def _female_surname(surname: str) -> str:
    for male, female in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая")):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def _translit(text: str) -> str:
    return "".join(vocab.TRANSLIT.get(ch, "") for ch in text.lower())


VIN_VALUES = dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
)
VIN_VALUES.update({str(d): d for d in range(10)})
VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_YEAR = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 2010 = A, …, 2030 = Y: ISO 3779 model years


def make_vin(wmi: str, vds: str, year: int, serial: int) -> str:
    """A valid 17-character VIN: WMI, descriptor, check digit, model year, plant, serial."""
    plant = vocab.VIN_CHARS[(serial // 1_000_000) % len(vocab.VIN_CHARS)]
    body = f"{wmi}{vds}0{VIN_YEAR[(year - 2010) % 30]}{plant}{serial % 1_000_000:06d}"
    total = sum(VIN_VALUES[c] * w for c, w in zip(body, VIN_WEIGHTS, strict=True))
    check = total % 11
    return body[:8] + ("X" if check == 10 else str(check)) + body[9:]


class DemoGenerator:
    """Generates and writes the demo's DMS and CRM rows for `n_clients` clients."""

    def __init__(
        self,
        *,
        n_clients: int,
        branches: list[BranchInfo],
        reference: Reference,
        writer: BulkWriter,
        now: dt.datetime,
        progress: Callable[[str], None] | None = None,
    ):
        self.n_clients = n_clients
        self.branches = branches
        self.ref = reference
        self.writer = writer
        self.progress = progress or (lambda message: None)
        self.rng = random.Random(SEED)

        self.tables = {
            "clients": BulkTable(Client, CLIENT_FIELDS),
            "phones": BulkTable(ClientPhone, PHONE_FIELDS),
            "vehicles": BulkTable(Vehicle, VEHICLE_FIELDS),
            "orders": BulkTable(RepairOrder, ORDER_FIELDS),
            "lines": BulkTable(RepairOrderLine, LINE_FIELDS),
            "recommendations": BulkTable(Recommendation, RECOMMENDATION_FIELDS),
            "worksheets": BulkTable(Worksheet, WORKSHEET_FIELDS),
            "tasks": BulkTable(Task, TASK_FIELDS),
            "requests": BulkTable(ServiceRequest, REQUEST_FIELDS),
        }
        self.write_seconds_by_table = dict.fromkeys(self.tables, 0.0)
        self.generate_seconds = 0.0
        self.wait_seconds = 0.0  # the generator waiting for the writer
        self.next_id = {name: table.next_id() for name, table in self.tables.items()}
        self.vehicle_serial = 0
        self.phone_serial = 0

        msk_now = now.astimezone(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=MSK_OFFSET_MIN)
        self.today = msk_now.date().toordinal()
        self.now_T = self.today * DAY + msk_now.hour * 60 + msk_now.minute
        self.window_start = self.today - HISTORY_YEARS * 365
        self.this_year = msk_now.year
        self._prepare_formats()
        self._prepare_pools()

    # --- preparation ---------------------------------------------------------------------

    def _prepare_formats(self) -> None:
        first = dt.date(2008, 1, 1).toordinal()
        last = self.today + 400
        self.iso_day = {o: dt.date.fromordinal(o).isoformat() for o in range(first, last)}
        self.ru_day = {o: dt.date.fromordinal(o).strftime("%d.%m.%Y") for o in range(first, last)}
        suffix = "+00:00" if self.writer.vendor == "postgresql" else ""
        self.clock = [f" {m // 60:02d}:{m % 60:02d}:00{suffix}" for m in range(DAY)]

    def ts(self, T: int) -> str:
        """Moscow minutes → a UTC timestamp string the database takes."""
        day, minute = divmod(T - MSK_OFFSET_MIN, DAY)
        return self.iso_day[day] + self.clock[minute]

    def _prepare_pools(self) -> None:
        self.make_pool = _weighted_pool([(m, m[1]) for m in vocab.MAKES])
        self.kind_pool = _weighted_pool(KIND_WEIGHTS)
        self.purpose_pool = _weighted_pool([((p, t), w) for p, t, w in SERVICE_PURPOSES])
        self.result_pool = _weighted_pool(
            [(k, w) for k, w in RESULT_WEIGHTS.items() if k in self.ref.results]
        )
        self.control_results = [
            k for k in ("booked", "later", "call_back") if k in self.ref.results
        ]
        self.control_ids = {rid for rid, _, control in self.ref.results.values() if control}
        self.plain_results = [
            k
            for k, (_, behaviour, control) in self.ref.results.items()
            if behaviour == "other" and not control
        ]
        self.surnames = [(s, _female_surname(s), _translit(s)) for s in vocab.SURNAMES]
        self.male = [(n, pm, pf, _translit(n)) for n, pm, pf in vocab.MALE_NAMES]
        self.female = [(n, _translit(n)) for n in vocab.FEMALE_NAMES]
        # Home branches: the first two take 60 and 40 per cent of the clients of the
        # two-branch sizes; at the largest, each further dealership has as many as a tenth of
        # those, and the first two keep their number.
        first, second, *more = self.branches
        self.branch_pool = [first] * 6 + [second] * 4 + [b for b in more for _ in range(5)]
        # Where a client's car is sometimes serviced instead: the next branch of the list.
        self.neighbour = {
            b.id: self.branches[(i + 1) % len(self.branches)] for i, b in enumerate(self.branches)
        }

    # --- the run -------------------------------------------------------------------------

    def run(self) -> None:
        """Generate a chunk while the previous one is written.

        The rows are built in Python while the database is busy taking the previous chunk: a
        writer thread sends them on the connection the transaction runs on. The two never use
        the connection at the same time: the generator waits for the writer before it reserves
        the chunk's numbers (its only query) and hands the chunk over.
        """
        done = 0
        step = max(CHUNK_CLIENTS, self.n_clients // 10)
        reported = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-writer") as pool:
            written: Future | None = None
            while done < self.n_clients:
                n = min(CHUNK_CLIENTS, self.n_clients - done)
                started = time.perf_counter()
                rows = self._chunk(n)
                self.generate_seconds += time.perf_counter() - started
                self._wait(written)
                self._number_crm_rows(rows)
                written = pool.submit(self._write_chunk, rows)
                done += n
                if self.n_clients > CHUNK_CLIENTS and done - reported >= step:
                    self.progress(
                        gettext("  %(done)s из %(total)s клиентов")
                        % {"done": f"{done:,}", "total": f"{self.n_clients:,}"}
                    )
                    reported = done
            self._wait(written)

    def counts(self) -> dict[str, int]:
        return {name: table.count for name, table in self.tables.items()}

    @property
    def write_seconds(self) -> float:
        """How long the writer was busy (mostly while the next chunk was being generated)."""
        return sum(self.write_seconds_by_table.values())

    def _wait(self, written: Future | None) -> None:
        """Wait for the writer to finish the last chunk (raising what it raised)."""
        if written is not None:
            started = time.perf_counter()
            written.result()
            self.wait_seconds += time.perf_counter() - started

    def _write_chunk(self, rows: dict[str, list[tuple]]) -> None:
        for name, table in self.tables.items():
            started = time.perf_counter()
            self.writer.write(table, rows[name])
            self.write_seconds_by_table[name] += time.perf_counter() - started

    def _take_id(self, name: str) -> int:
        value = self.next_id[name]
        self.next_id[name] = value + 1
        return value

    def _chunk(self, n: int) -> dict[str, list[tuple]]:
        """The rows of the next `n` clients, without the CRM rows' numbers (no query here)."""
        self.rows = {name: [] for name in self.tables}
        self.pending_tasks: list[tuple] = []  # task rows without their number
        self.pending_requests: list[tuple] = []
        self.pending_worksheets: list[tuple] = []
        for _ in range(n):
            self._client()
        self.rows["pending"] = (self.pending_worksheets, self.pending_tasks, self.pending_requests)
        return self.rows

    def _number_crm_rows(self, rows: dict) -> None:
        """Reserve a block of human numbers per kind for this chunk, as the models would."""
        worksheets, tasks, requests = rows.pop("pending")
        for pending, prefix, target in (
            (worksheets, WORKSHEET_PREFIX, "worksheets"),
            (tasks, TASK_PREFIX, "tasks"),
            (requests, SERVICE_REQUEST_PREFIX, "requests"),
        ):
            if not pending:
                continue
            numbers = NumberSequence.reserve(prefix, len(pending))
            rows[target] = [
                (row[0], format_number(prefix, number), *row[1:])
                for number, row in zip(numbers, pending, strict=True)
            ]

    # --- clients, phones, vehicles, repair orders ----------------------------------------

    def _client(self) -> None:
        r = self.rng.random
        rows = self.rows
        client_id = self._take_id("clients")
        branch = self.branch_pool[int(r() * len(self.branch_pool))]
        if r() < 0.05:
            kind = Client.Kind.COMPANY.value
            surname = self.surnames[int(r() * len(self.surnames))]
            if r() < 0.15:
                first = self.male[int(r() * len(self.male))]
                name = f"ИП {surname[0]} {first[0][0]}. {first[1][0]}."
                email = f"ip.{surname[2]}@{vocab.EMAIL_DOMAINS[int(r() * 7)]}"
            else:
                root = vocab.COMPANY_ROOTS[int(r() * len(vocab.COMPANY_ROOTS))]
                suffix = vocab.COMPANY_SUFFIXES[int(r() * len(vocab.COMPANY_SUFFIXES))]
                form = vocab.COMPANY_FORMS[int(r() * len(vocab.COMPANY_FORMS))]
                name = f"{form} «{root}{suffix}»"
                email = f"info@{_translit(root + suffix)}.ru"
            if r() < 0.3:
                email = ""
            n_vehicles = 1 + int(r() * 5)
            n_phones = 2 if r() < 0.5 else 1
            pace = 1.8
        else:
            kind = Client.Kind.PERSON.value
            surname = self.surnames[int(r() * len(self.surnames))]
            if r() < 0.38:
                first, first_tr = self.female[int(r() * len(self.female))]
                patronymic = self.male[int(r() * len(self.male))][2]
                name = f"{surname[1]} {first} {patronymic}"
            else:
                first, _, _, first_tr = self.male[int(r() * len(self.male))]
                patronymic = self.male[int(r() * len(self.male))][1]
                name = f"{surname[0]} {first} {patronymic}"
            email = ""
            if r() < 0.35:
                domain = vocab.EMAIL_DOMAINS[int(r() * 7)]
                email = f"{first_tr}.{surname[2]}{int(r() * 90) + 10}@{domain}"
            x = r()
            n_vehicles = 1 if x < 0.8 else 2 if x < 0.97 else 3
            n_phones = 2 if r() < 0.22 else 1
            pace = 1.0

        for i in range(n_phones):
            serial = self.phone_serial
            self.phone_serial += 1
            # A bijection of the serial onto seven digits: numbers are unique and look random.
            subscriber = (serial * 7_654_321 + 1_234_567) % 10_000_000
            code = vocab.PHONE_CODES[(serial * 7 + subscriber) % len(vocab.PHONE_CODES)]
            note = "" if i == 0 else vocab.SECOND_PHONE_NOTES[int(r() * 8)]
            invalid = r() < (0.02 if i == 0 else 0.1)
            number, raw = _demo_phone(serial, code, subscriber, invalid=invalid)
            rows["phones"].append(
                (
                    self._take_id("phones"),
                    client_id,
                    number,
                    raw,
                    int(i == 0),
                    int(invalid),
                    note,
                )
            )

        vehicles = [self._vehicle(client_id, branch, pace) for _ in range(n_vehicles)]
        first_day = min((v.ro_days[0] for v in vehicles if v.ro_days), default=self.today - 30)
        rows["clients"].append(
            (
                client_id,
                f"demo-c-{client_id}",
                name,
                search_key(name),
                kind,
                email,
                int(r() < 0.02),
                branch.id,
                self.ts(first_day * DAY + 600),
            )
        )
        self._worksheets(client_id, branch, vehicles)

    def _vehicle(self, client_id: int, home: BranchInfo, pace: float) -> VehicleInfo:
        r = self.rng.random
        rows = self.rows
        make, _, wmi, year_from, year_to, models = self.make_pool[int(r() * len(self.make_pool))]
        model = models[int(r() * len(models))]
        year_from = max(year_from, self.this_year - 12)
        year_to = min(year_to, self.this_year)
        year = year_from + int(r() * (year_to - year_from + 1))
        sale_day = dt.date(year, 1, 1).toordinal() + int(r() * 365)
        if sale_day > self.today - 5:
            sale_day = self.today - 5 - int(r() * 120)
        km_per_day = self.rng.lognormvariate(3.7, 0.45) * pace

        vehicle_id = self._take_id("vehicles")
        serial = self.vehicle_serial
        self.vehicle_serial += 1
        vds = "".join(vocab.VIN_CHARS[(serial * 7 + k * 13 + len(model)) % 23] for k in range(5))
        vin = make_vin(wmi, vds, year, serial)
        plate = ""
        if r() < 0.99:
            index = (serial * 1_000_003 + 777) % (12**3 * 999)
            letters, number = divmod(index, 999)
            a, rest = divmod(letters, 144)
            b, c = divmod(rest, 12)
            pl = vocab.PLATE_LETTERS
            region = vocab.PLATE_REGIONS[serial % len(vocab.PLATE_REGIONS)]
            plate = f"{pl[a]}{number + 1:03d}{pl[b]}{pl[c]}{region}"

        info = VehicleInfo(vehicle_id, sale_day, km_per_day)
        self._repair_orders(info, client_id, home)
        last_mileage = last_day = None
        if info.ro_days:
            last_day = self.iso_day[info.ro_days[-1]]
            last_mileage = info.last_mileage
        rows["vehicles"].append(
            (
                vehicle_id,
                f"demo-v-{vehicle_id}",
                vin,
                plate,
                make,
                model,
                year,
                self.iso_day[sale_day],
                last_mileage,
                last_day,
                client_id,
                int(r() < 0.005),
                self.ts(max(sale_day, self.window_start) * DAY + 600),
            )
        )
        return info

    def _repair_orders(self, info: VehicleInfo, client_id: int, home: BranchInfo) -> None:
        r = self.rng.random
        rows = self.rows
        orders, lines, recs = rows["orders"], rows["lines"], rows["recommendations"]
        today = self.today
        start = max(self.window_start, info.sale_day + 15)
        mean_gap = 160 + r() * 320
        stop = today
        if r() < 0.25:  # a client who stopped coming: "lost" for the selections
            stop = start + int(r() * max(1, today - start))
        day = start + int(r() * mean_gap)
        mileage = 0
        other = self.neighbour[home.id]
        while day <= stop:
            ro_id = self._take_id("orders")
            mileage = max(
                mileage + 50, int(info.km_per_day * (day - info.sale_day) * (0.95 + 0.1 * r()))
            )
            kind = self.kind_pool[int(r() * len(self.kind_pool))]
            if kind == "warranty" and day - info.sale_day > 3 * 365:
                kind = "repair"
            branch = home if r() < 0.93 else other
            if kind == "body":
                department = branch.departments["body"]
                workshop = branch.workshops.get("Кузовной", branch.workshops["Механический"])
            else:
                department = branch.departments["service"]
                workshop = branch.workshops["Механический"]
                if kind == "tyres":
                    workshop = branch.workshops.get("Шиномонтаж", workshop)
            closed = day + (0 if r() < 0.6 else 1 + int(r() * 4))
            closed_s = self.iso_day[closed] if closed <= today else None
            if day >= today - 2 and r() < 0.5:
                closed_s = None  # still in the workshop

            # lines: works and parts of the order's kind
            works, parts = vocab.WORKS[kind], vocab.PARTS[kind]
            n_lines = 2 + int(r() * 3) if kind == "maintenance" else 1 + int(r() * 3)
            total = 0
            for position in range(1, n_lines + 1):
                if position == 1 or r() < 0.4:
                    name, low, high = works[int(r() * len(works))]
                    line_kind, quantity, amount = (
                        "work",
                        1,
                        (low + int(r() * (high - low))) // 10 * 10,
                    )
                    if position == 1 and kind == "maintenance":
                        name = f"Техническое обслуживание ТО-{max(1, round(mileage / 15000))}"
                        amount = (
                            (
                                MAINTENANCE_WORK_LOW
                                + int(r() * (MAINTENANCE_WORK_HIGH - MAINTENANCE_WORK_LOW))
                            )
                            // 100
                            * 100
                        )
                else:
                    name, low, high, quantity = parts[int(r() * len(parts))]
                    line_kind = "part"
                    amount = (low + int(r() * (high - low))) // 10 * 10 * quantity
                total += amount
                lines.append(
                    (self._take_id("lines"), ro_id, position, line_kind, name, quantity, amount)
                )
            orders.append(
                (
                    ro_id,
                    f"demo-ro-{ro_id}",
                    f"ЗН{ro_id:08d}",
                    branch.id,
                    workshop,
                    department,
                    client_id,
                    info.id,
                    self.iso_day[day],
                    closed_s,
                    mileage,
                    kind,
                    total,
                )
            )
            info.ro_days.append(day)
            info.ro_ids.append(ro_id)
            info.ro_kinds.append(kind)
            day += max(7, int(mean_gap * (0.3 + 1.4 * r())))
        if info.ro_ids:
            info.last_mileage = mileage

        # Recommendations: some orders leave advice; part of it is done in a later order.
        n = len(info.ro_ids)
        for k in range(n):
            if r() >= 0.22:
                continue
            for _ in range(2 if r() < 0.2 else 1):
                text = vocab.RECOMMENDATIONS[int(r() * len(vocab.RECOMMENDATIONS))]
                done_in = None
                if k + 1 < n and r() < 0.55:
                    later = k + 1 if r() < 0.7 else k + 1 + int(r() * (n - k - 1))
                    done_in = info.ro_ids[later]
                else:
                    info.recommendations.append(text)
                rec_id = self._take_id("recommendations")
                recs.append(
                    (
                        rec_id,
                        f"demo-rec-{rec_id}",
                        info.ro_ids[k],
                        info.id,
                        text,
                        int(done_in is not None),
                        done_in,
                    )
                )

    # --- worksheets, tasks, service requests ---------------------------------------------

    def _worksheets(self, client_id: int, branch: BranchInfo, vehicles: list[VehicleInfo]) -> None:
        r = self.rng.random
        interviews: list[DoneInterview] = []
        for dept_kind, odds in WORKSHEET_ODDS:
            if r() >= odds:
                continue
            department = branch.departments[dept_kind]
            executors = branch.executors.get(dept_kind) or [branch.head]
            main = executors[int(r() * len(executors))]
            ws_id = self._take_id("worksheets")
            if dept_kind == "service":
                purpose, task_type = self.purpose_pool[int(r() * len(self.purpose_pool))]
                x = r()
                source = "auto_selection" if x < 0.55 else "importer_file" if x < 0.75 else "manual"
                initiator = main if source == "manual" else branch.head
                chains = [(vehicles[0], task_type)]
                if len(vehicles) > 1 and r() < 0.3:
                    chains.append((vehicles[1], "maintenance_call"))
                created = None
                for vehicle, type_code in chains:
                    first = self._chain(
                        ws_id=ws_id,
                        client_id=client_id,
                        branch=branch,
                        dept_kind=dept_kind,
                        executors=executors,
                        main=main,
                        vehicle=vehicle,
                        primary=type_code,
                        length=1 + int(self.rng.expovariate(1 / 5.6)),
                        created_by=initiator,
                        interviews=interviews,
                    )
                    created = first if created is None else min(created, first)
            else:
                purpose = OTHER_PURPOSES[dept_kind]
                vehicle = vehicles[0] if dept_kind == "body" else None
                involve = [i for i in interviews if i.finished < self.now_T - 2 * DAY]
                if involve and r() < 0.7:
                    origin = involve[int(r() * len(involve))]
                    source, initiator = "involvement", origin.executor
                    start = origin.finished
                else:
                    source, initiator, origin = "manual", main, None
                    start = (self.today - 2 - int(r() * 500)) * DAY + 600
                created = self._chain(
                    ws_id=ws_id,
                    client_id=client_id,
                    branch=branch,
                    dept_kind=dept_kind,
                    executors=executors,
                    main=main,
                    vehicle=vehicle,
                    primary="other_department",
                    length=1 + int(self.rng.expovariate(0.6)),
                    created_by=initiator,
                    interviews=[],
                    start=start,
                    involved_from=origin,
                )
            self.pending_worksheets.append(
                (
                    ws_id,
                    department,
                    client_id,
                    self.ref.purposes.get(purpose, self.ref.purposes["*"]),
                    initiator,
                    source,
                    main,
                    self.ts(created),
                )
            )

    def _slot(self, day: int) -> int:
        """A time on `day` within working hours, on a quarter-hour."""
        return day * DAY + 540 + 15 * int(self.rng.random() * 38)

    def _chain(
        self,
        *,
        ws_id: int,
        client_id: int,
        branch: BranchInfo,
        dept_kind: str,
        executors: list[int],
        main: int,
        vehicle: VehicleInfo | None,
        primary: str,
        length: int,
        created_by: int | None,
        interviews: list[DoneInterview],
        start: int | None = None,
        involved_from: DoneInterview | None = None,
    ) -> int:
        """One line of follow-ups on a worksheet: finished tasks and maybe an unfinished last.

        Only the last task of a chain may be unfinished, so the rule "one unfinished task of a
        type per worksheet and vehicle" holds. Returns when the chain's first task was created.
        """
        r = self.rng.random
        now_T = self.now_T
        types = self.ref.task_types
        department = branch.departments[dept_kind]
        unfinished = r() < 0.42
        # Where the last task lands: around today if unfinished, some time ago if not.
        if unfinished:
            x = r()
            if x < 0.38:
                last_planned = self._slot(self.today - 1 - int(r() * 30))  # overdue
            elif x < 0.6:
                last_planned = self._slot(self.today)
            else:
                last_planned = self._slot(self.today + 1 + int(r() * 14))
            bound = min(last_planned, now_T) - DAY
        else:
            bound = now_T - 3 * DAY - int(r() ** 2 * 400) * DAY
        if start is None:
            span = int((length - 1) * 85 * (0.6 + 0.8 * r())) + int(r() * 10)
            earliest = self.window_start + 30
            if vehicle is not None:
                earliest = max(earliest, vehicle.sale_day + 20)
            planned = self._slot(max(earliest, bound // DAY - span))
            created = self._slot(planned // DAY - 1 - int(r() * 3))
        else:
            created = start
            planned = self._slot(start // DAY + 1 + int(r() * 3))
        first_created = created

        previous: int | None = None
        previous_goal = ""
        type_code = primary
        involved = involved_from.task_id if involved_from else None
        by = created_by if involved_from is None else involved_from.executor
        for i in range(length):
            is_last = i == length - 1
            if planned > bound:
                if not unfinished:
                    if i > 0:
                        break  # the previous task closed the chain
                    # A chain that starts too late to be over yet: its only task is still open.
                    unfinished, last_planned = True, planned
                is_last = True
            if is_last and unfinished:
                planned = max(last_planned, created + 60)
            goal = self._goal(type_code, dept_kind, vehicle, planned // DAY, previous_goal)
            task_id = self._take_id("tasks")
            # The chain's first task, as the app keeps it: a follow-up or an involvement
            # inherits it; a task planned afresh starts its own.
            if i == 0:
                origin = involved_from.origin if involved_from else task_id
            elif previous is None:
                origin = task_id
            executor = main if r() < 0.85 else executors[int(r() * len(executors))]
            result = (None, None, "", None)
            outcome = wrong = ""
            taken = finished = copied = None
            completed = 0
            next_ro = self._next_order(vehicle, planned // DAY)
            if is_last and unfinished:
                x = r()
                if planned > now_T:
                    status = NEW if x < 0.7 else ON_CONTROL
                else:
                    status = NEW if x < 0.45 else IN_WORK if x < 0.75 else ON_CONTROL
                if status == ON_CONTROL and not self.control_results:
                    status = NEW  # no result in the reference list allows control
                if status == NEW:
                    if r() < 0.4:
                        executor = None  # in the department's pool, for anyone to take
                elif status == IN_WORK:
                    taken = created + int(r() * (now_T - created))
                    y = r()
                    if y < 0.4:
                        outcome = NO_ANSWER
                        result = (None, None, self._comment("no_answer"), None)
                    elif y < 0.7 and self.plain_results:
                        outcome = INTERVIEW
                        key = self.plain_results[int(r() * len(self.plain_results))]
                        result = self._interview(key, vehicle, planned)
                else:  # on control: an interview whose result allows control
                    taken = created + int(r() * (now_T - created))
                    outcome = INTERVIEW
                    key = self.control_results[int(r() * len(self.control_results))]
                    result = self._interview(key, vehicle, planned)
            else:
                status = DONE if r() < 0.93 else CANCELLED
                if status == CANCELLED:
                    if r() < 0.5:
                        executor = None
                    else:
                        taken = planned + int(r() * 120)
                    finished = planned + int(r() * 5 * DAY)
                else:
                    taken = planned + int(r() * 120)
                    finished = taken + 2 + int(r() * 25)
                    completed = 1
                    outcome, result, wrong, copied, finished = self._finished_result(
                        dept_kind, vehicle, planned, next_ro, interviews, finished
                    )
                finished = min(finished, now_T - 10)
                if taken is not None:
                    taken = min(taken, finished)

            self.pending_tasks.append(
                (
                    task_id,
                    ws_id,
                    department,
                    types[type_code] if type_code in types else types["*"],
                    vehicle.id if vehicle else None,
                    goal,
                    self.ts(planned),
                    executor,
                    status,
                    by,
                    self.ts(created),
                    None if taken is None else self.ts(taken),
                    None if finished is None else self.ts(finished),
                    previous,
                    involved,
                    outcome,
                    result[0],
                    result[1],
                    result[2],
                    result[3],
                    wrong,
                    completed,
                    copied,
                    origin,
                )
            )
            involved = None
            if status == DONE and outcome == INTERVIEW:
                interviews.append(DoneInterview(task_id, executor, finished, result, origin))
                if result[0] == self.ref.results.get("booked_during_call", (None,))[0]:
                    self._service_request(
                        ws_id,
                        task_id,
                        branch,
                        dept_kind,
                        vehicle,
                        executor,
                        finished,
                        next_ro,
                        result,
                    )
            if is_last:
                break

            # What comes next depends on how this one ended.
            by = executor or main
            created = finished
            previous_goal = goal
            control = outcome == INTERVIEW and result[0] in self.control_ids
            if outcome == NO_ANSWER or (status == DONE and control):
                type_code = "repeat_call"
                previous = task_id
                gap = 1 + int(r() * 3) if outcome == NO_ANSWER else 14 + int(r() * 46)
            elif (
                next_ro is not None and next_ro[0] - planned // DAY <= 30 and dept_kind == "service"
            ):
                type_code, previous = "post_visit_call", None
                gap = max(1, next_ro[0] + 2 + int(r() * 4) - finished // DAY)
            else:
                type_code = primary if dept_kind == "service" else "repeat_call"
                previous = None if dept_kind == "service" else task_id
                gap = 60 + int(r() * 190) if dept_kind == "service" else 3 + int(r() * 20)
            planned = self._slot(finished // DAY + gap)
        return first_created

    def _next_order(self, vehicle: VehicleInfo | None, day: int) -> tuple[int, int] | None:
        """The vehicle's first repair order after `day`: (day, id)."""
        if vehicle is None:
            return None
        k = bisect_right(vehicle.ro_days, day)
        if k < len(vehicle.ro_days):
            return vehicle.ro_days[k], vehicle.ro_ids[k]
        return None

    def _finished_result(self, dept_kind, vehicle, planned, next_ro, interviews, finished):
        """The outcome of a task closed with «Работа по цели завершена»."""
        r = self.rng.random
        results = self.ref.results
        wrong = ""
        copied = None
        result = (None, None, "", None)
        booked_soon = (
            next_ro is not None
            and 1 <= next_ro[0] - planned // DAY <= 30
            and dept_kind == "service"
            and "booked_during_call" in results
        )
        x = r()
        if booked_soon and x < 0.65:
            result = self._interview("booked_during_call", vehicle, planned, on_day=next_ro[0])
            return INTERVIEW, result, "", None, finished
        if x < 0.55:
            key = self.result_pool[int(r() * len(self.result_pool))]
            if key == "booked_during_call" and dept_kind in ("sales", "parts"):
                key = "not_needed" if "not_needed" in results else key
            if key in ("later", "call_back", "booked"):
                finished += int(r() * 10 * DAY)  # sat on control until confirmed
            return INTERVIEW, self._interview(key, vehicle, planned), "", None, finished
        if x < 0.82:
            return NO_ANSWER, (None, None, self._comment("no_answer"), None), "", None, finished
        if x < 0.87:
            return REFUSED, (None, None, self._comment("refused"), None), "", None, finished
        if x < 0.91:
            y = r()
            wrong = "phone" if y < 0.6 else "vehicle" if y < 0.85 else "other"
            result = (None, None, self._comment("wrong_data"), None)
            return WRONG_DATA, result, wrong, None, finished
        if interviews:
            source = interviews[int(r() * len(interviews))]
            copied = source.task_id
            return REPEAT, source.result, "", copied, finished
        return NO_ANSWER, (None, None, self._comment("no_answer"), None), "", None, finished

    def _comment(self, key: str, **values) -> str:
        options = vocab.COMMENTS_BY_RESULT[key]
        text = options[int(self.rng.random() * len(options))]
        return text.format(**values) if values else text

    def _interview(
        self, key: str, vehicle: VehicleInfo | None, planned: int, on_day: int | None = None
    ) -> tuple:
        """(interview_result, purchase_option, comment, reported_mileage) for a result key."""
        r = self.rng.random
        result_id, behaviour, _ = self.ref.results[key]
        options = self.ref.purchase_options
        purchase = None
        mileage = None
        if behaviour == "booked_during_call":
            on_day = on_day or planned // DAY + 1 + int(r() * 10)
            comment = self._comment(key, date=self.ru_day[on_day])
        elif behaviour == "booked":
            purchase = options[int(r() * len(options))] if options else None
            comment = self._comment(key, date=self.ru_day[planned // DAY + 1 + int(r() * 14)])
        else:
            comment = self._comment(key) if key in vocab.COMMENTS_BY_RESULT else "Поговорили"
            if vehicle is not None and vehicle.ro_days and r() < 0.4:
                day = planned // DAY
                if vehicle.sale_day < day <= vehicle.ro_days[-1]:
                    # Only readings before the last order: the vehicle's last mileage stays
                    # the one of its latest repair order.
                    mileage = int(vehicle.km_per_day * (day - vehicle.sale_day)) // 100 * 100
        return result_id, purchase, comment, mileage

    def _goal(self, type_code, dept_kind, vehicle, day, previous_goal) -> str:
        r = self.rng.random
        if type_code == "other_department":
            goals = vocab.OTHER_DEPARTMENT_GOALS.get(
                dept_kind, vocab.OTHER_DEPARTMENT_GOALS["other"]
            )
            return goals[int(r() * len(goals))]
        if type_code == "repeat_call":
            if not previous_goal or previous_goal.startswith("Повторный звонок"):
                return previous_goal or "Повторный звонок"
            return f"Повторный звонок. {previous_goal}"
        template = vocab.GOAL_TEXTS.get(type_code, "Связаться с клиентом")
        if vehicle is None:
            return template.split(":")[0]
        km = int(vehicle.km_per_day * max(0, day - vehicle.sale_day))
        k = bisect_right(vehicle.ro_days, day) - 1
        last = self.ru_day[vehicle.ro_days[k]] if k >= 0 else self.ru_day[vehicle.sale_day]
        rec = vehicle.recommendations[0] if vehicle.recommendations else "замена тормозных колодок"
        return template.format(
            n=max(1, round(km / 15000)),
            km=f"{km // 1000 * 1000:,}".replace(",", " "),
            last=last,
            rec=rec.lower() if rec[0].isupper() else rec,
        )

    def _service_request(
        self,
        ws_id,
        task_id,
        branch,
        dept_kind,
        vehicle,
        executor,
        finished,
        next_ro,
        result,
    ) -> None:
        r = self.rng.random
        workshop = branch.workshops["Механический"]
        if dept_kind == "body":
            workshop = branch.workshops.get("Кузовной", workshop)
        arrived = None
        if next_ro is not None and 0 <= next_ro[0] - finished // DAY <= 30:
            desired = next_ro[0] * DAY + 510 + 30 * int(r() * 6)
            status, arrived = "arrived", next_ro[1]
            kind = self._order_kind(vehicle, next_ro[1])
        else:
            desired = self._slot(finished // DAY + 1 + int(r() * 10))
            if desired < self.now_T:
                x = r()
                status = "cancelled" if x < 0.45 else "confirmed" if x < 0.8 else "new"
            else:
                status = "new" if r() < 0.5 else "confirmed"
            kind = "maintenance"
        if kind == "maintenance" and vehicle is not None:
            km = vehicle.km_per_day * (desired // DAY - vehicle.sale_day)
            works = vocab.REQUESTED_WORKS["maintenance"].format(n=max(1, round(km / 15000)))
        elif vehicle is not None and vehicle.recommendations and r() < 0.5:
            works = vocab.REQUESTED_WORKS["recommendations"].format(rec=vehicle.recommendations[0])
        else:
            works = vocab.REQUESTED_WORKS.get(kind, vocab.REQUESTED_WORKS["repair"])
        options = self.ref.purchase_options
        self.pending_requests.append(
            (
                self._take_id("requests"),
                ws_id,
                task_id,
                vehicle.id if vehicle else None,
                workshop,
                self.ts(desired),
                works,
                options[int(r() * len(options))] if options else None,
                "" if r() < 0.7 else "Клиент подъедет к открытию",
                status,
                arrived,
                executor,
                self.ts(finished),
            )
        )

    def _order_kind(self, vehicle: VehicleInfo | None, ro_id: int) -> str:
        if vehicle is None:
            return "maintenance"
        return vehicle.ro_kinds[vehicle.ro_ids.index(ro_id)]
