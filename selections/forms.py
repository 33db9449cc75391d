"""Forms of the selections app."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm_workstation.models import Department, Workshop
from selections.models import SelectionKind
from selections.rules import month_bounds, parameters_help_html, rule_spec, validate_parameters

# A make is letters (Latin or Cyrillic), digits, spaces, dots, hyphens: "Lada", "Mercedes-Benz".
_MAKE = re.compile(r"^[\w .\-]+$")


class SelectionKindForm(forms.ModelForm):
    """A selection kind, with its rule's parameters validated against the rule's spec."""

    class Meta:
        model = SelectionKind
        fields = (
            "name",
            "department",
            "rule",
            "parameters",
            "task_type",
            "purpose",
            "is_active",
            "makes",
            "vehicle_age_min",
            "vehicle_age_max",
            "exclude_do_not_call",
            "exclude_without_valid_phone",
        )
        widgets = {"parameters": forms.Textarea(attrs={"rows": 6, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "parameters" in self.fields:
            self.fields["parameters"].help_text = parameters_help_html()

    def clean_makes(self) -> str:
        raw = self.cleaned_data.get("makes", "")
        if not raw.strip():
            return ""
        makes: list[str] = []
        for position, part in enumerate(raw.split(","), start=1):
            make = " ".join(part.split())
            if not make:
                raise ValidationError(
                    _(
                        "Пустая марка в списке (позиция %(position)s): "
                        "перечислите марки через запятую, например «Haval, Chery, Kia»."
                    ),
                    code="empty_make",
                    params={"position": position},
                )
            if not _MAKE.match(make):
                raise ValidationError(
                    _(
                        "Марка «%(make)s» содержит недопустимые символы: "
                        "перечислите марки через запятую, например «Haval, Chery, Kia»."
                    ),
                    code="invalid_make",
                    params={"make": make},
                )
            if make.casefold() not in {m.casefold() for m in makes}:
                makes.append(make)
        return ", ".join(makes)

    def clean(self) -> dict:
        cleaned = super().clean()
        rule = cleaned.get("rule")
        # Without a valid rule (or with unparsable JSON) the field already carries its error.
        if rule and "parameters" not in self.errors:
            try:
                cleaned["parameters"] = validate_parameters(rule, cleaned.get("parameters"))
            except ValidationError as error:
                self.add_error("parameters", error)
        age_min = cleaned.get("vehicle_age_min")
        age_max = cleaned.get("vehicle_age_max")
        if age_min is not None and age_max is not None and age_min > age_max:
            self.add_error(
                "vehicle_age_max",
                ValidationError(
                    _("Возраст «до» (%(max)s) не может быть меньше возраста «от» (%(min)s)."),
                    code="age_range",
                    params={"min": age_min, "max": age_max},
                ),
            )
        return cleaned


class Period(models.TextChoices):
    """The period picker's presets (SPEC §7.1)."""

    THIS_MONTH = "this_month", _l("Этот месяц")
    NEXT_MONTH = "next_month", _l("Следующий месяц")
    LAST_MONTH = "last_month", _l("Прошлый месяц")
    CUSTOM = "custom", _l("Свой период")


PRESET_OFFSETS = {Period.THIS_MONTH: 0, Period.NEXT_MONTH: 1, Period.LAST_MONTH: -1}
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
MAX_PERIOD_DAYS = 366


class RunSelectionForm(forms.Form):
    """ЦФО → вид выборки → (цех, for a kind by workshop) → период → «Выбрать лиды»."""

    department = forms.ModelChoiceField(
        label=_l("ЦФО"), queryset=Department.objects.none(), empty_label=_l("— выберите ЦФО —")
    )
    kind = forms.ModelChoiceField(
        label=_l("Вид выборки"),
        queryset=SelectionKind.objects.none(),
        empty_label=_l("— выберите вид выборки —"),
    )
    workshop = forms.ModelChoiceField(
        label=_l("Цех"),
        queryset=Workshop.objects.none(),
        required=False,
        empty_label=_l("— выберите цех —"),
    )
    period = forms.ChoiceField(
        label=_l("Период"),
        choices=Period.choices,
        initial=Period.NEXT_MONTH,
        widget=forms.RadioSelect,
    )
    date_from = forms.DateField(
        label=_l("с"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_l("по"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, departments, today: dt.date, redraw_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        if redraw_url:
            # Choosing the ЦФО or the kind re-draws the form: the kinds of that ЦФО, and the
            # «Цех» field for a kind by workshop.
            for name in ("department", "kind"):
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": redraw_url,
                        "hx-target": "#run-form",
                        "hx-swap": "outerHTML",
                        "hx-include": "#run-form",
                    }
                )
        self.fields["department"].queryset = departments
        department = self._chosen("department", departments)
        kinds = (
            SelectionKind.objects.filter(department=department, is_active=True).order_by("name")
            if department is not None
            else SelectionKind.objects.none()
        )
        self.fields["kind"].queryset = kinds
        self.department = department
        self.kind = self._chosen("kind", kinds)
        self.fields["workshop"].queryset = (
            Workshop.objects.filter(branch_id=department.branch_id).order_by("name")
            if department is not None
            else Workshop.objects.none()
        )
        if self.kind is not None and self.kind.by_workshop:
            self.fields["workshop"].required = True

    def _chosen(self, name: str, queryset):
        """The object chosen in `name` so far (bound data or initial), if it is offered."""
        raw = self.data.get(name) if self.is_bound else self.initial.get(name)
        if hasattr(raw, "pk"):
            raw = raw.pk
        if raw is None or not str(raw).isdecimal() or len(str(raw)) > 18:
            return None
        return queryset.filter(pk=raw).first()

    @property
    def kind_description(self) -> str:
        if self.kind is None:
            return ""
        return str(rule_spec(self.kind.rule).description)

    @property
    def shows_workshop(self) -> bool:
        return self.kind is not None and self.kind.by_workshop

    def clean(self) -> dict:
        cleaned = super().clean()
        period = cleaned.get("period")
        if period in PRESET_OFFSETS:
            cleaned["date_from"], cleaned["date_to"] = month_bounds(
                self.today, PRESET_OFFSETS[period]
            )
        elif period == Period.CUSTOM:
            date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
            for name, value in (("date_from", date_from), ("date_to", date_to)):
                if name in self.errors:
                    continue
                if value is None:
                    self.add_error(name, _("Укажите дату."))
                elif not EARLIEST <= value <= LATEST:
                    self.add_error(name, _("Укажите дату между 01.01.1900 и 31.12.2999."))
            if not self.errors and date_from > date_to:
                self.add_error("date_to", _("Дата «по» не может быть раньше даты «с»."))
            elif not self.errors and (date_to - date_from).days >= MAX_PERIOD_DAYS:
                self.add_error("date_to", _("Период не длиннее года: выберите не больше 366 дней."))
        if not (cleaned.get("kind") and cleaned["kind"].by_workshop):
            cleaned["workshop"] = None
        return cleaned
