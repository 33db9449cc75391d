"""Fast inserts of prepared tuples: COPY on PostgreSQL, executemany on SQLite.

The demo generator builds millions of rows; model instances and `bulk_create` would spend most
of the time in Python. Rows here are plain tuples in the column order of a `BulkTable`, with
values the database takes as they are: ints, strings (dates and times already formatted), None.
Booleans are passed as 0/1, which both databases accept.
"""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

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
    """Writes rows inside the caller's transaction, on the default connection.

    `write` may be called from another thread than the one that made the writer (the
    generator's writer thread): it uses the DB-API connection taken here, not Django's
    per-thread one, so the rows go into the same transaction. Only one thread may use the
    connection at a time; the caller sees to that.
    """

    def __init__(self) -> None:
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.quote = connection.ops.quote_name
        self.raw = connection.connection
        if self.vendor == "sqlite":
            # A bigger page cache keeps index updates in memory during the load.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")

    def write(self, table: BulkTable, rows: list[tuple]) -> None:
        columns = ", ".join(self.quote(c) for c in table.columns)
        name = self.quote(table.db_table)
        raw = self.raw
        if self.vendor == "postgresql":
            sql = f"COPY {name} ({columns}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
        elif self.vendor == "sqlite":
            marks = ", ".join("?" * len(table.columns))
            raw.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)
        else:
            # Any other backend: plain DB-API executemany ("format" parameter style).
            marks = ", ".join(["%s"] * len(table.columns))
            cursor = raw.cursor()
            try:
                cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)
            finally:
                cursor.close()
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


@dataclass
class Deferred:
    """What `secondary_indexes_deferred` dropped, and how long dropping and rebuilding took."""

    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE INDEX …)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # table, name, def
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def secondary_indexes_deferred(models: Sequence[type[Model]]) -> Iterator[Deferred]:
    """Load the tables of `models` without their secondary indexes and foreign keys.

    Inside the block the tables keep their primary keys, unique indexes and check constraints
    (so a duplicate or a bad value still fails at once); their other indexes and their foreign
    keys are dropped, and re-created on the way out from the database's own definitions
    (`pg_get_indexdef`, `pg_get_constraintdef`, or SQLite's `sqlite_master`), so nothing here can
    drift from the migrations. Building an index once over the loaded table, and checking a
    foreign key with one join, is much cheaper than maintaining them row by row.

    Only inside a transaction: the drops are DDL, which both databases roll back with the rest,
    so a failure anywhere leaves the schema as it was. The tables are locked for the
    transaction, which is why only `seed_demo` (a database holding nothing but the demo) uses it.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("secondary_indexes_deferred needs a transaction")
    tables = [model._meta.db_table for model in models]
    deferred = Deferred()
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        _drop_postgresql(tables, deferred)
    elif connection.vendor == "sqlite":
        _drop_sqlite(tables, deferred)
    deferred.seconds["dropping indexes"] = time.perf_counter() - started
    yield deferred
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Index builds sort in memory up to this; the default 64 MB spills to disk at M.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, sql in deferred.indexes:
            cursor.execute(sql)
        deferred.seconds["building indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        for table, name, definition in deferred.foreign_keys:
            # Validated here, with one anti-join over the table.
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        deferred.seconds["checking foreign keys"] = time.perf_counter() - started


def _drop_postgresql(tables: list[str], deferred: Deferred) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT con.conrelid::regclass::text, quote_ident(con.conname),
                   pg_get_constraintdef(con.oid)
            FROM pg_constraint con
            WHERE con.contype = 'f' AND con.conrelid = ANY(%s::regclass[])
            ORDER BY con.conrelid::regclass::text, con.conname
            """,
            [tables],
        )
        deferred.foreign_keys = cursor.fetchall()
        # Not unique, not the primary key, and backing no constraint (an exclusion constraint
        # would be): plain indexes, b-tree or GIN (the trigram ones) alike.
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY i.indrelid::regclass::text, i.indexrelid::regclass::text
            """,
            [tables],
        )
        deferred.indexes = cursor.fetchall()
        for table, name, _definition in deferred.foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _sql in deferred.indexes:
            cursor.execute(f"DROP INDEX {name}")


def _drop_sqlite(tables: list[str], deferred: Deferred) -> None:
    """SQLite: the plain indexes only (its foreign keys belong to the table definitions)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"PRAGMA index_list({quote(table)})")
            # (seq, name, unique, origin, partial); origin "c" = made by CREATE INDEX.
            plain = [row[1] for row in cursor.fetchall() if not row[2] and row[3] == "c"]
            for name in sorted(plain):
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name]
                )
                deferred.indexes.append((quote(name), cursor.fetchone()[0]))
        for name, _sql in deferred.indexes:
            cursor.execute(f"DROP INDEX {name}")
