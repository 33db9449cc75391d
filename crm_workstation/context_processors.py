from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm_workstation.models import Branch, Department
from crm_workstation.scoping import user_scope

# The workstation's tab bar: (url name, label), in SPEC's order — «Этапы сделок», «Мои задачи»,
# «Аналитика», «Выборки». A tab appears here when its page exists; no link leads to a page that
# is not there yet. The client search is reached from every page through the header's box too.
TABS: list[tuple[str, str | Promise]] = [
    ("worksheets:stages", _("Этапы сделок")),
    ("tasks:my_tasks", _("Мои задачи")),
    ("analytics:analytics", _("Аналитика")),
    ("selections:selections", _("Выборки")),
    ("client_history:client_search", _("Клиенты")),
]


def _tabs(path: str) -> list[dict]:
    tabs = []
    for url_name, label in TABS:
        url = reverse(url_name)
        tabs.append({"url": url, "label": label, "active": path.startswith(url)})
    return tabs


def workstation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def structural_unit() -> str:
        scope = user_scope(user)
        if scope.all_access:
            return gettext("Все структурные единицы")
        branches = Branch.objects.filter(id__in=scope.branch_ids).values_list("name", flat=True)
        departments = Department.objects.filter(id__in=scope.department_ids).values_list(
            "name", flat=True
        )
        parts = [", ".join(branches), ", ".join(sorted(set(departments)))]
        return " · ".join(p for p in parts if p) or "—"

    return {"workstation_tabs": _tabs(request.path), "structural_unit": structural_unit}
