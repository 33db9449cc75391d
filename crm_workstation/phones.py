"""One shared phone normaliser: the client data, the DMS import and the importer-file reader use it.

Built on `phonenumbers`, which parses, validates and formats: a Russian number in any of the
forms people type or spreadsheets hold (`8 (912) 345-67-89`, `+7 912 345 67 89`, `9123456789`)
becomes E.164 `+7XXXXXXXXXX` only when `phonenumbers` says it is a *valid* number (a possible
length is not enough: `+70000000000` is not a phone). Anything else keeps the text the source
gave and is an invalid phone, never stored as if it were normalised.
"""

import re
from dataclasses import dataclass

import phonenumbers

REGION = "RU"
COUNTRY_CODE = 7
# The only non-digit pattern of the project: search and the admin import it from here.
NON_DIGITS = re.compile(r"\D")
# Several numbers in one cell are separated by these (the importer files' README).
_SEPARATORS = re.compile(r"[,;/\n\r]+")
# `8 (812) 640-22-33, доб. 105`: the extension of the number before it, not a number.
_EXTENSION = re.compile(r"(доб|добавочный|вн|внутр|ext)\.?\s*\d+", re.IGNORECASE)


def only_digits(text: str) -> str:
    """The digits of `text`, in order: `8 (912) 345-67` → `891234567`."""
    return NON_DIGITS.sub("", text)


def _source_text(raw: object) -> str:
    """A cell as text; a spreadsheet's 89123456789.0 is the integer it shows."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def _e164_if_valid(number: phonenumbers.PhoneNumber) -> str | None:
    if number.country_code != COUNTRY_CODE or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phone(raw: object) -> str | None:
    """Return the number as +7XXXXXXXXXX, or None when `raw` is not one valid Russian number."""
    text = _source_text(raw)
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    # `parse` reads letters as a keypad's digits (a vanity number): a VIN fragment such as
    # WVWZZZ1KZ would become a phone. Only numbers whose digits were typed count.
    if str(number.national_number) not in only_digits(text):
        return None
    return _e164_if_valid(number)


@dataclass(frozen=True)
class PhoneReading:
    """One number of a source cell: `number` is +7XXXXXXXXXX, or "" when it is not valid;
    `raw` is the text the source gave for it."""

    number: str
    raw: str

    @property
    def is_valid(self) -> bool:
        return bool(self.number)


def read_phones(text: object) -> list[PhoneReading]:
    """Every number of a cell such as `тел. 8 905 552-66-78 (жена); 12-34`, valid or not.

    The cell is split at `,` `;` `/` and line breaks. A part with valid Russian numbers gives
    each of them (its raw text the whole part when it holds one number, so «(жена)» stays);
    a part with digits but no valid number gives one invalid reading of the part's text;
    a part without digits («нет») or only an extension («доб. 105») gives nothing. Valid
    numbers come without repeats.
    """
    source = _source_text(text)
    readings: list[PhoneReading] = []
    seen: set[str] = set()
    for part in (p.strip() for p in _SEPARATORS.split(source)):
        if not only_digits(part) or _EXTENSION.fullmatch(part):
            continue
        valid = []
        for match in phonenumbers.PhoneNumberMatcher(
            part, REGION, leniency=phonenumbers.Leniency.POSSIBLE
        ):
            # The parsed number, not the raw text: "640-22-33 доб. 105" carries an extension.
            e164 = _e164_if_valid(match.number)
            if e164:
                valid.append((e164, match.raw_string))
        if not valid:
            readings.append(PhoneReading(number="", raw=part))
            continue
        for e164, raw in valid:
            if e164 not in seen:
                seen.add(e164)
                readings.append(PhoneReading(number=e164, raw=part if len(valid) == 1 else raw))
    return readings


def find_phones(text: object) -> list[str]:
    """All valid Russian phone numbers in a cell, normalised, in order, without repeats."""
    return [reading.number for reading in read_phones(text) if reading.is_valid]


def format_phone(e164: str) -> str:
    """+79123456789 → +7 912 345-67-89, for display; anything not a valid number as it is."""
    try:
        number = phonenumbers.parse(e164, REGION)
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_valid_number(number):
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
