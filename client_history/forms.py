from django import forms
from django.utils.translation import gettext_lazy as _


class DoNotCallForm(forms.Form):
    """The «не звонить» switch: the buttons send an explicit 1 or 0, so nothing is guessed."""

    do_not_call = forms.TypedChoiceField(
        label=_("Не звонить"),
        choices=[("1", _("Да")), ("0", _("Нет"))],
        coerce=lambda value: value == "1",
        error_messages={
            "required": _("Не указано значение отметки «Не звонить»."),
            "invalid_choice": _("Недопустимое значение отметки «Не звонить»."),
        },
    )
