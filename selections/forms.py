"""Forms of the selections app."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from client_history.models import RepairOrder
from crm_workstation.models import Department, Workshop
from selections.models import SelectionKind
from selections.rules import (
    RULES,
    IntParameter,
    Parameter,
    month_bounds,
    rule_spec,
    validate_parameters,
)

# A make is letters (Latin or Cyrillic), digits, spaces, dots, hyphens: "Lada", "Mercedes-Benz".
_MAKE = re.compile(r"^[\w .\-]+$")


def parameter_field_name(rule: str, name: str) -> str:
    """The admin form's field for one parameter of one rule: `maintenance_due__interval_km`."""
    return f"{rule}__{name}"


def _parameter_field(parameter: Parameter) -> forms.Field:
    """A labelled form field for a rule parameter; empty means the parameter's default."""
    label = capfirst(parameter.label)
    if isinstance(parameter, IntParameter):
        return forms.IntegerField(
            label=label,
            required=False,
            min_value=parameter.min_value,
            max_value=parameter.max_value,
            initial=parameter.default,
            help_text=format_lazy(
                "{} {}",
                parameter.help,
                _l("От %(min)s до %(max)s; пусто — %(default)s.")
                % {
                    "min": parameter.min_value,
                    "max": parameter.max_value,
                    "default": parameter.default,
                },
            ),
            widget=forms.NumberInput(attrs={"class": "vIntegerField"}),
        )
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=RepairOrder.Kind.choices,
        initial=list(parameter.default),
        help_text=format_lazy(
            "{} {}", parameter.help, _l("Ничего не отмечено — как по умолчанию.")
        ),
        widget=forms.CheckboxSelectMultiple,
    )


# Every rule's parameters as fields of the kind's form: the admin shows the chosen rule's.
PARAMETER_FIELDS: dict[str, dict[str, forms.Field]] = {
    rule: {
        parameter_field_name(rule, parameter.name): _parameter_field(parameter)
        for parameter in spec.parameters
    }
    for rule, spec in RULES.items()
}


class SelectionKindForm(forms.ModelForm):
    """A selection kind: the rule's parameters are fields with labels, units and bounds (no
    JSON), validated against the rule's spec; only the chosen rule's fields count."""

    class Meta:
        model = SelectionKind
        fields = (
            "name",
            "department",
            "rule",
            "task_type",
            "purpose",
            "is_active",
            "makes",
            "vehicle_age_min",
            "vehicle_age_max",
            "exclude_do_not_call",
            "exclude_without_valid_phone",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rule = self.data.get("rule") if self.is_bound else (self.instance.rule or None)
        self.chosen_rule = rule if rule in RULES else None
        # The kind's own values in its rule's fields; the other rules' fields show defaults.
        if self.instance.pk and self.instance.rule in RULES:
            try:
                stored = validate_parameters(self.instance.rule, self.instance.parameters)
            except ValidationError:
                stored = RULES[self.instance.rule].defaults()
            for name, value in stored.items():
                self.initial[parameter_field_name(self.instance.rule, name)] = value
        for rule_value, fields in PARAMETER_FIELDS.items():
            for name in fields:
                # Another rule's fields are ignored: what they post is never validated.
                if self.is_bound and rule_value != self.chosen_rule and name in self.fields:
                    self.fields[name].disabled = True

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
        if rule in RULES:
            given = {}
            for parameter in RULES[rule].parameters:
                name = parameter_field_name(rule, parameter.name)
                value = cleaned.get(name)
                if name not in self.errors and value not in (None, "", []):
                    if isinstance(value, list):  # in the order the kinds are listed
                        value = [kind for kind in RepairOrder.Kind.values if kind in value]
                    given[parameter.name] = value
            try:
                self.instance.parameters = validate_parameters(rule, given)
            except ValidationError as error:
                for problem in error.error_list:
                    self.add_error(None, problem)
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


for _fields in PARAMETER_FIELDS.values():
    # Declared fields of the form, so the admin's form factory accepts them in fieldsets.
    SelectionKindForm.base_fields.update(_fields)
    SelectionKindForm.declared_fields.update(_fields)


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
