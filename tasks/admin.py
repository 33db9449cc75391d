"""Admin of the task reference lists (configured by department heads and IT), of tasks and of
the service requests they book."""

import re

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from client_history.admin import client_name_q, vehicle_ident_q
from client_history.models import Client
from crm_workstation.admin import (
    BaseAdmin,
    EmployeeListFilter,
    clean_search_term,
    human_number_q,
    person_column,
)
from tasks.models import (
    CallScript,
    FollowUpDelay,
    InterviewResult,
    PurchaseOption,
    ServiceRequest,
    Task,
    TaskType,
)
from worksheets.admin import CrmAdmin
from worksheets.models import Purpose, Worksheet

# ЗД-000123, РЛ-000123, or just the digits.
_HUMAN_NUMBER = re.compile(r"^(\w{1,3}-)?\d+$")


class ReferenceItemAdmin(BaseAdmin):
    """A list ordered by hand: order and «используется» edited right in the changelist."""

    list_display = ("name", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    ordering = ("order", "name")


@admin.register(TaskType)
class TaskTypeAdmin(ReferenceItemAdmin):
    # The code is the programs' name for the type; people know it by its name.
    list_display = ("name", "order", "is_active")
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
    fields = (
        "name",
        "behaviour",
        "allows_control",
        "counts_as_booking",
        "follow_up_days",
        "order",
        "is_active",
    )


@admin.register(FollowUpDelay)
class FollowUpDelayAdmin(BaseAdmin):
    """When the new-task form suggests the next call after each outcome."""

    list_display = ("outcome", "days")
    list_editable = ("days",)
    ordering = ("outcome",)


@admin.register(CallScript)
class CallScriptAdmin(BaseAdmin):
    """The text a manager reads on the call, per task type and purpose."""

    list_display = ("task_type", "purpose", "text_start")
    list_filter = ("task_type", "purpose")
    list_select_related = ("task_type", "purpose")
    search_fields = ("text",)
    fields = ("task_type", "purpose", "text")

    @admin.display(description=_("текст"))
    def text_start(self, script: CallScript) -> str:
        return script.text[:120] + ("…" if len(script.text) > 120 else "")


class TaskAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        # The status is read-only here: a task taken into work keeps an executor (the
        # database holds this too, SPEC §4.1).
        needs_executor = (Task.Status.IN_WORK, Task.Status.ON_CONTROL, Task.Status.DONE)
        if self.instance.status in needs_executor and (
            "executor" in cleaned and cleaned["executor"] is None
        ):
            self.add_error(
                "executor",
                gettext("У задачи в работе, на контроле или завершённой должен быть исполнитель."),
            )
        return cleaned


@admin.register(Task)
class TaskAdmin(CrmAdmin):
    """Tasks of the user's departments. The status and the result are the task window's to
    change (SPEC §4.1), so they are read-only here; a head with the right to reassign tasks
    changes the executor."""

    form = TaskAdminForm
    scope_department_field = "department"
    executor_name = person_column("executor", _("исполнитель"))
    created_by_name = person_column("created_by", _("создал"))
    list_display = (
        "number",
        "planned_at",
        "status",
        "task_type",
        "client",
        "executor_name",
        "outcome",
        "goal_done",
    )
    list_filter = (
        "status",
        "task_type",
        ("executor", EmployeeListFilter),
        "outcome",
        "goal_completed",
        "department",
    )
    list_select_related = ("task_type", "worksheet__client", "executor")
    ordering = ("-id",)  # the primary key's index: no sort of the whole table per page
    search_fields = ("number", "worksheet__number", "worksheet__client__name")
    search_help_text = _("Номер задачи (ЗД-000123), номер рабочего листа или имя клиента.")
    autocomplete_fields = ("worksheet", "vehicle", "previous_task", "involved_from", "copied_from")
    result_fields = (
        "status",
        "outcome",
        "interview_result",
        "purchase_option",
        "comment",
        "reported_mileage",
        "wrong_data",
        "goal_completed",
        "copied_from",
        "taken_at",
        "finished_at",
    )
    readonly_fields = ("number", "created_by_name", "created_at", *result_fields)
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
                    "created_by_name",
                    "created_at",
                    "taken_at",
                    "finished_at",
                )
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.has_perm("tasks.reassign_task"):
            readonly.append("executor")
        return readonly

    @admin.display(description=_("цель"), boolean=True, ordering="goal_completed")
    def goal_done(self, obj: Task) -> bool:
        # «Работа по цели завершена» is the field's name; the column is narrow.
        return obj.goal_completed

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


@admin.register(ServiceRequest)
class ServiceRequestAdmin(CrmAdmin):
    scope_department_field = "worksheet__department"
    created_by_name = person_column("created_by", _("создал"))
    list_display = (
        "number",
        "desired_at",
        "status",
        "worksheet__client",
        "vehicle",
        "workshop",
        "created_by_name",
    )
    list_filter = ("status", "worksheet__department__branch", "workshop")
    list_select_related = ("worksheet__client", "vehicle", "workshop", "created_by")
    date_hierarchy = "desired_at"
    search_fields = ("number", "worksheet__client__name", "vehicle__vin", "vehicle__plate")
    search_help_text = _("Номер заявки, имя клиента, VIN или госномер.")
    autocomplete_fields = ("worksheet", "task", "vehicle", "arrived_order")
    readonly_fields = ("number", "created_by_name", "created_at")
    fields = (
        "number",
        "worksheet",
        "task",
        "vehicle",
        "workshop",
        "desired_at",
        "requested_works",
        "purchase_option",
        "comment",
        "status",
        "arrived_order",
        "created_by_name",
        "created_at",
    )

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        q = (
            client_name_q(term, "worksheet__client__")
            | vehicle_ident_q(term, "vehicle__")
            | human_number_q(term)
        )
        return queryset.filter(q), False
