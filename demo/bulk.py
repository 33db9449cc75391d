"""Fast inserts of prepared tuples: COPY on PostgreSQL, executemany on SQLite.

The demo generator builds millions of rows; model instances and `bulk_create` would spend most
of the time in Python. Rows here are plain tuples in the column order of a `BulkTable`, with
values the database takes as they are: ints, strings (dates and times already formatted), None.
Booleans are passed as 0/1, which both databases accept.
"""

from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection
from django.db.models import NOT_PROVIDED, Max, Model


class BulkTable:
    """A model's table and the fields (by name) the rows give, in that order."""

    def __init__(self, model: type[Model], fields: Sequence[str]):
        self.model = model
        self.db_table = model._meta.db_table
        self.fields = list(fields)
        given = {model._meta.get_field(name).column for name in fields}
        self.columns = [model._meta.get_field(name).column for name in fields]
        missing = [
            f.column
            for f in model._meta.concrete_fields
            if f.column not in given and not f.null and f.db_default is NOT_PROVIDED
        ]
        if missing:
            # A NOT NULL column the rows leave out would fail at insert time: say so early.
            raise ValueError(f"{self.db_table}: rows must give {', '.join(missing)}")
        self.count = 0

    def next_id(self) -> int:
        return (self.model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


class BulkWriter:
    """Writes rows to the database of the default connection, inside the caller's transaction."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.quote = connection.ops.quote_name
        if self.vendor == "sqlite":
            # A bigger page cache keeps index updates in memory during the load.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")

    def write(self, table: BulkTable, rows: Iterable[tuple]) -> None:
        columns = ", ".join(self.quote(c) for c in table.columns)
        name = self.quote(table.db_table)
        raw = connection.connection
        if self.vendor == "postgresql":
            n = 0
            sql = f"COPY {name} ({columns}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
                    n += 1
            table.count += n
        elif self.vendor == "sqlite":
            if not isinstance(rows, list):
                rows = list(rows)
            marks = ", ".join("?" * len(table.columns))
            raw.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)
            table.count += len(rows)
        else:
            # Any other backend: the ORM-independent but slower path through Django's cursor.
            if not isinstance(rows, list):
                rows = list(rows)
            marks = ", ".join(["%s"] * len(table.columns))
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)
            table.count += len(rows)

    def execute_many(self, sql: str, params: list[tuple]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)

    def reset_sequences(self, models: list[type[Model]]) -> None:
        """After inserts with explicit ids, let the database hand out the next ones after them."""
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
