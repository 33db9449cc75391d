"""The upload form of «Загрузить из файла», and the upload handler that refuses a file over
the size limit while it arrives (before anything reads it)."""

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from selections.models import ImporterVariant


def too_large_message() -> str:
    limit = settings.IMPORTER_MAX_UPLOAD_BYTES
    return _(
        "Файл больше допустимых %(limit)s МБ и не загружен. Разделите его на части или "
        "удалите лишние листы и колонки."
    ) % {"limit": f"{limit / 1024 / 1024:g}"}


class UploadLimitHandler(FileUploadHandler):
    """Counts an uploaded file's bytes as they arrive; past IMPORTER_MAX_UPLOAD_BYTES the
    file is dropped (the rest of it is read and discarded, never stored) and `too_large`
    tells the view why the file is missing."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0
        self.too_large = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.IMPORTER_MAX_UPLOAD_BYTES:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class ImporterUploadForm(forms.Form):
    variant = forms.ModelChoiceField(
        label=gettext_lazy("Вариант файла"),
        queryset=ImporterVariant.objects.filter(is_active=True),
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("Выберите вариант файла из списка.")},
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("ЦФО"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("Выберите ЦФО из списка.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Файл .xlsx"),
        error_messages={
            "required": gettext_lazy("Выберите файл импортера (.xlsx)."),
            "empty": gettext_lazy("Файл пуст."),
            "invalid": gettext_lazy("Файл не получен; выберите его снова."),
        },
    )

    def __init__(self, *args, departments, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > settings.IMPORTER_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message())
        return file
