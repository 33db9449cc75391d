import pytest

from crm_workstation.phones import find_phones, format_phone, normalise_phone


@pytest.mark.parametrize(
    "raw",
    [
        "8 (912) 345-67-89",
        "+7 912 345 67 89",
        "9123456789",
        "79123456789",
        89123456789,
        9123456789.0,
    ],
)
def test_russian_forms_normalise_to_e164(raw):
    assert normalise_phone(raw) == "+79123456789"


@pytest.mark.parametrize("raw", ["", None, "12345", "+1 212 555 0100", "8 (912) 345-67", "abc"])
def test_not_a_russian_phone(raw):
    assert normalise_phone(raw) is None


def test_finds_several_numbers_with_text_around():
    cell = "тел. 8 905 552-66-78 (жена); 9123456789 / +7 912 345 67 89\n8-916-000-11-22"
    assert find_phones(cell) == ["+79055526678", "+79123456789", "+79160001122"]


def test_format_for_display():
    assert format_phone("+79123456789") == "+7 912 345-67-89"


def test_an_extension_does_not_hide_the_number():
    assert find_phones("8 (812) 640-22-33 доб. 105") == ["+78126402233"]


def test_a_foreign_number_in_a_cell_is_not_taken_for_a_russian_one():
    assert find_phones("+44 20 7946 0958; 8 916 000-11-22") == ["+79160001122"]
