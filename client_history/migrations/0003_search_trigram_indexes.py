"""Trigram indexes for the client search on PostgreSQL.

The search looks for substrings (a word of a name, digits of a phone, a plate without its
region, the tail of a VIN); a btree index cannot serve `LIKE '%…%'`, a pg_trgm GIN index can.
SQLite has no such index and scans, which is fast enough at its sizes. pg_trgm is a trusted
extension (PostgreSQL 13+), so the database owner may create it; where it cannot be created the
search still works, only slower, and the migration says so.
"""

from django.db import migrations

INDEXES = [
    ("client_name_search_trgm", "client_history_client", "name_search"),
    ("clientphone_number_trgm", "client_history_clientphone", "number"),
    ("vehicle_vin_trgm", "client_history_vehicle", "vin"),
    ("vehicle_plate_trgm", "client_history_vehicle", "plate"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        print(f"\n  pg_trgm is not available ({error}); the client search will scan instead.")
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("client_history", "0002_repair_order_number_index")]
    operations = [migrations.RunPython(create_indexes, drop_indexes)]
