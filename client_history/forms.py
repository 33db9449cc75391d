from django import forms


class DoNotCallForm(forms.Form):
    """The «не звонить» switch: the buttons send an explicit 1 or 0, so nothing is guessed."""

    do_not_call = forms.TypedChoiceField(
        label="Не звонить",
        choices=[("1", "Да"), ("0", "Нет")],
        coerce=lambda value: value == "1",
        error_messages={
            "required": "Не указано значение отметки «Не звонить».",
            "invalid_choice": "Недопустимое значение отметки «Не звонить».",
        },
    )
