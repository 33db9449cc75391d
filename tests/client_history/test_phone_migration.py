"""Migration 0005: existing phones are re-validated, what they held is kept in `raw`."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import BranchFactory

BEFORE = [("client_history", "0004_repair_order_number_trigram")]
AFTER = [("client_history", "0005_phone_raw")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_phones_are_revalidated_and_keep_their_text():
    branch = BranchFactory()
    old = _migrate(BEFORE)
    try:
        Client = old.get_model("client_history", "Client")
        Phone = old.get_model("client_history", "ClientPhone")
        first, second = (
            Client.objects.create(
                name=name, name_search=name.lower(), external_id=code, home_branch_id=branch.pk
            )
            for name, code in (("Смирнов", "C1"), ("Кузнецова", "C2"))
        )
        stored = {
            "valid": (first, "+79161234567", True),
            "possible only": (first, "+70000000000", False),
            "not a number": (first, "12-34", False),
            "a repeat once normalised": (first, "8 916 123-45-67", False),
            "written as typed": (second, "8(916)765-43-21", True),
        }
        ids = {
            label: Phone.objects.create(client=client, number=number, is_primary=primary).pk
            for label, (client, number, primary) in stored.items()
        }

        new = _migrate(AFTER)
        Phone = new.get_model("client_history", "ClientPhone")
        rows = {
            label: Phone.objects.values_list("number", "raw", "is_invalid").get(pk=pk)
            for label, pk in ids.items()
        }
        assert rows == {
            "valid": ("+79161234567", "+79161234567", False),
            "possible only": ("", "+70000000000", True),
            "not a number": ("", "12-34", True),
            "a repeat once normalised": ("", "8 916 123-45-67", True),
            "written as typed": ("+79167654321", "8(916)765-43-21", False),
        }

        # Backwards, a phone without a number gets its text back.
        old = _migrate(BEFORE)
        Phone = old.get_model("client_history", "ClientPhone")
        assert Phone.objects.get(pk=ids["possible only"]).number == "+70000000000"
        assert Phone.objects.get(pk=ids["not a number"]).number == "12-34"
    finally:
        # Every app back to its latest migration: going back to 0004 also unapplied the
        # migrations of other apps that came after it.
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
