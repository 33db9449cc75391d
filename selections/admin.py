"""Admin of selection kinds, importer-file variants, and (read-only) the batches of leads."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from client_history.admin import client_name_q, vehicle_ident_q
from crm_workstation.admin import (
    BaseAdmin,
    ScopedAdminMixin,
    clean_search_term,
    department_column,
    person_column,
)
from selections.forms import PARAMETER_FIELDS, SelectionKindForm
from selections.models import ImporterColumnAlias, ImporterVariant, Lead, LeadBatch, SelectionKind
from selections.rules import RULES


@admin.register(SelectionKind)
class SelectionKindAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Configured by a department head for their own departments (SPEC §7.1)."""

    form = SelectionKindForm
    scope_department_field = "department"
    department_name = department_column()
    list_display = ("name", "department_name", "rule", "task_type", "purpose", "is_active")
    list_editable = ("is_active",)
    list_filter = ("department", "rule", "is_active")
    list_select_related = ("department__branch", "task_type", "purpose")
    search_fields = ("name",)
    ordering = ("department__branch__name", "department__name", "name")
    fieldsets = (
        (None, {"fields": ("name", "department", "rule", "task_type", "purpose")}),
        # One fieldset per rule with its parameters; the page shows the chosen rule's
        # (static/js/selection_kind_admin.js), and only the chosen rule's values are saved.
        *(
            (
                format_lazy(_("Параметры правила «{}»"), spec.rule.label),
                {
                    "fields": tuple(PARAMETER_FIELDS[rule]),
                    "classes": ("rule-parameters", f"rule-{rule}"),
                    "description": spec.description
                    if spec.parameters
                    else format_lazy("{} {}", spec.description, _("Параметров у правила нет.")),
                },
            )
            for rule, spec in RULES.items()
        ),
        (
            _("Общие фильтры"),
            {
                "fields": (
                    "makes",
                    ("vehicle_age_min", "vehicle_age_max"),
                    "exclude_do_not_call",
                    "exclude_without_valid_phone",
                    "is_active",
                )
            },
        ),
    )

    class Media:
        js = ("js/selection_kind_admin.js",)


class ImporterColumnAliasInline(admin.TabularInline):
    model = ImporterColumnAlias
    extra = 0
    fields = ("field", "alias")


@admin.register(ImporterVariant)
class ImporterVariantAdmin(BaseAdmin):
    list_display = ("name", "code", "task_type", "purpose", "max_rows", "alias_count", "is_active")
    list_editable = ("is_active",)
    list_filter = ("is_active", "task_type")
    list_select_related = ("task_type", "purpose")
    search_fields = ("name", "code", "aliases__alias")
    ordering = ("name",)
    fields = ("name", "code", "task_type", "purpose", "max_rows", "is_active")
    inlines = (ImporterColumnAliasInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(alias_total=Count("aliases"))

    @admin.display(description=_("названий колонок"), ordering="alias_total")
    def alias_count(self, obj: ImporterVariant) -> int:
        return obj.alias_total


class ReadOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Written by the Selections tab only: listed and shown here, never added or edited."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(LeadBatch)
class LeadBatchAdmin(ReadOnlyAdmin):
    scope_department_field = "department"
    created_by_name = person_column("created_by", _("создал"))
    list_display = (
        "id",
        "kind",
        "source",
        "department",
        "period_from",
        "period_to",
        "status",
        "total_rows",
        "created_by_name",
        "created_at",
        "leads_link",
    )
    list_display_links = ("id", "source")
    list_filter = ("kind", "status", "department")
    list_select_related = (
        "selection_kind",
        "importer_variant",
        "department__branch",
        "created_by",
    )
    search_fields = ("file_name", "selection_kind__name", "importer_variant__name")
    date_hierarchy = "created_at"
    readonly_fields = ("leads_link", "created_by_name")
    exclude = ("created_by",)  # shown by name

    @admin.display(description=_("источник"))
    def source(self, obj: LeadBatch) -> str:
        return str(obj.selection_kind or obj.importer_variant or obj.file_name or "—")

    @admin.display(description=_("лиды"))
    def leads_link(self, obj: LeadBatch) -> str:
        url = reverse("admin:selections_lead_changelist")
        return format_html(
            '<a href="{}?batch__id__exact={}">{}</a>', url, obj.pk, gettext("Лиды пакета")
        )


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    scope_department_field = "batch__department"
    list_display = (
        "__str__",
        "batch",
        "client",
        "vehicle",
        "due_date",
        "match",
        "is_usable",
        "selected",
        "result",
        "skip_reason",
    )
    list_filter = ("result", "match", "is_usable", "selected")
    list_select_related = (
        "batch__selection_kind",
        "batch__importer_variant",
        "client",
        "vehicle",
    )
    search_fields = ("client__name", "vehicle__vin", "vehicle__plate")
    search_help_text = _("Имя клиента, VIN или госномер.")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        q = client_name_q(term, "client__") | vehicle_ident_q(term, "vehicle__")
        return queryset.filter(q), False
