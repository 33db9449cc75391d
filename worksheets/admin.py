"""Admin of worksheets and service requests, with their change history.

Both are made by the workstation's flows, so the admin adds them for superusers only; a
department head sees and corrects those of their own departments.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from client_history.admin import client_name_q, vehicle_ident_q
from crm_workstation.admin import ScopedAdminMixin, clean_search_term, human_number_q
from worksheets.models import ServiceRequest, Worksheet


class CrmAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """CRM data: scoped to the user's departments, history shown, big tables kept fast."""

    scope_department_field = "department"
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(Worksheet)
class WorksheetAdmin(CrmAdmin):
    list_display = (
        "number",
        "client",
        "department",
        "purpose",
        "source",
        "responsible",
        "created_at",
    )
    list_filter = ("department", "source", "purpose")
    list_select_related = ("client", "department__branch", "purpose", "responsible")
    search_fields = ("number", "client__name")
    search_help_text = _("Номер рабочего листа (РЛ-000123) или имя клиента.")
    autocomplete_fields = ("client", "source_batch", "source_task")
    readonly_fields = ("number", "initiator", "created_at")
    fields = (
        "number",
        "branch",
        "department",
        "client",
        "purpose",
        "source",
        "source_batch",
        "source_task",
        "initiator",
        "responsible",
        "created_at",
    )

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        return queryset.filter(client_name_q(term, "client__") | human_number_q(term)), False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(CrmAdmin):
    scope_department_field = "worksheet__department"
    list_display = (
        "number",
        "desired_at",
        "status",
        "client",
        "vehicle",
        "branch",
        "workshop",
        "created_by",
    )
    list_filter = ("status", "branch", "workshop")
    list_select_related = ("client", "vehicle", "branch", "workshop", "created_by")
    date_hierarchy = "desired_at"
    search_fields = ("number", "client__name", "vehicle__vin", "vehicle__plate")
    search_help_text = _("Номер заявки, имя клиента, VIN или госномер.")
    autocomplete_fields = ("worksheet", "task", "client", "vehicle", "arrived_order")
    readonly_fields = ("number", "created_by", "created_at")
    fields = (
        "number",
        "worksheet",
        "task",
        "client",
        "vehicle",
        "branch",
        "workshop",
        "desired_at",
        "requested_works",
        "purchase_option",
        "comment",
        "status",
        "arrived_order",
        "created_by",
        "created_at",
    )

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        q = (
            client_name_q(term, "client__")
            | vehicle_ident_q(term, "vehicle__")
            | human_number_q(term)
        )
        return queryset.filter(q), False
