"""The maintenance forecast in SQL, the same on SQLite and PostgreSQL.

The history's service summary and the «Подошло ТО» selection both read it from
`Vehicle.objects.with_maintenance_forecast(...)`, so the date a card shows and the date a
selection picks a car by are one computation and cannot disagree.

The forecast is a chain of named steps (the last reading, the pace, the start of the count…),
each built on the ones before. SQL has no names for values within a row, so a single expression
would repeat every step wherever a later one refers to it (tens of kilobytes of SQL that take
Django tens of milliseconds to compile and PostgreSQL as long to plan). Here each step is a
column of a derived table and the next step selects from it, so every step is written once.
Each value the queryset exposes is a scalar subquery over that chain (`ForecastValue`), whose
SQL is built once per database and set of parameters and then only has the car's columns and
its order aggregates put in. The car's orders are read once, by aggregates of the outer query
grouped by vehicle (on SQLite, which does not take an outer aggregate inside a subquery of
HAVING, by the chain's innermost table); on PostgreSQL each derived table ends with OFFSET 0,
so that the planner keeps the steps apart instead of inlining them into each other again.

Date arithmetic differs between the two databases (PostgreSQL adds integers and intervals to
dates; SQLite has `date()` with modifiers and `julianday()`), so the date operations the
forecast needs have a form for each (`_Dialect`).
"""

import functools
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    BooleanField,
    DateField,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    Value,
)
from django.db.models.functions import Coalesce


@dataclass(frozen=True)
class _Dialect:
    """The forecast's date and number operations in one database's SQL."""

    postgresql: bool

    def day_number(self, day: str) -> str:
        """Days since 01.01.1970: a date as a whole number."""
        if self.postgresql:
            return f"({day} - DATE '1970-01-01')"
        return f"CAST(julianday({day}) - 2440587.5 AS INTEGER)"

    def add_days(self, day: str, days: str) -> str:
        """A date plus a whole number of days (negative goes back)."""
        if self.postgresql:
            return f"({day} + CAST({days} AS integer))"
        return f"date({day}, CAST({days} AS TEXT) || ' days')"

    def epoch_plus(self, days: str) -> str:
        return self.add_days("DATE '1970-01-01'" if self.postgresql else "'1970-01-01'", days)

    def days_between(self, later: str, earlier: str) -> str:
        """Whole days from `earlier` to `later`."""
        if self.postgresql:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def add_months(self, day: str, months: str) -> str:
        """A date plus whole months, kept within the target month: 29.02.2024 + 12 →
        28.02.2025 (what PostgreSQL's interval arithmetic does; SQLite's `+N months` would
        roll over)."""
        if self.postgresql:
            return f"CAST({day} + make_interval(months => CAST({months} AS integer)) AS date)"
        first = f"date({day}, 'start of month', '+' || CAST({months} AS TEXT) || ' months')"
        # The same day of the target month, or its last day when the month is shorter.
        return (
            f"min(date({first}, '+' || (CAST(strftime('%%d', {day}) AS INTEGER) - 1) || ' days'), "
            f"date({first}, '+1 month', '-1 day'))"
        )

    def earlier(self, first: str, second: str) -> str:
        """The earlier of two dates; the first when the second is unknown (an unknown first
        makes both unknown: a car with no maintenance start has no forecast at all)."""
        if self.postgresql:
            return f"LEAST({first}, {second})"
        return f"min({first}, COALESCE({second}, {first}))"

    def packed(self, day: str, km: str) -> str:
        """A reading (date, km) packed into one number, date first (`KM_SLOTS`)."""
        return f"CAST({self.day_number(day)} AS bigint) * {KM_SLOTS} + {km}"

    def real(self, value: str) -> str:
        return f"CAST({value} AS {'double precision' if self.postgresql else 'REAL'})"

    @property
    def fence(self) -> str:
        """Ends a derived table so that PostgreSQL plans it on its own rather than pulling it
        up into the next step, which would inline each step into every later use again."""
        return " OFFSET 0" if self.postgresql else ""

    def boolean(self, condition: str) -> str:
        yes, no = ("true", "false") if self.postgresql else ("1", "0")
        return f"CASE WHEN {condition} THEN {yes} ELSE {no} END"


class AddMonths(Func):
    """A date plus whole months, kept within the target month (`_Dialect.add_months`)."""

    arity = 2
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        (day, day_params), (months, months_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        return _Dialect(postgresql=True).add_months(day, months), [*day_params, *months_params]

    def as_sqlite(self, compiler, connection, **extra_context):
        (day, day_params), (months, months_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        # The SQLite form names the date three times and the months twice, in this order.
        params = [*day_params, *months_params, *day_params, *day_params, *months_params]
        return _Dialect(postgresql=False).add_months(day, months), params


# A reading (date, km) packed into one number, date first: the smallest is the first reading and
# the largest the last, so one MIN or MAX over the car's orders finds it with its mileage.
KM_SLOTS = 10**8


class Packed(Func):
    """A reading (date, km) packed into one number (`_Dialect.packed`)."""

    arity = 2
    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        (day, day_params), (km, km_params) = (compiler.compile(e) for e in self.source_expressions)
        dialect = _Dialect(postgresql=connection.vendor == "postgresql")
        return dialect.packed(day, km), [*day_params, *km_params]


def _aggregates(order_kinds: list[str]) -> dict:
    """The car's first and last reading and its latest maintenance with its mileage (+1, so
    that 0 says "no mileage"), one pass over its orders (the query groups by vehicle)."""
    with_mileage = Q(repair_orders__mileage__isnull=False)
    day = F("repair_orders__opened_at")
    return {
        "forecast_first_packed": Min(Packed(day, F("repair_orders__mileage")), filter=with_mileage),
        "forecast_last_packed": Max(Packed(day, F("repair_orders__mileage")), filter=with_mileage),
        "forecast_maintenance_packed": Max(
            Packed(day, Coalesce(F("repair_orders__mileage") + 1, Value(0))),
            filter=Q(repair_orders__kind__in=order_kinds),
        ),
    }


# The car's own columns the forecast reads, as placeholders in the chain's SQL.
CAR_COLUMNS = {
    "pk": "{car_id}",
    "sale_date": "{sale_date}",
    "last_mileage": "{card_km}",
    "last_mileage_date": "{card_date}",
}
# The aggregates over its orders (`_aggregates`), which PostgreSQL's chain reads.
AGGREGATE_COLUMNS = {
    "forecast_first_packed": "{first_packed}",
    "forecast_last_packed": "{last_packed}",
    "forecast_maintenance_packed": "{maintenance_packed}",
}


@functools.cache
def _forecast_chain(
    postgresql: bool,
    orders_table: str,
    interval_months: int,
    interval_km: int,
    default_km_per_day: int,
    kind_count: int,
) -> str:
    """The forecast as nested derived tables, each step a column selected from the step
    before; the car's columns are placeholders and the counted order kinds `%s` parameters.

    Next maintenance is the earlier of the last maintenance + `interval_months`, and the day
    the estimated mileage reaches the last maintenance mileage + `interval_km` at the car's own
    pace (its first and last known readings; `default_km_per_day` without two of them). A car
    with no maintenance counts from its sale at 0 km. The last reading is the later of the
    card's own (`last_mileage`) and the last repair order's.
    """
    d = _Dialect(postgresql=postgresql)
    k = KM_SLOTS

    def packed(km: str) -> str:
        return d.packed("o.opened_at", km)

    def unpacked_km(column: str) -> str:
        return f"({column} - {column} / {k} * {k})"

    if postgresql:
        # 0. The car's orders, read once by the outer query's aggregates (`_aggregates`).
        orders = (
            "SELECT {first_packed} AS first_packed, {last_packed} AS last_packed, "
            "{maintenance_packed} AS maintenance_packed"
        )
    else:
        # 0. The same aggregates over the car's orders, read here: SQLite does not take an
        #    outer query's aggregate inside a subquery of its HAVING (a filter on the forecast).
        counted = f"o.kind IN ({', '.join(['%s'] * kind_count)})" if kind_count else "1 = 0"
        orders = (
            "SELECT "
            f"MIN(CASE WHEN o.mileage IS NOT NULL THEN {packed('o.mileage')} END) "
            "AS first_packed, "
            f"MAX(CASE WHEN o.mileage IS NOT NULL THEN {packed('o.mileage')} END) "
            "AS last_packed, "
            f"MAX(CASE WHEN {counted} THEN {packed('COALESCE(o.mileage + 1, 0)')} END) "
            "AS maintenance_packed "
            f"FROM {orders_table} o WHERE o.vehicle_id = {{car_id}}"
        )
    # 1. The readings unpacked, beside the car's own columns.
    readings = (
        "SELECT "
        f"{unpacked_km('first_packed')} AS order_first_km, "
        f"{d.epoch_plus(f'first_packed / {k}')} AS order_first_date, "
        f"{unpacked_km('last_packed')} AS order_last_km, "
        f"{d.epoch_plus(f'last_packed / {k}')} AS order_last_date, "
        f"{d.epoch_plus(f'maintenance_packed / {k}')} AS maintenance_date, "
        f"NULLIF({unpacked_km('maintenance_packed')}, 0) - 1 AS maintenance_km, "
        "{card_km} AS card_km, {card_date} AS card_date, {sale_date} AS sale_date "
        f"FROM ({orders}{d.fence}) AS s0"
    )
    # 2. The last reading: the card's when it is as new as the last order's, or newer.
    card_is_later = (
        "card_km IS NOT NULL AND card_date IS NOT NULL "
        "AND (order_last_date IS NULL OR card_date >= order_last_date)"
    )
    last = (
        "SELECT s1.*, "
        f"CASE WHEN {card_is_later} THEN card_km ELSE order_last_km END AS last_km, "
        f"CASE WHEN {card_is_later} THEN card_date ELSE order_last_date END AS last_date "
        f"FROM ({readings}{d.fence}) AS s1"
    )
    # 3. With no order reading, the first reading is the last one (no pace of its own); no
    #    maintenance yet: the sale is the start, at 0 km.
    first = (
        "SELECT s2.*, "
        "CASE WHEN order_first_date IS NULL THEN last_km ELSE order_first_km END AS first_km, "
        "CASE WHEN order_first_date IS NULL THEN last_date ELSE order_first_date END "
        "AS first_date, "
        "COALESCE(maintenance_date, sale_date) AS last_maintenance, "
        "CASE WHEN maintenance_date IS NULL AND sale_date IS NOT NULL THEN 0 "
        "ELSE maintenance_km END AS start_km "
        f"FROM ({last}{d.fence}) AS s2"
    )
    # 4. The pace's terms; counted from the last reading, or from the maintenance itself when
    #    there is none.
    has_reading = "last_km IS NOT NULL AND last_date IS NOT NULL"
    terms = (
        "SELECT s3.*, "
        f"{d.boolean('last_date > first_date AND last_km > first_km')} AS measured, "
        f"{d.days_between('last_date', 'first_date')} AS span_days, "
        "last_km - first_km AS span_km, "
        f"CASE WHEN {has_reading} THEN last_km ELSE start_km END AS from_km, "
        f"CASE WHEN {has_reading} THEN last_date ELSE last_maintenance END AS from_day "
        f"FROM ({first}{d.fence}) AS s3"
    )
    # 5. The pace and both dates. Days = remaining / (span_km / span_days), as remaining ×
    #    span_days / span_km: an exact whole quotient stays whole in floating point, so the
    #    ceiling is never a day too late.
    default = d.real(str(int(default_km_per_day)))
    remaining = f"(start_km + {int(interval_km)} - from_km)"
    days_needed = (
        f"CASE WHEN measured THEN CEILING({d.real(f'{remaining} * span_days')} / span_km) "
        f"ELSE CEILING({d.real(remaining)} / {default}) END"
    )
    dates = (
        "SELECT s4.*, "
        f"CASE WHEN measured THEN {d.real('span_km')} / span_days ELSE {default} END "
        "AS km_per_day, "
        f"{d.add_months('last_maintenance', str(int(interval_months)))} AS next_by_time, "
        "CASE WHEN last_maintenance IS NOT NULL AND start_km IS NOT NULL "
        f"THEN {d.add_days('from_day', days_needed)} ELSE NULL END AS next_by_mileage "
        f"FROM ({terms}{d.fence}) AS s4"
    )
    return (
        f"SELECT s5.*, {d.earlier('next_by_time', 'next_by_mileage')} AS next_maintenance "
        f"FROM ({dates}{d.fence}) AS s5"
    )


# What `with_maintenance_forecast` annotates: {annotation: (the chain's column, its type)}.
FORECAST_VALUES = {
    "next_maintenance": ("next_maintenance", DateField),
    "forecast_measured": ("measured", BooleanField),
    "forecast_km_per_day": ("km_per_day", FloatField),
    "forecast_last_maintenance": ("last_maintenance", DateField),
    "forecast_next_by_time": ("next_by_time", DateField),
    "forecast_next_by_mileage": ("next_by_mileage", DateField),
    "forecast_last_km": ("last_km", IntegerField),
    "forecast_order_last_date": ("order_last_date", DateField),
}


class ForecastValue(Expression):
    """One value of the forecast of the query's car: a scalar subquery over the forecast's
    chain (`_forecast_chain`) selecting one of its columns, fed the car's columns and the
    aggregates over its orders (a filter on it is a HAVING: the query groups by vehicle)."""

    def __init__(self, column: str, output_field, *, parameters: tuple, order_kinds: tuple):
        super().__init__(output_field=output_field)
        self.column = column
        self.parameters = parameters
        self.order_kinds = order_kinds
        self.inputs = [F(name) for name in (*CAR_COLUMNS, *AGGREGATE_COLUMNS)]

    def get_source_expressions(self):
        return self.inputs

    def set_source_expressions(self, exprs):
        self.inputs = list(exprs)

    def as_sql(self, compiler, connection):
        from client_history.models import RepairOrder

        postgresql = connection.vendor == "postgresql"
        chain = _forecast_chain(
            postgresql,
            connection.ops.quote_name(RepairOrder._meta.db_table),
            *self.parameters,
            len(self.order_kinds),
        )
        placeholders = [*CAR_COLUMNS.values(), *AGGREGATE_COLUMNS.values()]
        # The inputs go into the text in the order of their placeholders, and so their
        # parameters (the car's columns have none; SQLite's chain has the order kinds).
        compiled = {}
        for placeholder, expression in zip(placeholders, self.inputs, strict=True):
            if placeholder in chain:
                compiled[placeholder] = compiler.compile(expression)
        sql, params, rest = [], [], chain
        while compiled:
            position, placeholder = min((rest.index(p), p) for p in compiled)
            text, text_params = compiled.pop(placeholder)
            if placeholder in rest[position + len(placeholder) :]:
                raise ValueError(f"{placeholder} appears twice in the forecast's SQL")
            before = rest[:position]
            sql += [before, text]
            params += [*self._kind_params(before), *text_params]
            rest = rest[position + len(placeholder) :]
        sql.append(rest)
        params += self._kind_params(rest)
        return f"(SELECT {self.column} FROM ({''.join(sql)}) AS forecast)", params

    def _kind_params(self, text: str) -> list:
        """The order kinds, for the `%s` of SQLite's own scan of the orders in `text`."""
        return list(self.order_kinds) if "%s" in text else []


def maintenance_forecast_annotations(
    *,
    interval_months: int,
    interval_km: int,
    default_km_per_day: int,
    order_kinds: list[str],
) -> list[dict]:
    """The annotations of the forecast (`FORECAST_VALUES`): `next_maintenance` and its parts,
    all prefixed `forecast_` — the last reading's km, the last order's date,
    `forecast_measured` (the pace is the car's own), `forecast_km_per_day`,
    `forecast_last_maintenance`, `forecast_next_by_time`, `forecast_next_by_mileage`.

    Returned as steps to annotate in order: the aggregates over the car's orders
    (`forecast_*_packed`), then the values, each read from them.
    """
    parameters = (int(interval_months), int(interval_km), int(default_km_per_day))
    kinds = tuple(order_kinds)
    return [
        _aggregates(list(kinds)),
        {
            name: ForecastValue(column, field(), parameters=parameters, order_kinds=kinds)
            for name, (column, field) in FORECAST_VALUES.items()
        },
    ]
