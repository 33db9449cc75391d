"""The demo gives every demo department a selection kind for every rule, with valid parameters,
so a department head sees a real example of each."""

import pytest

from crm_workstation.models import Department
from demo.selection_kinds import DEMO_SELECTION_KINDS, selection_kinds_create
from demo.services import _organisation
from demo.vocab import DEMO_BRANCH_CODES
from selections.models import SelectionKind
from selections.rules import validate_parameters

pytestmark = pytest.mark.django_db


def test_every_demo_department_has_a_kind_for_every_rule():
    _organisation("S")

    selection_kinds_create()

    departments = Department.objects.filter(branch__code__in=DEMO_BRANCH_CODES)
    assert departments.count() == len(DEMO_BRANCH_CODES) * len(DEMO_SELECTION_KINDS)
    for department in departments:
        kinds = SelectionKind.objects.filter(department=department)
        assert sorted(kinds.values_list("rule", flat=True)) == sorted(SelectionKind.Rule.values)
        for kind in kinds:
            assert kind.parameters == validate_parameters(kind.rule, kind.parameters)
            assert department.branch.name in kind.name
            assert kind.is_active


def test_kind_names_are_distinct_within_a_branch():
    for kinds in DEMO_SELECTION_KINDS.values():
        assert sorted(rule for rule, *_ in kinds) == sorted(SelectionKind.Rule.values)
    names = [name for kinds in DEMO_SELECTION_KINDS.values() for _, name, *_ in kinds]
    assert len(names) == len(set(names))
