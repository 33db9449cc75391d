"""Roles and the lists a dealership starts with come from data migrations."""

import pytest
from django.contrib.auth.models import Group

from selections.models import ImporterColumnAlias, ImporterVariant
from tasks.models import InterviewResult, PurchaseOption, TaskType

pytestmark = pytest.mark.django_db


def _perms(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


SEPARATE = {
    "tasks.add_servicerequest",
    "selections.upload_importer_file",
    "selections.run_selection",
    "selections.change_selectionkind",
}


def test_manager_creates_requests_and_runs_selections_only():
    perms = _perms("Менеджер")
    assert perms & SEPARATE == {"tasks.add_servicerequest", "selections.run_selection"}
    assert "tasks.reassign_task" not in perms


def test_department_head_has_every_separate_permission_and_reassigns():
    perms = _perms("Руководитель подразделения")
    assert perms >= SEPARATE | {"tasks.reassign_task", "tasks.change_interviewresult"}


def test_it_manages_users_organisation_and_importer_formats():
    perms = _perms("ИТ / администратор")
    assert perms >= {
        "auth.change_user",
        "crm_workstation.change_employeeprofile",
        "crm_workstation.add_branch",
        "selections.change_importercolumnalias",
        "selections.upload_importer_file",
    }
    assert "tasks.add_servicerequest" not in perms


def test_default_task_types():
    names = set(TaskType.objects.values_list("name", flat=True))
    assert {
        "Звонок ТО",
        "Звонок потерянному клиенту",
        "Звонок по рекомендациям",
        "Звонок после визита",
        "Повторный звонок",
        "Задача от другого отдела",
    } <= names


@pytest.mark.parametrize(
    ("name", "behaviour", "allows_control"),
    [
        ("Клиент записан на сервис во время звонка", "booked_during_call", False),
        ("Клиент записан на сервис", "booked", True),
        ("Планирует визит позже", "other", True),
        ("Перезвонить позже", "other", True),
        ("Обслуживается у другого дилера", "other", False),
        ("Продал автомобиль", "other", False),
        ("Не требуется", "other", False),
    ],
)
def test_default_interview_results(name, behaviour, allows_control):
    result = InterviewResult.objects.get(name=name)
    assert (result.behaviour, result.allows_control) == (behaviour, allows_control)


def test_purchase_options_exist():
    assert PurchaseOption.objects.filter(is_active=True).count() >= 3


@pytest.mark.parametrize(
    ("field", "alias"),
    [
        ("vin", "Идентификационный номер"),
        ("plate", "Гос. номер"),
        ("client_name", "ФИО клиента"),
        ("phone", "Телефоны"),
        ("mileage", "Пробег, км"),
        ("next_maintenance", "Рекомендуемая дата ТО"),
        ("comment", "Примечание импортера"),
    ],
)
def test_both_importer_variants_know_the_default_aliases(field, alias):
    for name in ("Клиенты ТО", "Потерянные клиенты"):
        variant = ImporterVariant.objects.get(name=name)
        assert ImporterColumnAlias.objects.filter(
            variant=variant, field=field, alias=alias
        ).exists()
