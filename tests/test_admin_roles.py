"""The admin by role: what a department head and IT may open (changelist / add form) for every
registered model, and that IT's list of people stays in its branches. A manager is not staff
and is sent to the admin's login (tests/test_permission_matrix.py: admin:index)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import make_employee

pytestmark = pytest.mark.django_db

# model → (head of A, IT of A), each as changelist status / add form status.
ROLES = ("head_a", "it_a")
ADMIN_MATRIX = {
    "auth.group": ((403, 403), (200, 403)),
    "auth.user": ((403, 403), (200, 200)),
    "client_history.client": ((200, 403), (200, 403)),
    "client_history.recommendation": ((200, 403), (200, 403)),
    "client_history.repairorder": ((200, 403), (200, 403)),
    "client_history.vehicle": ((200, 403), (200, 403)),
    "crm_workstation.branch": ((403, 403), (200, 200)),
    "crm_workstation.department": ((403, 403), (200, 200)),
    "crm_workstation.workshop": ((403, 403), (200, 200)),
    "django_tasks_database.dbtaskresult": ((403, 403), (403, 403)),
    "selections.importervariant": ((200, 403), (200, 200)),
    "selections.lead": ((200, 403), (200, 403)),
    "selections.leadbatch": ((200, 403), (200, 403)),
    "selections.selectionkind": ((200, 200), (200, 403)),
    "tasks.callscript": ((200, 200), (200, 200)),
    "tasks.followupdelay": ((200, 200), (200, 200)),
    "tasks.interviewresult": ((200, 200), (200, 200)),
    "tasks.purchaseoption": ((200, 200), (200, 200)),
    "tasks.servicerequest": ((200, 403), (403, 403)),
    "tasks.task": ((200, 403), (403, 403)),
    "tasks.tasktype": ((200, 200), (200, 200)),
    "worksheets.purpose": ((200, 200), (200, 200)),
    "worksheets.worksheet": ((200, 403), (403, 403)),
}


def _registered() -> dict:
    return {model._meta.label_lower: model for model in admin.site._registry}


def test_admin_matrix_covers_every_registered_model():
    assert set(_registered()) == set(ADMIN_MATRIX)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", sorted(ADMIN_MATRIX))
def test_admin_by_role(label, role, users, logged_in):
    meta = _registered()[label]._meta
    http = logged_in(users[role])
    expected = dict(zip(ROLES, ADMIN_MATRIX[label], strict=True))[role]
    changelist = http.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    add = http.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    assert (changelist.status_code, add.status_code) == expected, (label, role)


def test_it_sees_the_people_of_its_branches_and_the_unplaced(it_a, manager_a, manager_b, logged_in):
    newcomer = make_employee("newcomer", role=None, branches=[], departments=[])
    page = logged_in(it_a).get(reverse("admin:auth_user_changelist")).content.decode()
    assert manager_a.username in page and newcomer.username in page
    assert manager_b.username not in page
    change_b = reverse("admin:auth_user_change", args=[manager_b.pk])
    assert logged_in(it_a).get(change_b).status_code == 302  # "not found", back to the list
