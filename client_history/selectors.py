"""Reads for the client search, the client and vehicle cards and the interaction history.

Every read starts from `clients_visible_to` / `vehicles_visible_to`, the one visibility rule
(`Client.objects.visible_to`, built on `crm_workstation.scoping`). Worksheets and tasks live in higher
apps (imports run `client_history` ← `worksheets` ← `tasks`), so they are reached through
reverse relations or `apps.get_model`, never imported.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Lag
from django.utils import timezone
from django.utils.translation import gettext as _

from client_history.models import (
    Client,
    ClientPhone,
    Recommendation,
    RepairOrder,
    Vehicle,
    search_key,
)
from crm_workstation.identifiers import normalise_plate, normalise_vin, vin_characters
from crm_workstation.phones import normalise_phone, only_digits

# ---------------------------------------------------------------------------------------------
# Scoping


def clients_visible_to(user) -> QuerySet[Client]:
    """Clients the user may see: `ClientQuerySet.visible_to`, the one rule (SPEC §10)."""
    return Client.objects.visible_to(user)


def vehicles_visible_to(user) -> QuerySet[Vehicle]:
    """Vehicles the user may see: `VehicleQuerySet.visible_to` (their owner is visible, or
    the car has a repair order at one of the user's branches)."""
    return Vehicle.objects.visible_to(user)


def owner_visible_to(user) -> Exists:
    """For a vehicle query: whether the user may see the car's owner."""
    return Exists(clients_visible_to(user).filter(pk=OuterRef("owner_id")))


# ---------------------------------------------------------------------------------------------
# Search

_IDENT_SEPARATORS = re.compile(r"[\s\-_.]+")
_VIN_FRAGMENT = re.compile(r"[A-HJ-NPR-Z0-9]+")
_PHONE_CHARS = re.compile(r"^[\d\s+()\-.]+$")

MIN_PHONE_TAIL = 4  # the last digits of a number, as read off a note or a missed call
MIN_PHONE_DIGITS = 5  # a fragment from anywhere in the number
MIN_VIN_TAIL = 6
MIN_PLATE_PREFIX = 4


def _search_condition(query: str) -> Q | None:
    """Everything `query` could be: a name (every word of it), a phone, a plate, a VIN or its
    tail.

    Each reading is a query of client ids that an index can answer; they are combined with
    UNION rather than OR, so the database looks the few matching clients up by primary key
    instead of scanning every client to test the OR.
    """
    name_words = Q()
    name = search_key(query)
    # A name has letters; a query of digits alone is a phone, a VIN tail or a plate's digits,
    # and leaving the name out lets the database use the phone and plate indexes alone.
    if name and any(ch.isalpha() for ch in name):
        # Word by word, in any order: «Алексей Смирнов» finds «Смирнов Алексей Петрович».
        for word in name.split():
            name_words &= Q(name_search__contains=word)
    readings = [ids for ids in (_ids_by_phone(query), _ids_by_vehicle(query)) if ids is not None]
    if not readings:
        return name_words or None
    if name_words:
        readings.insert(0, Client.objects.filter(name_words).values("id"))
    first, *rest = (ids.order_by() for ids in readings)
    return Q(id__in=first.union(*rest) if rest else first)


def _ids_by_phone(query: str) -> QuerySet | None:
    """Ids of clients with this phone, or a number ending in these ≥ 4 digits (`4567`,
    `45-67`), or with a fragment of ≥ 5 of its digits anywhere."""
    phone = normalise_phone(query)
    if phone:
        return ClientPhone.objects.filter(number=phone).values("client_id")
    if not _PHONE_CHARS.match(query):
        return None
    digits = only_digits(query)
    if len(digits) < MIN_PHONE_TAIL:
        return None
    if len(digits) < MIN_PHONE_DIGITS:
        # Four digits match too many numbers anywhere inside them: the end only. A suffix
        # LIKE that the number's trigram index answers on PostgreSQL.
        return ClientPhone.objects.filter(number__endswith=digits).values("client_id")
    # A fragment of a number; one typed with the domestic 8 may be its beginning.
    fragment = Q(number__contains=digits)
    if digits[0] == "8":
        fragment |= Q(number__startswith="+7" + digits[1:])
    return ClientPhone.objects.filter(fragment).values("client_id")


def _ids_by_vehicle(query: str) -> QuerySet | None:
    """Ids of the owners of vehicles with this plate (or its start) or VIN (or its tail)."""
    compact = _IDENT_SEPARATORS.sub("", query)
    # A whole phone number is not also read as a plate or a VIN tail.
    if (
        normalise_phone(query)
        or not compact.isalnum()
        or not any(ch.isdigit() for ch in compact)
        or len(compact) > 17
    ):
        return None
    plate = normalise_plate(compact)
    vehicles = Q(plate=plate)
    if len(plate) >= MIN_PLATE_PREFIX and not plate.isdigit():
        # A plate typed without its region code, or its beginning: a zero typed for an О
        # (and other look-alikes) put right by position, as the stored plates are.
        vehicles |= Q(plate__startswith=normalise_plate(compact, partial=True))
    vin = normalise_vin(compact)
    if vin:
        vehicles |= Q(vin=vin)
    else:
        # `normalise_vin` takes only a whole VIN; a tail is cleaned the same way.
        tail = vin_characters(compact)
        if len(tail) >= MIN_VIN_TAIL and _VIN_FRAGMENT.fullmatch(tail):
            vehicles |= Q(vin__endswith=tail)
    return Vehicle.objects.filter(vehicles, owner__isnull=False).values("owner_id")


def clean_query(raw: str | None) -> str:
    """The search text as typed, without control characters (PostgreSQL refuses NUL) and
    cut to a sane length."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or "")[:200])
    return " ".join(text.split())[:100]


def client_search(*, user, query: str) -> QuerySet[Client]:
    """Clients the user may see matching `query` (name, phone, plate or VIN); none for blank."""
    query = clean_query(query)
    condition = _search_condition(query) if query else None
    if condition is None:
        return Client.objects.none()
    return (
        clients_visible_to(user)
        .filter(condition)
        .select_related("home_branch")
        .prefetch_related(
            Prefetch(
                "phones",
                queryset=ClientPhone.objects.filter(is_primary=True),
                to_attr="primary_phones",
            ),
            Prefetch("vehicles", queryset=Vehicle.objects.order_by("make", "model", "id")),
        )
        .order_by("name", "id")
    )


# ---------------------------------------------------------------------------------------------
# Client card


@dataclass
class FlagChange:
    when: dt.datetime
    who: str
    old: bool | None
    new: bool


def do_not_call_changes(*, client: Client, limit: int = 20) -> list[FlagChange]:
    """Who changed «не звонить» and when, newest first, in one query.

    Each historical record is compared with the one before it (a window function), so only
    the records that flipped the flag come back; a client created with the flag already set
    shows as a change from nothing.
    """
    records = (
        client.history.annotate(
            previous=Window(
                Lag("do_not_call", default=Value(False)),
                order_by=[F("history_date").asc(), F("history_id").asc()],
            ),
        )
        .exclude(previous=F("do_not_call"))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    changes = []
    for record in records:
        user = record.history_user
        changes.append(
            FlagChange(
                when=record.history_date,
                who=(user.get_full_name() or user.username) if user else _("система"),
                old=None if record.history_type == "+" else record.previous,
                new=record.do_not_call,
            )
        )
    return changes


def client_phones(*, client: Client) -> QuerySet[ClientPhone]:
    return client.phones.order_by("-is_primary", "is_invalid", "id")


def client_vehicles(*, client: Client) -> QuerySet[Vehicle]:
    return client.vehicles.order_by("make", "model", "id")


def client_worksheets(*, client: Client, user):
    """The client's worksheets in the user's departments, each marked when one of its tasks
    is overdue (SPEC §4.1: overdue is shown everywhere)."""
    task_model = apps.get_model("tasks", "Task")
    overdue = task_model.objects.filter(
        worksheet=OuterRef("pk"), status__in=task_model.UNFINISHED, planned_at__lt=timezone.now()
    )
    return (
        client.worksheets.visible_to(user)
        .select_related("department__branch", "purpose")
        .annotate(has_overdue_task=Exists(overdue))
        .order_by("-created_at", "-id")
    )


def open_recommendations(*, vehicles: QuerySet[Vehicle]) -> list["RecommendationGroup"]:
    """The open groups of `recommendation_groups`: each piece of advice once, newest first."""
    return [group for group in recommendation_groups(vehicles=vehicles) if group.is_open]


# ---------------------------------------------------------------------------------------------
# Interaction history


def repair_orders_visible_to(user) -> QuerySet[RepairOrder]:
    """Repair orders of the vehicles the user may see: an order opens wherever its car does."""
    return RepairOrder.objects.filter(vehicle__in=vehicles_visible_to(user))


def repair_orders(*, vehicles: QuerySet[Vehicle]) -> QuerySet[RepairOrder]:
    return (
        RepairOrder.objects.filter(vehicle__in=vehicles)
        .select_related("workshop", "branch", "vehicle")
        .order_by("-opened_at", "-id")
    )


def repair_order_lines(*, order: RepairOrder) -> QuerySet:
    return order.lines.order_by("position", "id")


def repair_order_recommendations(*, order: RepairOrder) -> QuerySet[Recommendation]:
    return order.recommendations.select_related("done_in").order_by("id")


_NOT_WORD = re.compile(r"[\W_]+")


def recommendation_key(text: str) -> str:
    """What makes two recommendations the same advice: case, «ё», spacing and punctuation
    aside («Заменить колодки.» on one visit is «заменить  колодки» on the next)."""
    return _NOT_WORD.sub(" ", text.casefold().replace("ё", "е")).strip()


@dataclass
class RecommendationGroup:
    """One piece of advice for one car, with every visit it was given on, newest first."""

    vehicle: Vehicle
    visits: list[Recommendation]

    @property
    def latest(self) -> Recommendation:
        return self.visits[0]

    @property
    def text(self) -> str:
        return self.latest.text

    @property
    def is_open(self) -> bool:
        # Advice repeated on a later visit is as open as that visit left it.
        return not self.latest.is_done

    @property
    def done_in(self) -> RepairOrder | None:
        return self.latest.done_in


def recommendation_groups(*, vehicles: QuerySet[Vehicle]) -> list[RecommendationGroup]:
    """Recommendations of `vehicles` grouped by car and normalised text, in one query: open
    ones first, then done; the group with the newest visit first within each.

    Grouped in Python: SQLite's lower() leaves Cyrillic alone, so the database cannot say
    which texts are the same advice on both backends."""
    rows = (
        Recommendation.objects.filter(vehicle__in=vehicles)
        .select_related("repair_order", "vehicle", "done_in")
        .order_by("-repair_order__opened_at", "-repair_order_id", "-id")
    )
    groups: dict[tuple[int, str], RecommendationGroup] = {}
    for rec in rows:
        key = (rec.vehicle_id, recommendation_key(rec.text))
        if key in groups:
            groups[key].visits.append(rec)
        else:
            groups[key] = RecommendationGroup(vehicle=rec.vehicle, visits=[rec])
    # Stable sort: within open and within done, the newest visit stays first.
    return sorted(groups.values(), key=lambda group: not group.is_open)


LAST_VISIT_PARTS = (
    "lines",
    Prefetch("recommendations", queryset=Recommendation.objects.order_by("id")),
)


def last_visit(
    *, vehicles: QuerySet[Vehicle], latest: RepairOrder | None = None
) -> RepairOrder | None:
    """The latest repair order with its lines and recommendations. `latest`: that order, when
    the caller has already read it (the first row of the orders' first page)."""
    if latest is None:
        return repair_orders(vehicles=vehicles).prefetch_related(*LAST_VISIT_PARTS).first()
    prefetch_related_objects([latest], *LAST_VISIT_PARTS)
    return latest


def tasks_for(*, user, client: Client | None = None, vehicle: Vehicle | None = None):
    """Tasks on the worksheets the user may see: all the client's, or one vehicle's; the
    latest planned first, as the manager reads back from the next call."""
    # tasks is a higher app than client_history: reached by name, not imported.
    task_model = apps.get_model("tasks", "Task")
    tasks = task_model.objects.visible_to(user)
    if vehicle is not None:
        tasks = tasks.filter(vehicle=vehicle)
    else:
        tasks = tasks.filter(worksheet__client=client)
    return tasks.select_related(
        "task_type",
        "executor",
        "interview_result",
        "vehicle",
        "worksheet__department",
    ).order_by("-planned_at", "-id")


def history_worksheet(*, user, worksheet_id: int):
    """The worksheet a history opened from its РЛ- number is filtered to, if the user sees it."""
    worksheet_model = Client._meta.get_field("worksheets").related_model
    return worksheet_model.objects.visible_to(user).filter(pk=worksheet_id).first()


def tasks_filtered(tasks, *, worksheet_id: int | None = None, task_number: str = ""):
    """`tasks` of one worksheet and/or the one task with this human number: the history
    opened from a РЛ- or ЗД- number shows what the number names."""
    if worksheet_id is not None:
        tasks = tasks.filter(worksheet_id=worksheet_id)
    if task_number:
        tasks = tasks.filter(number=task_number)
    return tasks


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass
class VehicleForecast:
    vehicle: Vehicle
    km_per_day: float
    measured: bool  # whether the pace comes from the car's own readings
    yearly_mileage: int | None
    last_maintenance: dt.date | None
    next_maintenance: dt.date | None
    next_by_time: dt.date | None
    next_by_mileage: dt.date | None


@dataclass
class ServiceSummary:
    visits: int = 0
    total_spent: Decimal = Decimal("0")
    first_visit: dt.date | None = None
    last_visit: dt.date | None = None
    average_interval_days: int | None = None
    yearly_mileage: int | None = None
    next_maintenance: dt.date | None = None
    next_maintenance_vehicle: Vehicle | None = None
    next_maintenance_overdue: bool = False
    vehicles: list[VehicleForecast] = field(default_factory=list)


def vehicle_forecast(vehicle: Vehicle) -> VehicleForecast:
    """Pace and next maintenance of one car, read from the annotations of
    `Vehicle.objects.with_maintenance_forecast()`: the database computes the forecast (one
    expression, shared with the «Подошло ТО» selection); this only names its parts."""
    measured = bool(vehicle.forecast_measured)
    pace = vehicle.forecast_km_per_day
    return VehicleForecast(
        vehicle=vehicle,
        km_per_day=pace,
        measured=measured,
        yearly_mileage=round(pace * 365) if measured else None,
        last_maintenance=vehicle.forecast_last_maintenance,
        next_maintenance=vehicle.next_maintenance,
        next_by_time=vehicle.forecast_next_by_time,
        next_by_mileage=vehicle.forecast_next_by_mileage,
    )


def next_maintenance(*, vehicles: QuerySet[Vehicle]) -> dt.date | None:
    """The nearest next maintenance of `vehicles` (the summary's «Следующее ТО»), reading only
    that value of the forecast."""
    dates = vehicles.with_maintenance_forecast().values_list("next_maintenance", flat=True)
    return min((day for day in dates if day is not None), default=None)


def service_summary(*, vehicles: QuerySet[Vehicle]) -> ServiceSummary:
    """Visits, money, dates and forecasts for `vehicles`, in two queries whatever the history."""
    orders = RepairOrder.objects.filter(vehicle__in=vehicles)
    totals = orders.aggregate(
        visits=Count("id"),
        total_spent=Sum("amount"),
        first_visit=Min("opened_at"),
        last_visit=Max("opened_at"),
    )
    summary = ServiceSummary(
        visits=totals["visits"],
        total_spent=totals["total_spent"] or Decimal("0"),
        first_visit=totals["first_visit"],
        last_visit=totals["last_visit"],
    )
    if summary.visits > 1:
        span = (summary.last_visit - summary.first_visit).days
        summary.average_interval_days = round(span / (summary.visits - 1))

    rows = vehicles.with_maintenance_forecast().order_by("make", "model", "id")
    summary.vehicles = [vehicle_forecast(vehicle) for vehicle in rows]

    yearly = [f.yearly_mileage for f in summary.vehicles if f.yearly_mileage is not None]
    if yearly:
        summary.yearly_mileage = round(sum(yearly) / len(yearly))
    upcoming = [f for f in summary.vehicles if f.next_maintenance is not None]
    if upcoming:
        nearest = min(upcoming, key=lambda f: f.next_maintenance)
        summary.next_maintenance = nearest.next_maintenance
        summary.next_maintenance_vehicle = nearest.vehicle
        summary.next_maintenance_overdue = nearest.next_maintenance < timezone.localdate()
    return summary
