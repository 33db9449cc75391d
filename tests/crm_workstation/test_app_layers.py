"""The apps depend one way (STYLE.md): crm_workstation <- client_history <- worksheets <- tasks
<- selections. A migration of a lower app never depends on a higher app's migration, and a lower
app's modules never import a higher app's."""

import ast
from pathlib import Path

from django.db.migrations.loader import MigrationLoader

LAYERS = ["crm_workstation", "client_history", "worksheets", "tasks", "selections", "analytics"]
ROOT = Path(__file__).resolve().parents[2]


def test_migrations_depend_on_lower_apps_only():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    upward = [
        (key, dependency)
        for key, migration in loader.disk_migrations.items()
        if key[0] in LAYERS
        for dependency in migration.dependencies
        if dependency[0] in LAYERS and LAYERS.index(dependency[0]) > LAYERS.index(key[0])
    ]

    assert upward == []


def test_modules_import_lower_apps_only():
    upward = []
    for app in LAYERS:
        higher = set(LAYERS[LAYERS.index(app) + 1 :])
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                upward += [
                    (str(path.relative_to(ROOT)), n) for n in names if n.split(".")[0] in higher
                ]

    assert upward == []
