"""Vehicle identifiers as they are stored: VIN and Russian registration plates.

One place for the rules, shared by the DMS import and the importer-file reader. People and
spreadsheets mix Cyrillic and Latin letters that look alike (`А123ВС` typed with a Latin `A`,
a VIN with a Cyrillic `С`), add spaces and use lower case; the stored forms are canonical so
that a search or a match by VIN or plate finds the same car whichever way it was typed.
"""

import re

_WHITESPACE = re.compile(r"\s+")

# Cyrillic letters that look like Latin ones; a VIN only has Latin letters.
_CYRILLIC_TO_LATIN = str.maketrans("АВЕКМНОРСТХ", "ABEKMHOPCTX")
# Latin letters that look like the twelve letters a Russian plate may have.
_LATIN_TO_CYRILLIC = str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ")

# A Russian private-car plate: letter, three digits, two letters, a region of two or three
# digits (А123ВС77, А123ВС777), or without the region (А123ВС). The twelve letters are those
# with a Latin twin.
PLATE_LETTERS = "АВЕКМНОРСТУХ"
_PLATE_SHAPE = "LDDDLLDDD"
_FULL_PLATE_LENGTHS = {6, 8, 9}
# Digits and letters that look alike on a plate. A digit in a letter's place can only be a
# mistyped letter (0 for О, 8 for В), and a letter in a digit's place a mistyped digit
# (О for 0, В for 8, З for 3), so the swap never turns one well-formed plate into another.
# Other pairs (4/Ч, 6/Б, 7/Т) are too far apart to guess.
_DIGIT_AS_LETTER = {"0": "О", "8": "В"}
_LETTER_AS_DIGIT = {"О": "0", "В": "8", "З": "3"}

# ISO 3779: 17 characters, digits and Latin letters except I, O and Q.
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")


def vin_characters(raw: object) -> str:
    """`raw` upper-cased, without spaces, Cyrillic look-alikes made Latin: a VIN or a part of
    one (the search matches a VIN by its tail), not checked."""
    return _WHITESPACE.sub("", str(raw)).upper().translate(_CYRILLIC_TO_LATIN)


def normalise_vin(raw: object) -> str | None:
    """Return the VIN upper-cased, without spaces, Cyrillic look-alikes made Latin.

    None when the result is not 17 characters of digits and Latin letters other than I, O, Q
    (a blank value is None too: the caller decides whether a missing VIN is acceptable).
    """
    if raw is None:
        return None
    vin = vin_characters(raw)
    return vin if _VIN.fullmatch(vin) else None


def _plate_lookalikes_fixed(plate: str) -> str | None:
    """`plate` fitted position by position to the private-car shape, swapping digit/letter
    look-alikes where the other kind belongs; None when it does not fit even so."""
    if len(plate) > len(_PLATE_SHAPE):
        return None
    fitted = []
    for char, kind in zip(plate, _PLATE_SHAPE, strict=False):
        if kind == "L":
            char = _DIGIT_AS_LETTER.get(char, char)
            if char not in PLATE_LETTERS:
                return None
        else:
            char = _LETTER_AS_DIGIT.get(char, char)
            if not ("0" <= char <= "9"):
                return None
        fitted.append(char)
    return "".join(fitted)


def normalise_plate(raw: object, *, partial: bool = False) -> str:
    """Return the plate upper-cased, without spaces, Latin look-alikes made Cyrillic, and in a
    private-car plate a digit typed for a look-alike letter or the other way round put right.

    `a 123 bc 77` → `А123ВС77`; `0 777 OO 99` → `О777ОО99`; `А1О3ВС77` → `А103ВС77`.
    Only a plate with at least one letter that then has the private-car shape (with or
    without its region) is changed: digits alone (a phone's end, a VIN's tail) are never
    taken for a plate, and others (a foreign plate, a trailer's) keep their characters.
    A blank value gives an empty string.

    `partial=True` reads the beginning of a plate typed into a search (`0123в`): it is
    fitted to the start of the shape rather than the whole.
    """
    if raw is None:
        return ""
    plate = _WHITESPACE.sub("", str(raw)).upper().translate(_LATIN_TO_CYRILLIC)
    if not any(ch.isalpha() for ch in plate):
        return plate
    if not partial and len(plate) not in _FULL_PLATE_LENGTHS:
        return plate
    return _plate_lookalikes_fixed(plate) or plate
