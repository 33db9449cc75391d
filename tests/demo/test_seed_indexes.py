"""seed_demo loads the big tables without their secondary indexes and foreign keys, then puts
every one of them back exactly as the migrations made them, also when the load fails."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import UniqueConstraint

from client_history.models import Client, RepairOrder
from crm_workstation.models import Branch
from demo import generator as demo_generator
from demo.bulk import BulkWriter, secondary_indexes_deferred
from demo.services import BIG_MODELS, demo_vacuum
from tasks.models import Task


def schema() -> dict[str, dict]:
    """Every index and constraint of the big tables, as the database describes them."""
    with connection.cursor() as cursor:
        found = {
            model._meta.db_table: connection.introspection.get_constraints(
                cursor, model._meta.db_table
            )
            for model in BIG_MODELS
        }
        if connection.vendor == "postgresql":
            # The full definitions too (partial, GIN trigram, DEFERRABLE…), not only columns.
            cursor.execute(
                """
                SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
                WHERE indrelid = ANY(%s::regclass[])
                UNION ALL
                SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = ANY(%s::regclass[])
                """,
                [[m._meta.db_table for m in BIG_MODELS]] * 2,
            )
            found["definitions"] = dict(cursor.fetchall())
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
            found["definitions"] = dict(cursor.fetchall())
    return found


def declared_names(model) -> set[str]:
    """The indexes and constraints the model's Meta declares by name (SQLite's introspection
    does not name check constraints: there, the indexes and unique constraints)."""
    meta = model._meta
    constraints = [
        c
        for c in meta.constraints
        if connection.vendor == "postgresql" or isinstance(c, UniqueConstraint)
    ]
    return {i.name for i in meta.indexes} | {c.name for c in constraints}


def test_seed_puts_back_every_index_and_foreign_key(db):
    before = schema()
    assert any(
        info["foreign_key"]
        for table in BIG_MODELS
        for info in before[table._meta.db_table].values()
    )
    call_command("seed_demo", "--size", "S", stdout=io.StringIO())
    after = schema()
    assert after == before
    for model in BIG_MODELS:
        present = set(after[model._meta.db_table])
        assert declared_names(model) <= present, model
        for field in model._meta.concrete_fields:
            if field.db_index or field.is_relation:
                columns = [info["columns"] for info in after[model._meta.db_table].values()]
                assert [field.column] in columns, (model, field.column)


def test_a_failed_load_leaves_the_indexes_in_place(db, monkeypatch):
    before = schema()

    def broken_run(self):
        raise RuntimeError("the load broke")

    monkeypatch.setattr(demo_generator.DemoGenerator, "run", broken_run)
    with pytest.raises(RuntimeError, match="the load broke"):
        call_command("seed_demo", "--size", "S", stdout=io.StringIO())
    assert schema() == before


def test_a_write_failing_in_the_writer_thread_leaves_nothing(db, monkeypatch):
    before = schema()
    write = BulkWriter.write

    def failing_write(self, table, rows):
        if table.model is Task:
            raise RuntimeError("the disk is full")
        write(self, table, rows)

    monkeypatch.setattr(BulkWriter, "write", failing_write)
    with pytest.raises(RuntimeError, match="the disk is full"):
        call_command("seed_demo", "--size", "S", stdout=io.StringIO())
    assert not Client.objects.exists() and not RepairOrder.objects.exists()
    assert not Branch.objects.filter(code__startswith="DEMO").exists()
    assert schema() == before


def test_the_deferral_drops_only_secondary_indexes(db):
    before = schema()
    with transaction.atomic(), secondary_indexes_deferred(BIG_MODELS) as deferred:
        dropped = {name.strip('"').split(".")[-1] for name, _sql in deferred.indexes}
        assert "client_name_search_trgm" in dropped or connection.vendor != "postgresql"
        assert "ro_client_opened" in dropped
        during = schema()
        for model in BIG_MODELS:
            table = model._meta.db_table
            for name, info in before[table].items():
                if info["primary_key"] or info["unique"] or info["check"]:
                    assert during[table][name] == info, name  # kept
                elif info["index"]:
                    assert name in dropped and name not in during[table], name
                elif info["foreign_key"] and connection.vendor == "postgresql":
                    assert name not in during[table], name
    assert schema() == before


@pytest.mark.django_db(transaction=True)
def test_the_deferral_needs_a_transaction():
    with pytest.raises(RuntimeError, match="transaction"), secondary_indexes_deferred(BIG_MODELS):
        pass


@pytest.mark.django_db(transaction=True)
def test_seed_demo_vacuums_the_loaded_tables_after_its_transaction():
    """Autovacuum may be off: without a VACUUM no index-only scan skips the heap."""
    out = io.StringIO()
    call_command("seed_demo", size="S", stdout=out)
    if connection.vendor != "postgresql":
        assert "VACUUM" not in out.getvalue()
        return
    assert "VACUUM таблиц" in out.getvalue()
    tables = [model._meta.db_table for model in BIG_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND last_vacuum IS NOT NULL",
            [tables],
        )
        vacuumed = {row[0] for row in cursor.fetchall()}
    assert vacuumed == set(tables)


def test_the_vacuum_waits_for_the_callers_transaction(db):
    assert demo_vacuum() is None  # VACUUM cannot run inside a transaction block


def test_seed_demo_leaves_the_planner_statistics_of_every_loaded_table(db):
    call_command("seed_demo", size="S", stdout=io.StringIO())
    tables = {model._meta.db_table for model in BIG_MODELS}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        else:
            cursor.execute("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'")
        analysed = {row[0] for row in cursor.fetchall()}
    assert tables <= analysed
