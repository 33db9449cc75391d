"""The demo's selection kinds: one for every rule in every demo department, with the names and
parameters a head of that department would give them."""

from crm_workstation.models import Department
from demo.vocab import DEMO_BRANCH_PREFIX
from selections.models import SelectionKind
from selections.rules import validate_parameters
from tasks.models import TaskType
from worksheets.models import Purpose

Rule = SelectionKind.Rule
# Per department kind: the selection kinds a head of that department would set up, one for each
# rule, as (rule, name, task type code, purpose, parameters, other fields).
DEMO_SELECTION_KINDS: dict[str, list[tuple]] = {
    "service": [
        (
            Rule.MAINTENANCE_DUE,
            "Подошло ТО: 12 месяцев или 15 000 км",
            "maintenance_call",
            "Приглашение на ТО",
            {"interval_months": 12, "interval_km": 15000},
            {},
        ),
        (
            Rule.LOST_CLIENTS,
            "Потерянные клиенты сервиса",
            "lost_client_call",
            "Возврат потерянного клиента",
            {"order_kinds": ["maintenance", "repair", "warranty"], "min_visits": 2},
            {},
        ),
        (
            Rule.LOST_CLIENTS_BY_WORKSHOP,
            "Потерянные клиенты по цехам",
            "lost_client_call",
            "Возврат потерянного клиента",
            {"order_kinds": ["maintenance", "repair"]},
            {},
        ),
        (
            Rule.OPEN_RECOMMENDATIONS,
            "Невыполненные рекомендации мастера",
            "recommendations_call",
            "Выполнение рекомендаций",
            {},
            {},
        ),
        (
            Rule.POST_VISIT,
            "Контроль качества после ТО и ремонта",
            "post_visit_call",
            "Контроль качества после визита",
            {"order_kinds": ["maintenance", "repair", "warranty"]},
            {},
        ),
        (
            Rule.WARRANTY_END,
            "Гарантия заканчивается: диагностика",
            "warranty_end_call",
            "Окончание гарантии",
            {"warranty_years": 3},
            {},
        ),
    ],
    "sales": [
        (
            Rule.MAINTENANCE_DUE,
            "ТО автомобиля старше 5 лет: предложить новый",
            "maintenance_call",
            "Продажа автомобиля",
            {"interval_months": 12},
            {"vehicle_age_min": 5},
        ),
        (
            Rule.LOST_CLIENTS,
            "Давно не были: предложить трейд-ин",
            "lost_client_call",
            "Продажа автомобиля",
            {"min_visits": 3},
            {},
        ),
        (
            Rule.LOST_CLIENTS_BY_WORKSHOP,
            "Ушли из цеха: предложить трейд-ин",
            "lost_client_call",
            "Продажа автомобиля",
            {"order_kinds": ["repair", "body"]},
            {"vehicle_age_min": 4},
        ),
        (
            Rule.OPEN_RECOMMENDATIONS,
            "Дорогие рекомендации: предложить новый автомобиль",
            "recommendations_call",
            "Продажа автомобиля",
            {},
            {"vehicle_age_min": 6},
        ),
        (
            Rule.POST_VISIT,
            "После гарантийного ремонта: предложить тест-драйв",
            "post_visit_call",
            "Продажа автомобиля",
            {"order_kinds": ["warranty"]},
            {},
        ),
        (
            Rule.WARRANTY_END,
            "Гарантия заканчивается: предложить трейд-ин",
            "warranty_end_call",
            "Продажа автомобиля",
            {"warranty_years": 3},
            {},
        ),
    ],
    "parts": [
        (
            Rule.MAINTENANCE_DUE,
            "Подошло ТО: предложить комплект для ТО",
            "maintenance_call",
            "Продажа запчастей и аксессуаров",
            {"interval_months": 12, "interval_km": 15000},
            {},
        ),
        (
            Rule.LOST_CLIENTS,
            "Давно не были: предложить аксессуары",
            "lost_client_call",
            "Продажа запчастей и аксессуаров",
            {"min_visits": 1},
            {},
        ),
        (
            Rule.LOST_CLIENTS_BY_WORKSHOP,
            "Ушли из шиномонтажа: предложить шины",
            "lost_client_call",
            "Продажа запчастей и аксессуаров",
            {"order_kinds": ["tyres"]},
            {},
        ),
        (
            Rule.OPEN_RECOMMENDATIONS,
            "Рекомендованные запчасти не куплены",
            "recommendations_call",
            "Продажа запчастей и аксессуаров",
            {},
            {},
        ),
        (
            Rule.POST_VISIT,
            "После шиномонтажа: предложить хранение шин",
            "post_visit_call",
            "Продажа запчастей и аксессуаров",
            {"order_kinds": ["tyres"]},
            {},
        ),
        (
            Rule.WARRANTY_END,
            "Гарантия заканчивается: предложить защиту картера",
            "warranty_end_call",
            "Продажа запчастей и аксессуаров",
            {"warranty_years": 3},
            {},
        ),
    ],
    "body": [
        (
            Rule.MAINTENANCE_DUE,
            "Подошло ТО: предложить антикоррозийную обработку",
            "maintenance_call",
            "Запись на сервис",
            {"interval_months": 24, "interval_km": 30000},
            {"vehicle_age_min": 3},
        ),
        (
            Rule.LOST_CLIENTS,
            "Потерянные клиенты кузовного ремонта",
            "lost_client_call",
            "Возврат потерянного клиента",
            {"order_kinds": ["body"]},
            {},
        ),
        (
            Rule.LOST_CLIENTS_BY_WORKSHOP,
            "Ушли из кузовного цеха",
            "lost_client_call",
            "Возврат потерянного клиента",
            {"order_kinds": ["body"]},
            {},
        ),
        (
            Rule.OPEN_RECOMMENDATIONS,
            "Невыполненные кузовные рекомендации",
            "recommendations_call",
            "Выполнение рекомендаций",
            {},
            {},
        ),
        (
            Rule.POST_VISIT,
            "Контроль качества после кузовного ремонта",
            "post_visit_call",
            "Контроль качества после визита",
            {"order_kinds": ["body"]},
            {},
        ),
        (
            Rule.WARRANTY_END,
            "Гарантия на кузов заканчивается: осмотр ЛКП",
            "warranty_end_call",
            "Окончание гарантии",
            {"warranty_years": 5},
            {},
        ),
    ],
}


def selection_kinds_create() -> None:
    """A selection kind for every rule in every demo department, so a head sees real examples.

    Names are unique within a department; each still names its branch, so a superuser's
    lists of every branch's kinds tell them apart."""
    task_types = dict(TaskType.objects.values_list("code", "id"))
    purposes = dict(Purpose.objects.values_list("name", "id"))
    departments = Department.objects.filter(
        branch__code__startswith=DEMO_BRANCH_PREFIX
    ).select_related("branch")
    SelectionKind.objects.bulk_create(
        SelectionKind(
            name=f"{name} ({department.branch.name})",
            department=department,
            rule=rule,
            parameters=validate_parameters(rule, parameters),
            task_type_id=task_types[task_type],
            purpose_id=purposes[purpose],
            **extra,
        )
        for department in departments
        for rule, name, task_type, purpose, parameters, extra in DEMO_SELECTION_KINDS[
            department.kind
        ]
    )
