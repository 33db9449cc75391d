"""The shared users of every test: a manager, a department head and an IT administrator of
branch A, a manager of branch B (who must see nothing of A), and a superuser."""

import os

import pytest
from django.test import Client as HttpClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django.plugin import blocking_manager_key

from selections.models import LeadBatch
from tests.factories import (
    BranchFactory,
    ClientFactory,
    ClientPhoneFactory,
    DepartmentFactory,
    RepairOrderFactory,
    TaskFactory,
    UserFactory,
    VehicleFactory,
    WorksheetFactory,
    WorkshopFactory,
    make_employee,
)
from tests.reference_data import write_reference_data

# The property tests (tests/**/test_properties.py): `ci` (the default) is deterministic and
# quick; `HYPOTHESIS_PROFILE=thorough` searches wider when hunting for a bug.
hypothesis_settings.register_profile(
    "ci",
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "thorough",
    parent=hypothesis_settings.get_profile("ci"),
    max_examples=300,
    derandomize=False,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that committed for real, its flush has emptied the roles and reference
    lists: write them again, so the next test on this worker finds them as migrations left
    them (xdist does not keep transactional tests last)."""
    yield
    if nextitem is None:
        return  # the last test: the test database itself is gone now
    marker = item.get_closest_marker("django_db")
    committed = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(getattr(item, "fixturenames", ()))
    if committed:
        with item.config.stash[blocking_manager_key].unblock():
            write_reference_data()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # Everything under tests/e2e is a browser test, marked or not: test.sh runs them apart.
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; the tests check access, not hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def branch_a(db):
    return BranchFactory(name="Автоцентр Север", code="A")


@pytest.fixture
def branch_b(db):
    return BranchFactory(name="Автоцентр Юг", code="B")


@pytest.fixture
def service_a(branch_a):
    return DepartmentFactory(branch=branch_a, name="Сервис")


@pytest.fixture
def sales_a(branch_a):
    return DepartmentFactory(branch=branch_a, name="Отдел продаж", kind="sales")


@pytest.fixture
def service_b(branch_b):
    return DepartmentFactory(branch=branch_b, name="Сервис")


@pytest.fixture
def workshop_a(branch_a):
    return WorkshopFactory(branch=branch_a, name="Механический")


@pytest.fixture
def manager_a(branch_a, service_a):
    return make_employee("manager_a", role="Менеджер", branches=[branch_a], departments=[service_a])


@pytest.fixture
def head_a(branch_a, service_a, sales_a):
    return make_employee(
        "head_a",
        role="Руководитель подразделения",
        branches=[branch_a],
        departments=[service_a, sales_a],
        is_staff=True,
    )


@pytest.fixture
def manager_b(branch_b, service_b):
    return make_employee("manager_b", role="Менеджер", branches=[branch_b], departments=[service_b])


@pytest.fixture
def it_a(branch_a):
    """IT of branch A: users, organisation, reference lists and importer files; no department."""
    return make_employee(
        "it_a", role="ИТ / администратор", branches=[branch_a], departments=[], is_staff=True
    )


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def users(manager_a, head_a, it_a, manager_b, superuser):
    return {
        "manager_a": manager_a,
        "head_a": head_a,
        "it_a": it_a,
        "manager_b": manager_b,
        "superuser": superuser,
    }


def _logged_in(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.fixture
def client_manager_a(manager_a):
    return _logged_in(manager_a)


@pytest.fixture
def client_head_a(head_a):
    return _logged_in(head_a)


@pytest.fixture
def client_manager_b(manager_b):
    return _logged_in(manager_b)


@pytest.fixture
def client_superuser(superuser):
    return _logged_in(superuser)


@pytest.fixture
def logged_in():
    """Build a logged-in test client for any user: `logged_in(user)`."""
    return _logged_in


@pytest.fixture
def objects(branch_a, service_a):
    """One object of branch A of each kind a page's URL names: the permission matrix and the
    bad-input sweep open every page with these."""
    client = ClientFactory(home_branch=branch_a)
    ClientPhoneFactory(client=client)
    vehicle = VehicleFactory(owner=client)
    repair_order = RepairOrderFactory(vehicle=vehicle)
    task = TaskFactory(
        worksheet=WorksheetFactory(department=service_a, client=client), vehicle=vehicle
    )
    return {
        "client": client,
        "vehicle": vehicle,
        "repair_order": repair_order,
        "task": task,
        "worksheet": task.worksheet,
        "importer_batch": LeadBatch.objects.create(
            kind=LeadBatch.Kind.IMPORTER_FILE, branch=branch_a, department=service_a
        ),
    }
