"""Spreadsheet cells into values: one layer for every file the CRM reads.

The DMS import (`client_history.dms_import`) and the importer-file reader
(`selections.importer`) both read rows of cells that a person or another system typed: Excel
dates and date-times, Excel serial numbers, `ДД.ММ.ГГГГ` and `ГГГГ-ММ-ДД` text, numbers with
spaces, mileage such as `45 000 км`, VINs and plates with look-alike letters, cells with several
phones. `Cells` reads one row's values column by column; a value that cannot be read raises
`BadRow` with the Russian reason, naming the column by its label (the DMS files' column codes,
the importer file's header as the file spells it).

Vehicle identifiers and phones are normalised by `crm_workstation.identifiers` and
`crm_workstation.phones`; this module only turns a cell into their input and a failure into a
row reason.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.db import models
from openpyxl.utils.datetime import from_excel

from crm_workstation.identifiers import normalise_plate, normalise_vin
from crm_workstation.phones import COUNTRY_CODE, PhoneReading, read_phones


class BadRow(Exception):
    """A value of a row cannot be read; the message is the row's reason, in Russian."""


_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_EXCEL_SERIAL = re.compile(r"\d{5}")
_INTEGER = re.compile(r"-?\d+(?:[.,]0+)?")
_FRACTION = re.compile(r"[.,]")
# `45000 км`, `45 000 km`, `45000км.`: the unit after a mileage is dropped.
_KM_SUFFIX = re.compile(r"(?:км|km)\.?$", re.IGNORECASE)
# 1 January 1900 .. 31 December 9999 as Excel serial numbers.
_EXCEL_SERIAL_RANGE = (1, 2_958_465)
# One Russian number and nothing else (`+7 (912) 345-67-89`, `89123456789`, `912 345 67 89`):
# most phone cells of a file. Such a cell is read without the text matcher.
_PLAIN_PHONE = re.compile(r"\+?[\d\s\-()]{10,20}")
_DIGIT = re.compile(r"\d")


def _plain_national(text: str) -> str | None:
    """The ten national digits of a cell that is one plainly written Russian number in an
    unambiguous form (+7/7/8 and ten digits, or ten digits starting with 9), else None."""
    if not _PLAIN_PHONE.fullmatch(text):
        return None
    digits = "".join(_DIGIT.findall(text))
    if len(digits) == 11 and (digits[0] == "7" or (digits[0] == "8" and text[0] != "+")):
        return digits[1:]
    if len(digits) == 10 and digits[0] == "9" and text[0] != "+":
        return digits
    return None


_TRUE = {"1", "да", "д", "yes", "y", "true", "истина", "+", "x", "х"}
_FALSE = {"0", "нет", "н", "no", "n", "false", "ложь", "-"}

VIN_RULE = "нужно 17 знаков — латинские буквы без I, O, Q и цифры"
MAX_MILEAGE = 2_000_000


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


def text_key(value: Any) -> str:
    """A label as compared with known names: trimmed, lower-cased, `ё`→`е`, punctuation and
    repeated spaces removed (`Гос. номер` = `гос номер`, `Пробег, км` = `пробег км`)."""
    text = cell_text(value).casefold().replace("ё", "е")
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def excel_date(serial: float) -> dt.date:
    """An Excel serial day number as a date; ValueError outside 1900–9999."""
    if not _EXCEL_SERIAL_RANGE[0] <= serial <= _EXCEL_SERIAL_RANGE[1]:
        raise ValueError(serial)
    return from_excel(serial).date()


class Cells:
    """One data row, read column by column into values; a bad value raises `BadRow`.

    `labels` names the columns in reasons (`{"last_visit": "Последний визит"}`); a column
    without a label is named by its key.
    """

    def __init__(self, values: dict[str, Any], labels: dict[str, str] | None = None) -> None:
        self.values = values
        self.labels = labels or {}

    def has(self, column: str) -> bool:
        return column in self.values

    def label(self, column: str) -> str:
        return self.labels.get(column, column)

    def raw(self, column: str) -> Any:
        """The cell as the file has it; every other reader goes through here."""
        value = self.values.get(column)
        # PostgreSQL cannot store a NUL character (SQLite can): the row is bad on both.
        if isinstance(value, str) and "\x00" in value:
            raise BadRow(
                f"«{self.label(column)}»: в значении нулевой байт (символ NUL, \\x00), "
                "такое значение не сохраняется — исправьте ячейку"
            )
        return value

    def text(self, column: str, *, max_length: int | None = None, required: bool = False) -> str:
        text = cell_text(self.raw(column))
        if required and not text:
            raise BadRow(f"не заполнено поле «{self.label(column)}»")
        if max_length is not None and len(text) > max_length:
            raise BadRow(f"«{self.label(column)}»: длиннее {max_length} символов")
        return text

    def field(self, model: type[models.Model], column: str, *, required: bool = False) -> str:
        """Text for the model field of the same name, no longer than that field allows."""
        return self.text(column, max_length=max_length_of(model, column), required=required)

    def date(self, column: str, *, required: bool = False) -> dt.date | None:
        """An Excel date or date-time, an Excel serial number, `ДД.ММ.ГГГГ` or `ГГГГ-ММ-ДД`."""
        value = self.raw(column)
        if blank(value):
            if required:
                raise BadRow(f"не заполнено поле «{self.label(column)}»")
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = cell_text(value)
        try:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return excel_date(float(value))
            if _EXCEL_SERIAL.fullmatch(text):
                return excel_date(float(text))
            if match := _DMY.fullmatch(text):
                day, month, year = (int(part) for part in match.groups())
                return dt.date(year, month, day)
            if match := _YMD.fullmatch(text):
                year, month, day = (int(part) for part in match.groups())
                return dt.date(year, month, day)
        except (ValueError, OverflowError, TypeError, AttributeError):
            raise BadRow(f"«{self.label(column)}»: даты «{text}» не существует") from None
        raise BadRow(
            f"«{self.label(column)}»: дата «{text}» не распознана (нужно ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)"
        )

    def integer(
        self, column: str, *, minimum: int, maximum: int, required: bool = False
    ) -> int | None:
        value = self.raw(column)
        if blank(value):
            if required:
                raise BadRow(f"не заполнено поле «{self.label(column)}»")
            return None
        text = _SPACES.sub("", cell_text(value))
        if isinstance(value, bool) or not _INTEGER.fullmatch(text):
            raise BadRow(f"«{self.label(column)}»: «{text}» — не целое число")
        number = int(_FRACTION.split(text)[0])
        if not minimum <= number <= maximum:
            raise BadRow(
                f"«{self.label(column)}»: {number} вне допустимых значений {minimum}–{maximum}"
            )
        return number

    def mileage(self, column: str, *, maximum: int = MAX_MILEAGE) -> int | None:
        """Whole kilometres: a number, or text such as `45 000` or `45000 км`."""
        value = self.raw(column)
        if isinstance(value, str):
            value = _KM_SUFFIX.sub("", _SPACES.sub("", value))
        return Cells({column: value}, self.labels).integer(column, minimum=0, maximum=maximum)

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
        label = self.label(column)
        try:
            number = Decimal(text).quantize(Decimal(1).scaleb(-model_field.decimal_places))
        except (InvalidOperation, ValueError):
            raise BadRow(f"«{label}»: «{text}» — не число") from None
        limit = Decimal(10) ** (model_field.max_digits - model_field.decimal_places)
        if not number.is_finite() or abs(number) >= limit:
            raise BadRow(f"«{label}»: {text} — слишком большое число")
        if positive and number <= 0:
            raise BadRow(f"«{label}»: {text} — должно быть больше нуля")
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
        raise BadRow(f"«{self.label(column)}»: «{text}» — ожидается 1/0 или да/нет")

    def choice(self, column: str, *, mapping: dict[str, str], default: str | None = None) -> str:
        text = cell_text(self.raw(column))
        if not text:
            if default is None:
                raise BadRow(f"не заполнено поле «{self.label(column)}»")
            return default
        key = " ".join(text.casefold().replace("ё", "е").replace(".", " ").split())
        code = mapping.get(key) or mapping.get(key.replace(" ", ""))
        if code is None:
            accepted = ", ".join(sorted({k for k in mapping if not k.isascii()}))
            raise BadRow(
                f"«{self.label(column)}»: неизвестное значение «{text}» (допустимо: {accepted})"
            )
        return code

    def vin(self, column: str) -> str:
        """The VIN normalised (`crm_workstation.identifiers.normalise_vin`), "" when blank."""
        raw = self.text(column)
        if not raw:
            return ""
        vin = normalise_vin(raw)
        if vin is None:
            raise BadRow(f"VIN «{raw}» некорректен: {VIN_RULE}")
        return vin

    def plate(self, column: str, *, max_length: int) -> str:
        """The plate normalised (`normalise_plate`), "" when blank."""
        plate = normalise_plate(self.text(column))
        if len(plate) > max_length:
            raise BadRow(f"госномер «{plate}» длиннее {max_length} символов")
        return plate

    def phones(self, column: str) -> list[PhoneReading]:
        """Every number of the cell, valid or not (`crm_workstation.phones.read_phones`).

        A cell holding one plainly written number is validated directly (the same
        `phonenumbers` validity, about five times faster than finding numbers in text); any
        other cell, and a plain one that is not a valid number, goes to `read_phones`.
        """
        value = self.raw(column)
        text = cell_text(value)
        national = _plain_national(text)
        if national:
            number = phonenumbers.PhoneNumber(
                country_code=COUNTRY_CODE, national_number=int(national)
            )
            if phonenumbers.is_valid_number(number):
                return [PhoneReading(number=f"+7{national}", raw=text)]
        return read_phones(value)


def choices_mapping(
    choices: type[models.TextChoices], extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Accepted spellings (code or Russian label, any case) → the stored code."""
    mapping = {}
    for value, label in choices.choices:
        mapping[value] = value
        mapping[str(label).casefold()] = value
    return mapping | (extra or {})


def max_length_of(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


def decimal_field_of(model: type[models.Model], name: str) -> models.DecimalField:
    return model._meta.get_field(name)
