"""Cell values: one data row read column by column into model values (or `BadRow`)."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from openpyxl.utils.datetime import from_excel

from client_history.models import (
    Client,
    RepairOrder,
    RepairOrderLine,
)
from crm_workstation.models import Department


class BadRow(Exception):
    """Raised while parsing a row: the row is skipped with this reason."""


_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_EXCEL_SERIAL = re.compile(r"\d{5}")
_INTEGER = re.compile(r"-?\d+(?:[.,]0+)?")

_TRUE = {"1", "да", "д", "yes", "y", "true", "истина", "+", "x", "х"}
_FALSE = {"0", "нет", "н", "no", "n", "false", "ложь", "-"}


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%d.%m.%Y}"
    return str(value).strip()


def _choices(
    choices: type[models.TextChoices], extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Accepted spellings (code or Russian label, any case) → the stored code."""
    mapping = {}
    for value, label in choices.choices:
        mapping[value] = value
        mapping[str(label).casefold()] = value
    return mapping | (extra or {})


CLIENT_KINDS = _choices(
    Client.Kind,
    {
        "физ": Client.Kind.PERSON,
        "физлицо": Client.Kind.PERSON,
        "фл": Client.Kind.PERSON,
        "юр": Client.Kind.COMPANY,
        "юрлицо": Client.Kind.COMPANY,
        "юл": Client.Kind.COMPANY,
        "организация": Client.Kind.COMPANY,
    },
)
DEPARTMENT_KINDS = _choices(Department.Kind)
ORDER_KINDS = _choices(
    RepairOrder.Kind,
    {
        "техобслуживание": RepairOrder.Kind.MAINTENANCE,
        "техническое обслуживание": RepairOrder.Kind.MAINTENANCE,
        "гарантийный ремонт": RepairOrder.Kind.WARRANTY,
        "кузовной ремонт": RepairOrder.Kind.BODY,
    },
)
LINE_KINDS = _choices(
    RepairOrderLine.Kind,
    {
        "работы": RepairOrderLine.Kind.WORK,
        "запчасти": RepairOrderLine.Kind.PART,
        "материал": RepairOrderLine.Kind.PART,
        "материалы": RepairOrderLine.Kind.PART,
    },
)


class Cells:
    """One data row, read column by column into model values; bad values raise `BadRow`."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def has(self, column: str) -> bool:
        return column in self.values

    def raw(self, column: str) -> Any:
        """The cell as the file has it; every other reader goes through here."""
        value = self.values.get(column)
        # PostgreSQL cannot store a NUL character (SQLite can): the row is bad on both.
        if isinstance(value, str) and "\x00" in value:
            raise BadRow(
                f"«{column}»: в значении нулевой байт (символ NUL, \\x00), "
                "такое значение не сохраняется — исправьте ячейку"
            )
        return value

    def text(self, column: str, *, max_length: int | None = None, required: bool = False) -> str:
        text = cell_text(self.raw(column))
        if required and not text:
            raise BadRow(f"не заполнено поле «{column}»")
        if max_length is not None and len(text) > max_length:
            raise BadRow(f"«{column}»: длиннее {max_length} символов")
        return text

    def field(self, model: type[models.Model], column: str, *, required: bool = False) -> str:
        """Text for the model field of the same name, no longer than that field allows."""
        return self.text(column, max_length=max_length_of(model, column), required=required)

    def date(self, column: str, *, required: bool = False) -> dt.date | None:
        value = self.raw(column)
        if blank(value):
            if required:
                raise BadRow(f"не заполнено поле «{column}»")
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = cell_text(value)
        try:
            if isinstance(value, int | float) or _EXCEL_SERIAL.fullmatch(text):
                return from_excel(float(text)).date()
            if match := _DMY.fullmatch(text):
                day, month, year = (int(part) for part in match.groups())
                return dt.date(year, month, day)
            if match := _YMD.fullmatch(text):
                year, month, day = (int(part) for part in match.groups())
                return dt.date(year, month, day)
        except (ValueError, OverflowError, TypeError, AttributeError):
            raise BadRow(f"«{column}»: даты «{text}» не существует") from None
        raise BadRow(f"«{column}»: дата «{text}» не распознана (нужно ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)")

    def integer(
        self, column: str, *, minimum: int, maximum: int, required: bool = False
    ) -> int | None:
        value = self.raw(column)
        if blank(value):
            if required:
                raise BadRow(f"не заполнено поле «{column}»")
            return None
        text = _SPACES.sub("", cell_text(value))
        if isinstance(value, bool) or not _INTEGER.fullmatch(text):
            raise BadRow(f"«{column}»: «{text}» — не целое число")
        number = int(re.split(r"[.,]", text)[0])
        if not minimum <= number <= maximum:
            raise BadRow(f"«{column}»: {number} вне допустимых значений {minimum}–{maximum}")
        return number

    def decimal(
        self,
        column: str,
        *,
        model_field: models.DecimalField,
        default: Decimal,
        positive: bool = False,
    ) -> Decimal:
        value = self.raw(column)
        if blank(value):
            return default
        text = _SPACES.sub("", cell_text(value)).replace(",", ".")
        try:
            number = Decimal(text).quantize(Decimal(1).scaleb(-model_field.decimal_places))
        except (InvalidOperation, ValueError):
            raise BadRow(f"«{column}»: «{text}» — не число") from None
        limit = Decimal(10) ** (model_field.max_digits - model_field.decimal_places)
        if not number.is_finite() or abs(number) >= limit:
            raise BadRow(f"«{column}»: {text} — слишком большое число")
        if positive and number <= 0:
            raise BadRow(f"«{column}»: {text} — должно быть больше нуля")
        return number

    def flag(self, column: str) -> bool:
        value = self.raw(column)
        if blank(value):
            return False
        if isinstance(value, bool):
            return value
        text = cell_text(value).casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise BadRow(f"«{column}»: «{text}» — ожидается 1/0 или да/нет")

    def choice(self, column: str, *, mapping: dict[str, str], default: str | None = None) -> str:
        text = cell_text(self.raw(column))
        if not text:
            if default is None:
                raise BadRow(f"не заполнено поле «{column}»")
            return default
        key = " ".join(text.casefold().replace("ё", "е").replace(".", " ").split())
        code = mapping.get(key) or mapping.get(key.replace(" ", ""))
        if code is None:
            accepted = ", ".join(sorted({k for k in mapping if not k.isascii()}))
            raise BadRow(f"«{column}»: неизвестное значение «{text}» (допустимо: {accepted})")
        return code


def max_length_of(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


def decimal_field_of(model: type[models.Model], name: str) -> models.DecimalField:
    return model._meta.get_field(name)
