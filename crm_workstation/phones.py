"""One shared phone normaliser: the client data, the DMS import and the importer-file reader use it.

Built on `phonenumbers`: Russian numbers in any of the forms people type or spreadsheets hold
(`8 (912) 345-67-89`, `+7 912 345 67 89`, `9123456789`) become E.164 `+7XXXXXXXXXX`.
"""

import re

import phonenumbers

REGION = "RU"
_SEPARATORS = re.compile(r"[,;/\n\r]+")
_NON_DIGITS = re.compile(r"\D")


def normalise_phone(raw: object) -> str | None:
    """Return the number as +7XXXXXXXXXX, or None when `raw` is not one Russian phone number."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    if not text:
        return None
    digits = _NON_DIGITS.sub("", text)
    if len(digits) == 10:
        digits = "7" + digits
    elif len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    if len(digits) != 11 or digits[0] != "7":
        return None
    try:
        number = phonenumbers.parse("+" + digits, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_phones(text: object) -> list[str]:
    """All Russian phone numbers in a cell such as `тел. 8 905 552-66-78 (жена); 9123456789`.

    Numbers come back normalised, in order, without repeats.
    """
    if text is None:
        return []
    if isinstance(text, int | float):
        one = normalise_phone(text)
        return [one] if one else []
    found: list[str] = []
    for part in _SEPARATORS.split(str(text)):
        for match in phonenumbers.PhoneNumberMatcher(
            part, REGION, leniency=phonenumbers.Leniency.POSSIBLE
        ):
            # The parsed number, not the raw text: "640-22-33 доб. 105" carries an extension.
            if match.number.country_code != 7:
                continue
            number = normalise_phone(str(match.number.national_number))
            if number and number not in found:
                found.append(number)
    return found


def format_phone(e164: str) -> str:
    """+79123456789 → +7 912 345-67-89, for display."""
    if len(e164) == 12 and e164.startswith("+7"):
        d = e164[2:]
        return f"+7 {d[0:3]} {d[3:6]}-{d[6:8]}-{d[8:10]}"
    return e164
