"""Phones: valid Russian numbers become +7XXXXXXXXXX, anything else keeps its text and is
invalid, and the database holds the shape of the normalised column on SQLite and PostgreSQL."""

import re
from pathlib import Path

import openpyxl
import pytest
from django.db import IntegrityError, connection, transaction

from client_history.models import ClientPhone
from crm_workstation import phones
from crm_workstation.phones import (
    PhoneReading,
    find_phones,
    format_phone,
    normalise_phone,
    read_phones,
)
from tests.factories import ClientFactory, ClientPhoneFactory

IMPORTER_SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "importer-samples"
PHONE_HEADERS = {"телефон", "тел.", "мобильный телефон", "контактный телефон", "телефоны"}
PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "raw",
    [
        # The forms of the importer files' README: 8…, +7…, 7…, ten digits, with spaces,
        # dashes and brackets.
        "8 (912) 345-67-89",
        "89123456789",
        "8-912-345-67-89",
        "+7 912 345 67 89",
        "+7 (912) 345-67-89",
        "+79123456789",
        "7 (912) 345-67-89",
        "79123456789",
        "9123456789",
        "(912) 345-67-89",
        "912 345 67 89",
        89123456789,
        9123456789.0,
    ],
)
def test_russian_forms_normalise_to_e164(raw):
    assert normalise_phone(raw) == "+79123456789"


@pytest.mark.parametrize(
    "raw",
    [
        "+70000000000",  # a possible length, not a phone
        "80000000000",
        "0000000000",
        "12345",
        "",
        None,
        "+1 212 555 0100",
        "8 (912) 345-67",
        "abc",
        "WVWZZZ1KZ",  # letters are not read as a keypad's digits
    ],
)
def test_not_a_valid_russian_phone(raw):
    assert normalise_phone(raw) is None


def test_possible_is_not_enough():
    import phonenumbers

    number = phonenumbers.parse("+70000000000", "RU")
    assert phonenumbers.is_possible_number(number)
    assert normalise_phone("+70000000000") is None
    assert read_phones("+70000000000") == [PhoneReading(number="", raw="+70000000000")]


def _sample_phone_cells() -> list[tuple[str, object]]:
    cells = []
    for path in sorted(IMPORTER_SAMPLES.glob("*.xlsx")):
        rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].values)
        header_at = next(
            i
            for i, row in enumerate(rows[:20])
            if any(str(c or "").strip().lower() in PHONE_HEADERS for c in row)
        )
        column = next(
            i
            for i, c in enumerate(rows[header_at])
            if str(c or "").strip().lower() in PHONE_HEADERS
        )
        cells += [(path.name, row[column]) for row in rows[header_at + 1 :] if row[column]]
    return cells


def test_every_phone_of_the_importer_samples_is_valid_and_normalised():
    cells = _sample_phone_cells()
    assert len(cells) >= 60  # both files: 39 + 30 numbers
    for name, cell in cells:
        number = normalise_phone(cell)
        assert number is not None, (name, cell)
        assert re.fullmatch(r"\+7\d{10}", number)
        assert number[2:] == phones.only_digits(str(cell))[-10:]
        assert find_phones(cell) == [number]


def test_finds_several_numbers_with_text_around():
    cell = "тел. 8 905 552-66-78 (жена); 9123456789 / +7 912 345 67 89\n8-916-000-11-22"
    assert find_phones(cell) == ["+79055526678", "+79123456789", "+79160001122"]


def test_read_phones_keeps_what_the_source_said_and_the_invalid_ones():
    cell = "тел. 8 905 552-66-78 (жена); 12345, нет; +70000000000 / 8 (812) 640-22-33, доб. 105"
    assert read_phones(cell) == [
        PhoneReading(number="+79055526678", raw="тел. 8 905 552-66-78 (жена)"),
        PhoneReading(number="", raw="12345"),
        PhoneReading(number="", raw="+70000000000"),
        PhoneReading(number="+78126402233", raw="8 (812) 640-22-33"),
    ]
    assert read_phones("") == []
    assert read_phones(None) == []


def test_format_for_display():
    assert format_phone("+79123456789") == "+7 912 345-67-89"
    assert format_phone("+78126402233") == "+7 812 640-22-33"


def test_an_extension_does_not_hide_the_number():
    assert find_phones("8 (812) 640-22-33 доб. 105") == ["+78126402233"]


def test_a_foreign_number_in_a_cell_is_not_taken_for_a_russian_one():
    assert find_phones("+44 20 7946 0958; 8 916 000-11-22") == ["+79160001122"]


def test_one_non_digit_pattern_in_the_project():
    """The non-digit regex lives in crm_workstation/phones.py only; the others import it."""
    patterns = re.compile(r"""re\.compile\(r?["'](\\D|\[\^0-9\]|\[\^\\d\])["']""")
    homes = [
        path.relative_to(PROJECT).as_posix()
        for path in PROJECT.rglob("*.py")
        if ".venv" not in path.parts
        and "build" not in path.parts
        and patterns.search(path.read_text(encoding="utf-8"))
    ]
    assert homes == ["crm_workstation/phones.py"]


# --- the model and the database -----------------------------------------------------------


@pytest.mark.django_db
def test_a_valid_number_is_stored_normalised_with_the_source_text():
    phone = ClientPhoneFactory(number="8 (916) 123-45-67")
    phone.refresh_from_db()
    assert (phone.number, phone.raw, phone.is_invalid) == (
        "+79161234567",
        "8 (916) 123-45-67",
        False,
    )
    assert phone.display == "+7 916 123-45-67"


@pytest.mark.django_db
def test_a_number_that_is_not_valid_is_kept_as_written_and_marked_invalid():
    phone = ClientPhoneFactory(number="+70000000000", is_invalid=False)
    phone.refresh_from_db()
    assert (phone.number, phone.raw, phone.is_invalid) == ("", "+70000000000", True)
    assert phone.display == "+70000000000"


@pytest.mark.django_db
def test_several_invalid_phones_of_one_client_but_one_of_each_number():
    client = ClientFactory()
    ClientPhoneFactory(client=client, number="12345", is_primary=False)
    ClientPhoneFactory(client=client, number="54321", is_primary=False)
    ClientPhoneFactory(client=client, number="+79161234567")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhoneFactory(client=client, number="8 916 123-45-67", is_primary=False)


def _table() -> str:
    return connection.ops.quote_name(ClientPhone._meta.db_table)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "malformed",
    [
        "+7912345678",  # eleven characters
        "+791234567890",  # thirteen
        "89123456789",  # no +7
        "+8912345678 ",
        "+7912345678a",
        "+7 912345678",
        "+7912-345678",
        "7+9123456789",
    ],
)
def test_the_database_refuses_a_malformed_normalised_number(malformed):
    phone = ClientPhoneFactory(number="+79161234567")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhone.objects.filter(pk=phone.pk).update(number=malformed)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_table()} SET number = %s WHERE id = %s", [malformed, phone.pk])
    phone.refresh_from_db()
    assert phone.number == "+79161234567"


@pytest.mark.django_db
def test_the_database_accepts_the_normalised_shape_and_an_empty_invalid_number():
    phone = ClientPhoneFactory(number="+79161234567")
    ClientPhone.objects.filter(pk=phone.pk).update(number="+79035550011")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET number = %s, is_invalid = %s WHERE id = %s",
            ["", True, phone.pk],
        )
    phone.refresh_from_db()
    assert (phone.number, phone.is_invalid, phone.raw) == ("", True, "+79161234567")


@pytest.mark.django_db
def test_an_empty_number_is_always_an_invalid_phone_with_the_source_text():
    phone = ClientPhoneFactory(number="+79161234567")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhone.objects.filter(pk=phone.pk).update(number="", is_invalid=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhone.objects.filter(pk=phone.pk).update(number="", is_invalid=True, raw="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhone.objects.bulk_create(
            [ClientPhone(client=phone.client, number="", raw="8 (912) 345-67")]
        )
