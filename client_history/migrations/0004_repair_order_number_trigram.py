"""A trigram index for the admin's search of repair orders by a part of their number
(PostgreSQL only; see 0003)."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            return  # 0003 could not create the extension; the search scans instead
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS repairorder_number_trgm "
        "ON client_history_repairorder USING gin (number gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS repairorder_number_trgm")


class Migration(migrations.Migration):
    dependencies = [("client_history", "0003_search_trigram_indexes")]
    operations = [migrations.RunPython(create_index, drop_index)]
