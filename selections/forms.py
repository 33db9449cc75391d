"""Forms of the selections app."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from selections.models import SelectionKind
from selections.rules import parameters_help_html, validate_parameters

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
