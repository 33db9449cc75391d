"""Admin of worksheets, with their change history.

Both are made by the workstation's flows, so the admin adds them for superusers only; a
department head sees and corrects those of their own departments.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from client_history.admin import client_name_q
from crm_workstation.admin import (
    EmployeeListFilter,
    ScopedAdminMixin,
    clean_search_term,
    department_column,
    human_number_q,
    person_column,
)
from worksheets.models import Worksheet


class CrmAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """CRM data: scoped to the user's departments, history shown, big tables kept fast."""

    scope_department_field = "department"
    show_full_result_count = False
    list_per_page = 50
    empty_value_display = "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(Worksheet)
class WorksheetAdmin(CrmAdmin):
    department_name = department_column()
    responsible_name = person_column("responsible", _("ответственный"))
    initiator_name = person_column("initiator", _("инициатор"))
    list_display = (
        "number",
        "client",
        "department_name",
        "purpose",
        "source",
        "responsible_name",
        "created_at",
    )
    list_filter = (
        "department__branch",
        "department",
        "source",
        "purpose",
        ("responsible", EmployeeListFilter),
    )
    list_select_related = ("client", "department__branch", "purpose", "responsible")
    search_fields = ("number", "client__name")
    search_help_text = _("Номер рабочего листа (РЛ-000123) или имя клиента.")
    autocomplete_fields = ("client",)
    readonly_fields = ("number", "initiator_name", "created_at")
    fields = (
        "number",
        "department",
        "client",
        "purpose",
        "source",
        "initiator_name",
        "responsible",
        "created_at",
    )

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        return queryset.filter(client_name_q(term, "client__") | human_number_q(term)), False
