from django.http import HttpRequest

from crm_workstation.models import Branch, Department
from crm_workstation.scoping import user_scope

# The workstation's tab bar: (url name, label). Tabs appear here as they are built.
TABS: list[tuple[str, str]] = [
    ("client_history:client_search", "Клиенты"),
]


def workstation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"workstation_tabs": TABS}

    def structural_unit() -> str:
        scope = user_scope(user)
        if scope.all_access:
            return "Все структурные единицы"
        branches = Branch.objects.filter(id__in=scope.branch_ids).values_list("name", flat=True)
        departments = Department.objects.filter(id__in=scope.department_ids).values_list(
            "name", flat=True
        )
        parts = [", ".join(branches), ", ".join(departments)]
        return " · ".join(p for p in parts if p) or "—"

    return {"workstation_tabs": TABS, "structural_unit": structural_unit}
