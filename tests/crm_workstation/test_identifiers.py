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


@pytest.mark.parametrize(
    ("raw", "plate"),
    [
        ("0123ВС77", "О123ВС77"),  # a zero typed for the letter О
        ("о777оо199", "О777ОО199"),
        ("О777О0199", "О777ОО199"),  # zero in the second letter place
        ("0777 0о 199", "О777ОО199"),
        ("А1О3ВС77", "А103ВС77"),  # the letter О typed for a zero, Cyrillic
        ("A1O3BC77", "А103ВС77"),  # the same with Latin letters
        ("8123ВС77", "В123ВС77"),  # an eight in a letter place is a В
        ("А12ЗВС77", "А123ВС77"),  # З typed for a 3
        ("А123ВСО7", "А123ВС07"),  # О in the region
        ("0123ВС", "О123ВС"),  # without the region
    ],
)
def test_plate_digit_and_letter_look_alikes_are_put_right_by_position(raw, plate):
    assert normalise_plate(raw) == plate


@pytest.mark.parametrize(
    "raw",
    [
        "080808",  # digits alone are no plate (a VIN tail is often all digits)
        "077700199",
        "00000000",
        "АВ123477",  # a plate of another shape (transit/trailer) keeps what was typed
        "WD1234Z",
        "О123",  # a part of a plate is only fitted when the search asks for it
        "ОООО",
    ],
)
def test_look_alikes_are_left_alone_outside_the_private_car_shape(raw):
    assert normalise_plate(raw) == raw


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [("0123в", "О123В"), ("0123", "0123"), ("а1о3", "А103"), ("8916", "8916"), ("ХW8ZZ", "ХW8ZZ")],
)
def test_the_start_of_a_plate_is_fitted_when_it_has_a_letter(raw, prefix):
    assert normalise_plate(raw, partial=True) == prefix


def test_a_well_formed_plate_is_never_changed():
    for plate in ["А123ВС77", "О000ОО777", "В888ВВ88", "Х008ХХ50"]:
        assert normalise_plate(plate) == plate
        assert normalise_plate(plate, partial=True) == plate
