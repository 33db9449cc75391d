"""The maintenance forecast as one SQL expression, the same on SQLite and PostgreSQL.

The history's service summary and the «Подошло ТО» selection both read it from
`Vehicle.objects.with_maintenance_forecast(...)`, so the date a card shows and the date a
selection picks a car by are one computation and cannot disagree.

Date arithmetic differs between the two databases (PostgreSQL adds integers and intervals to
dates; SQLite has `date()` with modifiers and `julianday()`), so the three date operations the
forecast needs are small expressions with a form for each.
"""

import datetime as dt

from django.db.models import (
    BigIntegerField,
    Case,
    DateField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Ceil, Coalesce, NullIf


class DaysBetween(Func):
    """Whole days from the second date to the first (`later - earlier`)."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
        )


class AddDays(Func):
    """A date plus a whole number of days (negative goes back)."""

    arity = 2
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        day, days = (compiler.compile(e) for e in self.source_expressions)
        return f"({day[0]} + CAST({days[0]} AS integer))", [*day[1], *days[1]]

    def as_sqlite(self, compiler, connection, **extra_context):
        day, days = (compiler.compile(e) for e in self.source_expressions)
        return f"date({day[0]}, CAST({days[0]} AS TEXT) || ' days')", [*day[1], *days[1]]


class AddMonths(Func):
    """A date plus whole months, kept within the target month: 29.02.2024 + 12 → 28.02.2025
    (what PostgreSQL's interval arithmetic does; SQLite's `+N months` would roll over)."""

    arity = 2
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        day, months = (compiler.compile(e) for e in self.source_expressions)
        sql = f"CAST({day[0]} + make_interval(months => CAST({months[0]} AS integer)) AS date)"
        return sql, [*day[1], *months[1]]

    def as_sqlite(self, compiler, connection, **extra_context):
        (day, day_params), (months, months_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        first = f"date({day}, 'start of month', '+' || CAST({months} AS TEXT) || ' months')"
        first_params = [*day_params, *months_params]
        # The same day of the target month, or its last day when the month is shorter.
        sql = (
            f"min(date({first}, '+' || (CAST(strftime('%%d', {day}) AS INTEGER) - 1) || ' days'), "
            f"date({first}, '+1 month', '-1 day'))"
        )
        return sql, [*first_params, *day_params, *first_params]


class EarlierDate(Func):
    """The earlier of two dates; the first when the second is unknown (the first, when unknown,
    makes both unknown: a car with no maintenance start has no forecast at all)."""

    arity = 2
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="LEAST")

    def as_sqlite(self, compiler, connection, **extra_context):
        (first, first_params), (second, second_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        return (
            f"min({first}, COALESCE({second}, {first}))",
            [*first_params, *second_params, *first_params],
        )


class DayNumber(Func):
    """Days since 01.01.1970: a date as a whole number, for packing a reading into one value."""

    arity = 1
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(%(expressions)s - DATE '1970-01-01')"
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
        )


EPOCH = dt.date(1970, 1, 1)
# A reading (date, km) packed into one number, date first: the smallest is the first reading and
# the largest the last, so one MIN or MAX over the car's orders finds it with its mileage.
KM_SLOTS = 10**8


def _packed(km: Expression) -> Expression:
    return ExpressionWrapper(
        Cast(DayNumber(F("repair_orders__opened_at")), BigIntegerField()) * Value(KM_SLOTS) + km,
        output_field=BigIntegerField(),
    )


def _unpacked_date(packed: str) -> Expression:
    return AddDays(Value(EPOCH, output_field=DateField()), F(packed) / Value(KM_SLOTS))


def _unpacked_km(packed: str) -> Expression:
    return ExpressionWrapper(
        F(packed) - F(packed) / Value(KM_SLOTS) * Value(KM_SLOTS), output_field=IntegerField()
    )


def maintenance_forecast_annotations(
    *,
    interval_months: int,
    interval_km: int,
    default_km_per_day: int,
    order_kinds: list[str],
) -> list[dict]:
    """The annotations of the forecast, in the order they build on each other.

    Next maintenance is the earlier of the last maintenance + `interval_months`, and the day
    the estimated mileage reaches the last maintenance mileage + `interval_km` at the car's own
    pace (its first and last known readings; `default_km_per_day` without two of them). A car
    with no maintenance counts from its sale at 0 km. The last reading is the later of the
    card's own (`last_mileage`) and the last repair order's.

    Computed with aggregates over the car's orders (the query groups by vehicle), so each
    reading is read once per car. Annotations (all prefixed `forecast_` except the result
    `next_maintenance`):
    first/last reading km and date, `forecast_measured`, `forecast_km_per_day`,
    `forecast_last_maintenance`, `forecast_next_by_time`, `forecast_next_by_mileage`.
    """
    # One pass over the car's orders: aggregates, each computed once however often the
    # arithmetic below refers to it (a correlated subquery would run again for every use).
    with_mileage = Q(repair_orders__mileage__isnull=False)
    counted = Q(repair_orders__kind__in=order_kinds)
    packed = {
        "forecast_first_packed": Min(_packed(F("repair_orders__mileage")), filter=with_mileage),
        "forecast_last_packed": Max(_packed(F("repair_orders__mileage")), filter=with_mileage),
        # The latest maintenance and its mileage (+1, so that 0 says "no mileage").
        "forecast_maintenance_packed": Max(
            _packed(Coalesce(F("repair_orders__mileage") + 1, Value(0))), filter=counted
        ),
    }
    readings = {
        "forecast_order_first_km": _unpacked_km("forecast_first_packed"),
        "forecast_order_first_date": _unpacked_date("forecast_first_packed"),
        "forecast_order_last_km": _unpacked_km("forecast_last_packed"),
        "forecast_order_last_date": _unpacked_date("forecast_last_packed"),
        "forecast_maintenance_date": _unpacked_date("forecast_maintenance_packed"),
        "forecast_maintenance_km": NullIf(_unpacked_km("forecast_maintenance_packed"), Value(0))
        - Value(1),
    }
    card_is_later = Q(last_mileage__isnull=False, last_mileage_date__isnull=False) & (
        Q(forecast_order_last_date__isnull=True)
        | Q(last_mileage_date__gte=F("forecast_order_last_date"))
    )
    last = {
        "forecast_last_km": Case(
            When(card_is_later, then=F("last_mileage")),
            default=F("forecast_order_last_km"),
            output_field=IntegerField(),
        ),
        "forecast_last_date": Case(
            When(card_is_later, then=F("last_mileage_date")),
            default=F("forecast_order_last_date"),
            output_field=DateField(),
        ),
    }
    # With no order reading, the first reading is the last one (no pace of its own).
    first = {
        "forecast_first_km": Case(
            When(forecast_order_first_date__isnull=True, then=F("forecast_last_km")),
            default=F("forecast_order_first_km"),
            output_field=IntegerField(),
        ),
        "forecast_first_date": Case(
            When(forecast_order_first_date__isnull=True, then=F("forecast_last_date")),
            default=F("forecast_order_first_date"),
            output_field=DateField(),
        ),
        # No maintenance yet: the sale is the start, at 0 km.
        "forecast_last_maintenance": Coalesce(
            F("forecast_maintenance_date"), F("sale_date"), output_field=DateField()
        ),
        "forecast_start_km": Case(
            When(
                forecast_maintenance_date__isnull=True,
                sale_date__isnull=False,
                then=Value(0),
            ),
            default=F("forecast_maintenance_km"),
            output_field=IntegerField(),
        ),
    }
    measured = Q(
        forecast_last_date__gt=F("forecast_first_date"),
        forecast_last_km__gt=F("forecast_first_km"),
    )
    span_days = DaysBetween(F("forecast_last_date"), F("forecast_first_date"))
    span_km = F("forecast_last_km") - F("forecast_first_km")
    pace = {
        "forecast_measured": Case(When(measured, then=Value(True)), default=Value(False)),
        "forecast_km_per_day": Case(
            When(measured, then=Cast(span_km, FloatField()) / span_days),
            default=Value(float(default_km_per_day)),
            output_field=FloatField(),
        ),
    }
    # Counted from the last reading, or from the maintenance itself when there is none.
    has_reading = Q(forecast_last_km__isnull=False, forecast_last_date__isnull=False)
    from_km = Case(
        When(has_reading, then=F("forecast_last_km")),
        default=F("forecast_start_km"),
        output_field=IntegerField(),
    )
    from_day = Case(
        When(has_reading, then=F("forecast_last_date")),
        default=F("forecast_last_maintenance"),
        output_field=DateField(),
    )
    remaining_km = F("forecast_start_km") + Value(interval_km) - from_km
    # Days = remaining / (span_km / span_days), as remaining × span_days / span_km: an exact
    # whole quotient stays whole in floating point, so the ceiling is never a day too late.
    days_needed = Case(
        When(
            measured,
            then=Ceil(
                Cast(
                    ExpressionWrapper(remaining_km * span_days, output_field=IntegerField()),
                    FloatField(),
                )
                / span_km
            ),
        ),
        default=Ceil(Cast(remaining_km, FloatField()) / Value(float(default_km_per_day))),
        output_field=FloatField(),
    )
    dates = {
        "forecast_next_by_time": AddMonths(F("forecast_last_maintenance"), Value(interval_months)),
        "forecast_next_by_mileage": Case(
            When(
                forecast_last_maintenance__isnull=False,
                forecast_start_km__isnull=False,
                then=AddDays(from_day, days_needed),
            ),
            default=None,
            output_field=DateField(),
        ),
    }
    result = {
        "next_maintenance": EarlierDate(F("forecast_next_by_time"), F("forecast_next_by_mileage"))
    }
    return [packed, readings, last, first, pace, dates, result]
