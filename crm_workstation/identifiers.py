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


def normalise_plate(raw: object) -> str:
    """Return the plate upper-cased, without spaces, Latin look-alikes made Cyrillic.

    `a 123 bc 77` → `А123ВС77`. Letters with no Cyrillic twin (a foreign plate) are kept;
    a blank value gives an empty string.
    """
    if raw is None:
        return ""
    return _WHITESPACE.sub("", str(raw)).upper().translate(_LATIN_TO_CYRILLIC)
