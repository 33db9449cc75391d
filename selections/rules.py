"""The rules of automatic selections (SPEC §7.1): each rule's parameters and its query.

A `SelectionKind` stores a rule (code) and its parameters (data). Each rule declares the
parameters it takes here — type, Russian label, meaning, default, bounds or choices — so the
admin form can validate them and explain them, and the rule's query can rely on getting every
parameter, cleaned, with defaults filled in.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from client_history.forecast import AddMonths
from client_history.models import (
    DEFAULT_KM_PER_DAY,
    MAINTENANCE_INTERVAL_KM,
    MAINTENANCE_INTERVAL_MONTHS,
    ClientPhone,
    Recommendation,
    RepairOrder,
    Vehicle,
)
from selections.models import SelectionKind

Rule = SelectionKind.Rule


@dataclass(frozen=True)
class IntParameter:
    """A whole number within [min_value, max_value]."""

    name: str
    verbose_name: str | Promise  # lazy: translated when shown, through `label`
    help: str | Promise
    default: int
    min_value: int
    max_value: int

    def clean(self, value: Any) -> int:
        # bool is an int in Python, but `true` is never a meaningful number of months.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(
                gettext("%(param)s: значение должно быть целым числом, получено %(value)s."),
                code="invalid_type",
                params={"param": self.title, "value": _show(value)},
            )
        if not self.min_value <= value <= self.max_value:
            raise ValidationError(
                gettext(
                    "%(param)s: значение должно быть от %(min)s до %(max)s, получено %(value)s."
                ),
                code="out_of_range",
                params={
                    "param": self.title,
                    "min": self.min_value,
                    "max": self.max_value,
                    "value": value,
                },
            )
        return value

    @property
    def label(self) -> str:
        return str(self.verbose_name)

    @property
    def title(self) -> str:
        return gettext("Параметр «%(name)s» (%(label)s)") % {"name": self.name, "label": self.label}

    def describe_values(self) -> str:
        return gettext("целое число от %(min)s до %(max)s; по умолчанию %(default)s") % {
            "min": self.min_value,
            "max": self.max_value,
            "default": self.default,
        }

    def default_value(self) -> int:
        return self.default


@dataclass(frozen=True)
class OrderKindsParameter:
    """A non-empty list of repair-order kinds (`RepairOrder.Kind` values)."""

    name: str
    verbose_name: str | Promise
    help: str | Promise
    default: tuple[str, ...] = field(default_factory=lambda: tuple(RepairOrder.Kind.values))

    def clean(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(
                gettext(
                    "%(param)s: значение должно быть списком видов заказ-нарядов, "
                    'например ["maintenance"], получено %(value)s.'
                ),
                code="invalid_type",
                params={"param": self.title, "value": _show(value)},
            )
        if not value:
            raise ValidationError(
                gettext("%(param)s: укажите хотя бы один вид заказ-наряда."),
                code="empty",
                params={"param": self.title},
            )
        unknown = [v for v in value if v not in RepairOrder.Kind.values]
        if unknown:
            raise ValidationError(
                gettext(
                    "%(param)s: неизвестный вид заказ-наряда %(unknown)s; допустимы: %(allowed)s."
                ),
                code="unknown_order_kind",
                params={
                    "param": self.title,
                    "unknown": ", ".join(f"«{v}»" for v in unknown),
                    "allowed": _order_kinds_text(),
                },
            )
        return list(dict.fromkeys(value))

    @property
    def label(self) -> str:
        return str(self.verbose_name)

    @property
    def title(self) -> str:
        return gettext("Параметр «%(name)s» (%(label)s)") % {"name": self.name, "label": self.label}

    def describe_values(self) -> str:
        if list(self.default) == RepairOrder.Kind.values:
            default = gettext("все виды")
        else:
            default = "[" + ", ".join(f'"{v}"' for v in self.default) + "]"
        return gettext("список из %(kinds)s; по умолчанию %(default)s") % {
            "kinds": _order_kinds_text(),
            "default": default,
        }

    def default_value(self) -> list[str]:
        return list(self.default)


Parameter = IntParameter | OrderKindsParameter


@dataclass(frozen=True)
class RuleSpec:
    """What a rule finds and the parameters it takes."""

    rule: Rule
    description: str | Promise
    parameters: tuple[Parameter, ...] = ()

    @property
    def label(self) -> str:
        return str(self.rule.label)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default_value() for p in self.parameters}


def _order_kinds_text() -> str:
    return ", ".join(f"{value} ({label})" for value, label in RepairOrder.Kind.choices)


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"«{value}»"
    return text if len(text) <= 60 else text[:57] + "…"


def _order_kinds(help_text: str, default: tuple[str, ...] | None = None) -> OrderKindsParameter:
    if default is None:
        return OrderKindsParameter("order_kinds", _("виды заказ-нарядов"), help_text)
    return OrderKindsParameter("order_kinds", _("виды заказ-нарядов"), help_text, default)


_MIN_VISITS = IntParameter(
    "min_visits",
    _("минимум визитов"),
    _("Сколько визитов должно быть у автомобиля, чтобы клиент считался потерянным."),
    default=1,
    min_value=1,
    max_value=100,
)

RULES: dict[str, RuleSpec] = {
    spec.rule: spec
    for spec in (
        RuleSpec(
            Rule.MAINTENANCE_DUE,
            _(
                "Следующее ТО автомобиля приходится на период: более ранняя из дат — последнее ТО + "
                "интервал в месяцах, и день, когда расчётный пробег достигнет пробега последнего "
                "ТО + интервал в км."
            ),
            (
                IntParameter(
                    "interval_months",
                    _("интервал ТО, месяцев"),
                    _("Через сколько месяцев после последнего ТО подходит следующее."),
                    default=MAINTENANCE_INTERVAL_MONTHS,
                    min_value=1,
                    max_value=60,
                ),
                IntParameter(
                    "interval_km",
                    _("интервал ТО, км"),
                    _("Через сколько километров после пробега последнего ТО подходит следующее."),
                    default=MAINTENANCE_INTERVAL_KM,
                    min_value=1000,
                    max_value=100000,
                ),
                IntParameter(
                    "default_km_per_day",
                    _("пробег в день по умолчанию, км"),
                    _(
                        "Средний пробег в день для автомобиля, у которого нет своей истории пробега."
                    ),
                    default=DEFAULT_KM_PER_DAY,
                    min_value=1,
                    max_value=500,
                ),
                _order_kinds(
                    _("Какие виды заказ-нарядов считаются прохождением ТО."),
                    default=(RepairOrder.Kind.MAINTENANCE.value,),
                ),
            ),
        ),
        RuleSpec(
            Rule.LOST_CLIENTS,
            _(
                "Последний визит автомобиля в структурную единицу приходится на период, "
                "и после него визитов не было."
            ),
            (_order_kinds(_("Какие виды заказ-нарядов считаются визитом.")), _MIN_VISITS),
        ),
        RuleSpec(
            Rule.LOST_CLIENTS_BY_WORKSHOP,
            _("Как «Потерянные клиенты», но учитываются только визиты в выбранный цех."),
            (_order_kinds(_("Какие виды заказ-нарядов считаются визитом.")), _MIN_VISITS),
        ),
        RuleSpec(
            Rule.OPEN_RECOMMENDATIONS,
            _("В заказ-наряде, закрытом в период, есть рекомендации, не выполненные с тех пор."),
        ),
        RuleSpec(
            Rule.POST_VISIT,
            _("Заказ-наряд закрыт в период (один лид на заказ-наряд)."),
            (_order_kinds(_("После каких видов заказ-нарядов звонить.")),),
        ),
        RuleSpec(
            Rule.WARRANTY_END,
            _("Дата продажи + срок гарантии приходится на период."),
            (
                IntParameter(
                    "warranty_years",
                    _("срок гарантии, лет"),
                    _("Сколько лет после продажи действует гарантия."),
                    default=3,
                    min_value=1,
                    max_value=10,
                ),
            ),
        ),
    )
}


def rule_spec(rule: str) -> RuleSpec:
    """The spec of `rule`; ValidationError for a rule the code does not know."""
    try:
        return RULES[rule]
    except KeyError:
        raise ValidationError(
            gettext("Неизвестное правило выборки %(rule)s."),
            code="unknown_rule",
            params={"rule": _show(rule)},
        ) from None


def validate_parameters(rule: str, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Clean `data` against the parameters of `rule` and fill in the defaults.

    Raises ValidationError listing every problem, each message naming its parameter:
    an unknown key, a value of the wrong type, a number out of range, an unknown order kind.
    """
    spec = rule_spec(rule)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationError(
            gettext(
                'Параметры правила должны быть объектом JSON вида {"имя": значение}, '
                "получено %(value)s."
            ),
            code="not_an_object",
            params={"value": _show(data)},
        )
    known = {p.name: p for p in spec.parameters}
    errors: list[ValidationError] = []
    for key in data:
        if key not in known:
            allowed = ", ".join(f"«{name}»" for name in known) or gettext("параметров нет")
            errors.append(
                ValidationError(
                    gettext(
                        "Неизвестный параметр %(key)s для правила «%(rule)s»; допустимы: %(allowed)s."
                    ),
                    code="unknown_parameter",
                    params={"key": _show(key), "rule": spec.label, "allowed": allowed},
                )
            )
    cleaned: dict[str, Any] = {}
    for name, parameter in known.items():
        if name not in data:
            cleaned[name] = parameter.default_value()
            continue
        try:
            cleaned[name] = parameter.clean(data[name])
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return cleaned


# ---------------------------------------------------------------------------------------------
# The rules' queries


@dataclass(frozen=True)
class SelectionScope:
    """Where and when a selection looks: the branch (or one of its workshops) and the period."""

    branch_id: int
    period_from: dt.date
    period_to: dt.date
    workshop_id: int | None = None


# The columns every rule's query returns, one row per lead.
LEAD_COLUMNS = ("client_id", "vehicle_id", "repair_order_id", "last_visit", "due_date", "mileage")


def _orders_at(scope: SelectionScope, *, by_workshop: bool = False):
    orders = RepairOrder.objects.filter(branch_id=scope.branch_id)
    if by_workshop:
        orders = orders.filter(workshop_id=scope.workshop_id)
    return orders


def _common_filters(kind: SelectionKind, scope: SelectionScope, *, vehicle: str, client: str) -> Q:
    """The kind's common filters, for a query whose vehicle and client are at these paths
    (`vehicle` empty: the query is of vehicles)."""
    v = f"{vehicle}__" if vehicle else ""
    condition = Q(**{f"{client}__isnull": False})
    makes = kind.make_list
    if makes:
        any_make = Q()
        for make in makes:
            any_make |= Q(**{f"{v}make__iexact": make})
        condition &= any_make
    # Age in whole years at the start of the period, by the model year (else the sale's).
    if kind.vehicle_age_min is not None:
        newest = scope.period_from.year - kind.vehicle_age_min
        condition &= Q(**{f"{v}year__lte": newest}) | Q(
            **{f"{v}year__isnull": True, f"{v}sale_date__year__lte": newest}
        )
    if kind.vehicle_age_max is not None:
        oldest = scope.period_from.year - kind.vehicle_age_max
        condition &= Q(**{f"{v}year__gte": oldest}) | Q(
            **{f"{v}year__isnull": True, f"{v}sale_date__year__gte": oldest}
        )
    if kind.exclude_do_not_call:
        condition &= Q(**{f"{client}__do_not_call": False})
    if kind.exclude_without_valid_phone:
        condition &= Exists(
            ClientPhone.objects.filter(client=OuterRef(client), is_invalid=False).exclude(number="")
        )
    return condition


def _served_vehicles(scope: SelectionScope):
    """Vehicles of the branch: owned by its clients, or served there. The owner's branch is
    tested first: PostgreSQL evaluates an OR's arms in order, so the per-car subquery runs
    only for the cars of other branches' clients."""
    served = Exists(_orders_at(scope).filter(vehicle=OuterRef("pk")))
    return Vehicle.objects.filter(Q(owner__home_branch_id=scope.branch_id) | served)


class _DateWithin(Func):
    """`first <= date <= last`, the date evaluated once on PostgreSQL: a BETWEEN is two
    comparisons that each compute it, and the forecast is a chain of subqueries per car (seed M:
    90,000 cars of a branch, a quarter of the rule's time)."""

    output_field = BooleanField()
    arity = 3

    def as_sql(self, compiler, connection, **extra_context):
        date, first, last = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({date[0]} BETWEEN {first[0]} AND {last[0]})", [*date[1], *first[1], *last[1]]

    def as_postgresql(self, compiler, connection, **extra_context):
        date, first, last = (compiler.compile(e) for e in self.get_source_expressions())
        return (
            f"(daterange({first[0]}, {last[0]}, '[]') @> {date[0]})",
            [*first[1], *last[1], *date[1]],
        )


def _maintenance_due(kind: SelectionKind, params: dict, scope: SelectionScope):
    """Next maintenance (the history's own forecast) falls in the period."""
    return (
        _served_vehicles(scope)
        .filter(_common_filters(kind, scope, vehicle="", client="owner"))
        .with_maintenance_forecast(
            interval_months=params["interval_months"],
            interval_km=params["interval_km"],
            default_km_per_day=params["default_km_per_day"],
            order_kinds=params["order_kinds"],
        )
        .filter(
            _DateWithin(
                F("next_maintenance"),
                Value(scope.period_from, output_field=DateField()),
                Value(scope.period_to, output_field=DateField()),
            )
        )
        .annotate(
            client_id=F("owner_id"),
            vehicle_id=F("pk"),
            repair_order_id=Subquery(
                RepairOrder.objects.filter(vehicle=OuterRef("pk"), kind__in=params["order_kinds"])
                .order_by("-opened_at", "-id")
                .values("id")[:1]
            ),
            last_visit=F("forecast_order_last_date"),
            due_date=F("next_maintenance"),
            mileage=F("forecast_last_km"),
        )
        .order_by("next_maintenance", "id")
    )


def _lost_clients(kind: SelectionKind, params: dict, scope: SelectionScope, by_workshop=False):
    """The last visit (of the counted kinds, to the branch or workshop) falls in the period.

    Found from the orders, not from every car: the cars with a visit in the period (an index
    range of the branch's or workshop's orders by date) and none after it; the per-car
    subqueries then run for those cars only. Such a car was served there, so it needs no
    other test of belonging to the branch."""
    visits = _orders_at(scope, by_workshop=by_workshop).filter(kind__in=params["order_kinds"])
    in_period = visits.filter(opened_at__range=(scope.period_from, scope.period_to))
    of_car = visits.filter(vehicle=OuterRef("pk"))
    last = of_car.order_by("-opened_at", "-id")
    cars = Vehicle.objects.filter(pk__in=in_period.values("vehicle_id")).filter(
        ~Exists(of_car.filter(opened_at__gt=scope.period_to))
    )
    if params["min_visits"] > 1:
        # COUNT as a plain function, not an aggregate: no GROUP BY, which made SQLite walk
        # the branch's orders for every car instead of the car's own (seed M: minutes).
        cars = cars.annotate(
            visits=Subquery(
                of_car.order_by().annotate(n=Func("id", function="COUNT")).values("n"),
                output_field=IntegerField(),
            )
        ).filter(visits__gte=params["min_visits"])
    return (
        cars.filter(_common_filters(kind, scope, vehicle="", client="owner"))
        .annotate(
            last_visit=Subquery(last.values("opened_at")[:1]),
            client_id=F("owner_id"),
            vehicle_id=F("pk"),
            repair_order_id=Subquery(last.values("id")[:1]),
            due_date=Value(None, output_field=DateField()),
            mileage=Subquery(last.values("mileage")[:1]),
        )
        .order_by("last_visit", "id")
    )


def _open_recommendations(kind: SelectionKind, params: dict, scope: SelectionScope):
    """An order closed in the period left recommendations not done since; the car's latest
    such order makes its one lead."""
    open_advice = Recommendation.objects.filter(repair_order=OuterRef("pk"), is_done=False)
    in_period = _orders_at(scope).filter(
        Exists(open_advice), closed_at__range=(scope.period_from, scope.period_to)
    )
    later = in_period.filter(vehicle=OuterRef("vehicle")).filter(
        Q(closed_at__gt=OuterRef("closed_at"))
        | Q(closed_at=OuterRef("closed_at"), id__gt=OuterRef("id"))
    )
    return (
        in_period.filter(_common_filters(kind, scope, vehicle="vehicle", client="client"))
        .filter(~Exists(later))
        .annotate(
            repair_order_id=F("pk"),
            last_visit=F("opened_at"),
            due_date=F("closed_at"),
        )
        .order_by("closed_at", "id")
    )


def _post_visit(kind: SelectionKind, params: dict, scope: SelectionScope):
    """An order (of the chosen kinds) closed in the period: one lead per order."""
    return (
        _orders_at(scope)
        .filter(
            closed_at__range=(scope.period_from, scope.period_to),
            kind__in=params["order_kinds"],
        )
        .filter(_common_filters(kind, scope, vehicle="vehicle", client="client"))
        .annotate(repair_order_id=F("pk"), last_visit=F("opened_at"), due_date=F("closed_at"))
        .order_by("closed_at", "id")
    )


def _warranty_end(kind: SelectionKind, params: dict, scope: SelectionScope):
    """Sale date + warranty years falls in the period."""
    return (
        _served_vehicles(scope)
        .filter(sale_date__isnull=False)
        .filter(_common_filters(kind, scope, vehicle="", client="owner"))
        .annotate(warranty_end=AddMonths(F("sale_date"), Value(12 * params["warranty_years"])))
        .filter(warranty_end__range=(scope.period_from, scope.period_to))
        .annotate(
            client_id=F("owner_id"),
            vehicle_id=F("pk"),
            repair_order_id=Value(None, output_field=IntegerField()),
            last_visit=Subquery(
                RepairOrder.objects.filter(vehicle=OuterRef("pk"))
                .order_by("-opened_at", "-id")
                .values("opened_at")[:1]
            ),
            due_date=F("warranty_end"),
            mileage=F("last_mileage"),
        )
        .order_by("warranty_end", "id")
    )


_QUERIES = {
    Rule.MAINTENANCE_DUE: _maintenance_due,
    Rule.LOST_CLIENTS: _lost_clients,
    Rule.LOST_CLIENTS_BY_WORKSHOP: lambda kind, params, scope: _lost_clients(
        kind, params, scope, by_workshop=True
    ),
    Rule.OPEN_RECOMMENDATIONS: _open_recommendations,
    Rule.POST_VISIT: _post_visit,
    Rule.WARRANTY_END: _warranty_end,
}


def rule_leads(kind: SelectionKind, scope: SelectionScope) -> list[dict]:
    """The leads of `kind` over `scope`: one query, read now, rows of `LEAD_COLUMNS`.

    The kind's stored parameters are cleaned again (defaults filled in for any added since it
    was saved). A by-workshop kind needs `scope.workshop_id`.
    """
    if kind.by_workshop and scope.workshop_id is None:
        raise ValueError("a by-workshop selection needs a workshop")
    params = validate_parameters(kind.rule, kind.parameters)
    rows = _QUERIES[kind.rule](kind, params, scope).values(*LEAD_COLUMNS)
    return list(rows)


# ---------------------------------------------------------------------------------------------
# Periods


def month_bounds(today: dt.date, offset: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the month `offset` months from `today`'s."""
    index = today.year * 12 + today.month - 1 + offset
    first = dt.date(index // 12, index % 12 + 1, 1)
    following = dt.date((index + 1) // 12, (index + 1) % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def default_period(rule: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period a kind runs for when nobody chooses one (the nightly `run_selections`):

    - maintenance due, warranty end: next month — time to invite before the date comes;
    - lost clients (also by workshop): the month a year ago — cars last seen twelve months back;
    - open recommendations: last month — advice given recently is still fresh;
    - post-visit call: yesterday — the call is made the day after the visit.
    """
    if rule in (Rule.MAINTENANCE_DUE, Rule.WARRANTY_END):
        return month_bounds(today, 1)
    if rule in (Rule.LOST_CLIENTS, Rule.LOST_CLIENTS_BY_WORKSHOP):
        return month_bounds(today, -12)
    if rule == Rule.OPEN_RECOMMENDATIONS:
        return month_bounds(today, -1)
    yesterday = today - dt.timedelta(days=1)
    return yesterday, yesterday
