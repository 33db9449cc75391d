"""The search and filters of «Этапы сделок» (SPEC §5.2): every field lives in the query string."""

import django_filters
from django.apps import apps
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from crm_workstation.models import Department
from crm_workstation.scoping import filter_by_department, user_scope
from worksheets.models import Purpose, Worksheet
from worksheets.selectors import search_worksheets

NO_SUCH = _("Такого значения нет: выберите из списка.")


class StagesFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Клиент"),
        method="filter_search",
        max_length=200,
    )
    department = django_filters.ModelChoiceFilter(
        label=_("ЦФО"), queryset=Department.objects.none(), empty_label=_("Все ЦФО")
    )
    purpose = django_filters.ModelChoiceFilter(
        label=_("Цель"), queryset=Purpose.objects.none(), empty_label=_("Все цели")
    )
    task_type = django_filters.ModelChoiceFilter(
        label=_("Вид задачи"),
        queryset=Purpose.objects.none(),  # the tasks app's TaskType, set per instance
        empty_label=_("Все виды"),
        method="filter_task_type",
    )

    class Meta:
        model = Worksheet
        fields: list[str] = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        departments = Department.objects.select_related("branch").order_by("branch__name", "name")
        if not user_scope(user).all_access:
            departments = filter_by_department(departments, user, field="pk")
        self.filters["department"].queryset = departments
        self.filters["purpose"].queryset = Purpose.objects.filter(is_active=True)
        self.filters["task_type"].queryset = apps.get_model("tasks", "TaskType").objects.filter(
            is_active=True
        )
        form = self.form
        form.fields["q"].widget.attrs.update(
            {
                "type": "search",
                "placeholder": _("ФИО, телефон, госномер, VIN"),
                "autocomplete": "off",
            }
        )
        form.fields["q"].error_messages["max_length"] = _("Не длиннее 200 знаков.")
        for name in ("department", "purpose", "task_type"):
            form.fields[name].error_messages["invalid_choice"] = NO_SUCH

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_worksheets(queryset, user=self.user, query=value)

    def filter_task_type(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Worksheets with a task of this type."""
        task_model = apps.get_model("tasks", "Task")
        return queryset.filter(
            Exists(task_model.objects.filter(worksheet_id=OuterRef("pk"), task_type=value))
        )

    def apply(self, queryset: QuerySet) -> QuerySet:
        """The valid part of the filter over `queryset`; a field with an error is left out
        (the page says which and why)."""
        self.errors  # noqa: B018 - validates the form, so cleaned_data holds the valid fields
        return self.filter_queryset(queryset)
