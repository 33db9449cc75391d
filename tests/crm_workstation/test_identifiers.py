import pytest

from crm_workstation.identifiers import normalise_plate, normalise_vin


@pytest.mark.parametrize(
    "raw",
    [
        "XW8ZZZ61ZHG012345",
        "xw8zzz61zhg012345",
        " XW8 ZZZ61Z HG012345 ",
        "ХW8ZZZ61ZНG012345",  # Cyrillic Х and Н typed for the Latin letters
    ],
)
def test_vin_forms_normalise_to_one_latin_upper_case_vin(raw):
    assert normalise_vin(raw) == "XW8ZZZ61ZHG012345"


def test_every_cyrillic_look_alike_becomes_latin_in_a_vin():
    assert normalise_vin("АВЕКМНРСТХ1234567") == "ABEKMHPCTX1234567"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "XW8ZZZ61ZHG01234",  # 16 characters
        "XW8ZZZ61ZHG0123456",  # 18 characters
        "XW8ZZZ61ZHG01234O",  # O is not used in VINs
        "XW8ZZZ61ZHG01234I",
        "XW8ZZZ61ZHG01234Q",
        "XW8ZZZ61ZHG0123-5",
        "ОW8ZZZ61ZHG012345",  # Cyrillic О becomes Latin O, which a VIN never has
        "ЖW8ZZZ61ZHG012345",  # a Cyrillic letter with no Latin twin
    ],
)
def test_malformed_vin_is_none(raw):
    assert normalise_vin(raw) is None


@pytest.mark.parametrize(
    "raw",
    ["А123ВС178", "а123вс178", "A123BC178", "a 123 bc 178", " А 123 ВС\t178 ", "A123ВС178"],
)
def test_plate_forms_normalise_to_cyrillic_upper_case(raw):
    assert normalise_plate(raw) == "А123ВС178"


def test_every_latin_look_alike_becomes_the_plate_letter():
    assert normalise_plate("ABEKMHOPCTYX") == "АВЕКМНОРСТУХ"


def test_blank_plate_is_empty_and_foreign_letters_are_kept():
    assert normalise_plate(None) == ""
    assert normalise_plate("   ") == ""
    assert normalise_plate("wd 1234 z") == "WD1234Z"
