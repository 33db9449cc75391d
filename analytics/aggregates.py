"""A median that one ORM aggregate query computes on PostgreSQL and on SQLite alike."""

from django.db.models import Aggregate


class Median(Aggregate):
    """The median of an expression in each group (NULLs left out), with `filter=` as any
    aggregate: `percentile_cont(0.5)` on PostgreSQL, the MEDIAN aggregate registered on every
    SQLite connection (`register_sqlite_median`) there."""

    function = "MEDIAN"
    name = "Median"
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra_context):
        median = self.copy()
        median.template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        return super(Median, median).as_sql(compiler, connection, **extra_context)


class _SqliteMedian:
    """SQLite's side of Median: the group's values are kept and sorted at the end; a group is
    one manager's tasks of a period, so the list stays small."""

    def __init__(self):
        self.values: list[float] = []

    def step(self, value) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self):
        if not self.values:
            return None
        ordered = sorted(self.values)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        # Durations are stored as whole microseconds on SQLite: keep them whole.
        half = (ordered[middle - 1] + ordered[middle]) / 2
        return round(half) if all(isinstance(v, int) for v in ordered) else half


def register_sqlite_median(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SqliteMedian)
