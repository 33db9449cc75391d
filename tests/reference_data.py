"""The rows the data migrations write (roles, reference lists, defaults), written again.

A test that commits for real (a live server, real parallel connections) ends with a flush
that empties every table, these rows included; the tests after it need them back.
"""

import importlib

from django.apps import apps

# The data migrations that fill the roles and reference lists, in dependency order.
DATA_MIGRATIONS = [
    "worksheets.migrations.0002_purposes",
    "tasks.migrations.0003_reference_data",
    "tasks.migrations.0005_follow_up_and_script_defaults",
    "selections.migrations.0003_importer_variants",
    "selections.migrations.0004_roles",
]


def write_reference_data() -> None:
    """Idempotent: each migration's forwards() uses get_or_create."""
    for module in DATA_MIGRATIONS:
        importlib.import_module(module).forwards(apps, None)
