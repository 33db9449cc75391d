"""Admin of the task reference lists (configured by department heads and IT) and of tasks."""

import re

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from client_history.admin import client_name_q
from client_history.models import Client
from crm_workstation.admin import clean_search_term, human_number_q
from tasks.models import InterviewResult, PurchaseOption, Purpose, Task, TaskType
from worksheets.admin import CrmAdmin
from worksheets.models import Worksheet

# ЗД-000123, РЛ-000123, or just the digits.
_HUMAN_NUMBER = re.compile(r"^(\w{1,3}-)?\d+$")


class ReferenceItemAdmin(admin.ModelAdmin):
    """A list ordered by hand: order and «используется» edited right in the changelist."""

    list_display = ("name", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    ordering = ("order", "name")


@admin.register(TaskType)
class TaskTypeAdmin(ReferenceItemAdmin):
    list_display = ("name", "code", "order", "is_active")
    search_fields = ("name", "code")
    fields = ("name", "code", "order", "is_active")


@admin.register(Purpose)
class PurposeAdmin(ReferenceItemAdmin):
    pass


@admin.register(PurchaseOption)
class PurchaseOptionAdmin(ReferenceItemAdmin):
    pass


@admin.register(InterviewResult)
class InterviewResultAdmin(ReferenceItemAdmin):
    list_display = (
        "name",
        "behaviour",
        "allows_control",
        "counts_as_booking",
        "order",
        "is_active",
    )
    list_filter = ("behaviour", "allows_control", "counts_as_booking", "is_active")
    fields = ("name", "behaviour", "allows_control", "counts_as_booking", "order", "is_active")


@admin.register(Task)
class TaskAdmin(CrmAdmin):
    scope_department_field = "worksheet__department"
    list_display = (
        "number",
        "planned_at",
        "status",
        "task_type",
        "worksheet",
        "client",
        "executor",
        "outcome",
        "goal_completed",
    )
    list_filter = ("status", "task_type", "outcome", "goal_completed", "worksheet__department")
    list_select_related = ("task_type", "worksheet__client", "executor")
    ordering = ("-id",)  # the primary key's index: no sort of the whole table per page
    search_fields = ("number", "worksheet__number", "worksheet__client__name")
    search_help_text = _("Номер задачи (ЗД-000123), номер рабочего листа или имя клиента.")
    autocomplete_fields = ("worksheet", "vehicle", "previous_task", "involved_from", "copied_from")
    readonly_fields = ("number", "created_by", "created_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "worksheet",
                    "task_type",
                    "vehicle",
                    "goal",
                    "planned_at",
                    "executor",
                    "status",
                )
            },
        ),
        (
            _("Результат"),
            {
                "fields": (
                    "outcome",
                    "interview_result",
                    "purchase_option",
                    "comment",
                    "reported_mileage",
                    "wrong_data",
                    "goal_completed",
                )
            },
        ),
        (
            _("Связи и даты"),
            {
                "fields": (
                    "previous_task",
                    "involved_from",
                    "copied_from",
                    "created_by",
                    "created_at",
                    "taken_at",
                    "finished_at",
                )
            },
        ),
    )

    @admin.display(description=_("контрагент"), ordering="worksheet__client__name")
    def client(self, obj: Task):
        return obj.worksheet.client

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        if _HUMAN_NUMBER.match(term):
            # Both numbers are unique, so indexed: the database ORs two index lookups.
            worksheet_ids = list(
                Worksheet.objects.filter(human_number_q(term)).values_list("pk", flat=True)
            )
            return queryset.filter(human_number_q(term) | Q(worksheet__in=worksheet_ids)), False
        worksheets = Worksheet.objects.filter(
            client__in=Client.objects.filter(client_name_q(term)).values("pk")
        )
        return queryset.filter(worksheet__in=worksheets.values("pk")), False
