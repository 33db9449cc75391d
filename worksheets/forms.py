"""The worksheet window's form of the responsible executor (a department head's)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from worksheets.models import Worksheet
from worksheets.selectors import department_staff


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class ResponsibleForm(forms.Form):
    responsible = PersonChoiceField(
        label=_("Ответственный исполнитель"),
        queryset=Worksheet.objects.none(),
        required=False,
        empty_label=_("— не назначен —"),
        error_messages={"invalid_choice": _("Этот сотрудник не работает в ЦФО рабочего листа.")},
    )

    def __init__(self, *args, worksheet: Worksheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = department_staff(
            departments=[worksheet.department_id]
        )
