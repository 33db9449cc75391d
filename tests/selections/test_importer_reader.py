"""The importer-file reader: the samples, hostile files, normalisation, matching."""

import io

import pytest

from selections.importer import ImporterFileError
from selections.importer.services import importer_read
from selections.models import ImporterVariant
from tests.factories import ClientFactory, ClientPhoneFactory, VehicleFactory
from tests.selections.importer_files import (
    HEADER,
    KLIENTY_TO,
    POTERYANNYE,
    importer_xlsx,
    lead_row,
    many_entries,
    ole_container,
    real_zip_bomb,
    with_doctype,
    xlsx_bytes,
    zip_bomb,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def to_variant():
    return ImporterVariant.objects.get(code="maintenance")


@pytest.fixture
def lost_variant():
    return ImporterVariant.objects.get(code="lost_clients")


def read(data: bytes, variant):
    return importer_read(io.BytesIO(data), variant=variant)


def refusal(data: bytes, variant) -> str:
    with pytest.raises(ImporterFileError) as excinfo:
        read(data, variant)
    return str(excinfo.value)


def by_row(result):
    return {row.row: row for row in result.rows}


def test_klienty_to_sample_every_row_accounted_for(to_variant):
    with KLIENTY_TO.open("rb") as file:
        result = importer_read(file, variant=to_variant)
    assert result.sheet.header_row == 4
    assert [row.row for row in result.rows] == list(range(5, 45))
    assert result.summary == {"ok": 38, "duplicate": 0, "error": 2}
    rows = by_row(result)
    assert rows[12].errors == ["нет телефона"]  # «Телефон не указан импортером»
    assert len(rows[17].errors) == 1 and rows[17].errors[0].startswith("VIN «VKNUWT5LZ83HP1P»")
    first = rows[5].data
    assert first["vin"] == "14A5URGXBBBA1P4BR"
    assert first["plate"] == "Р962РС78"
    assert first["phones"] == ["+79353374068"]
    assert first["name"] == "Попов Игорь Александрович"
    assert first["year"] == 2025
    assert first["sale_date"] == "2025-02-09"
    assert first["last_visit"] == "2025-08-25"
    assert first["next_maintenance"] == "2026-08-25"
    assert first["mileage"] == 123483
    assert first["dealer_code"] == "40117"
    assert rows[5].due_date.isoformat() == "2026-08-25"


def test_poteryannye_sample_every_row_accounted_for(lost_variant):
    with POTERYANNYE.open("rb") as file:
        result = importer_read(file, variant=lost_variant)
    assert result.sheet.header_row == 1
    assert [row.row for row in result.rows] == list(range(2, 32))
    assert result.summary == {"ok": 30, "duplicate": 0, "error": 0}
    first = by_row(result)[2]
    assert first.data["phones"] == ["+79858827685"]
    assert first.data["mileage"] == 110000
    assert first.last_visit.isoformat() == "2024-05-20"


def test_header_found_below_titles_with_columns_in_any_order_and_unknown_ones(to_variant):
    header = ["Прочее", "Тел.", "Гос. номер", "ФИО клиента", "VIN-код"]
    data = xlsx_bytes(
        [
            ["Список от импортера"],
            ["Дилер 40117"],
            header,
            ["x", "8 912 345-67-89", "а 123 вс 77", "Петров П.", "xw8an2ne000000001"],
            ["Итого записей: 1"],
        ]
    )
    result = read(data, to_variant)
    assert result.sheet.header_row == 3
    (row,) = result.rows
    assert (row.row, row.status) == (4, "ok")
    assert row.data["vin"] == "XW8AN2NE000000001"
    assert row.data["plate"] == "А123ВС77"


def test_header_names_compared_without_case_punctuation_and_yo(to_variant):
    header = ["  vin ", "ГОС.НОМЕР", "фио", "Телефоны", "Пробег км", "Дата последнего ТО"]
    data = xlsx_bytes([header, ["XW8AN2NE000000001", "", "Семёнов", "9123456789", 1000, ""]])
    result = read(data, to_variant)
    assert set(result.sheet.columns) == {
        "vin", "plate", "client_name", "phone", "mileage", "last_visit"
    }  # fmt: skip
    assert result.summary["ok"] == 1


@pytest.mark.parametrize(
    ("cell", "phones"),
    [
        ("8 (912) 345-67-89", ["+79123456789"]),
        ("+7 912 345 67 89", ["+79123456789"]),
        ("79123456789", ["+79123456789"]),
        ("9123456789", ["+79123456789"]),
        (89123456789, ["+79123456789"]),
        ("тел. 8 905 552-66-78 (жена)", ["+79055526678"]),
        ("8 912 345-67-89, +7 905 552 66 78", ["+79123456789", "+79055526678"]),
        ("8 912 345-67-89; 8-905-552-66-78", ["+79123456789", "+79055526678"]),
        ("8 912 345-67-89 / 9055526678", ["+79123456789", "+79055526678"]),
        ("8 912 345-67-89\n89055526678", ["+79123456789", "+79055526678"]),
    ],
)
def test_each_phone_form_of_the_samples_readme(to_variant, cell, phones):
    result = read(importer_xlsx(lead_row(1, Телефон=cell)), to_variant)
    (row,) = result.rows
    assert row.data["phones"] == phones
    assert row.status == "ok"


@pytest.mark.parametrize("cell", ["12-34", "нет", "+1 212 555 0100", "0000000000"])
def test_anything_else_is_not_a_phone(to_variant, cell):
    (row,) = read(importer_xlsx(lead_row(1, Телефон=cell)), to_variant).rows
    assert row.data["phones"] == []
    assert row.status == "error"
    assert row.errors == [f"телефон «{cell}» не распознан"]
    assert row.data["phone_text"] == cell


def test_cyrillic_look_alikes_in_vin_read_as_latin(to_variant):
    # Cyrillic А, В, Е, К, М, Н, Р, С, Т, Х among the Latin ones, spaces, lower case.
    (row,) = read(importer_xlsx(lead_row(1, VIN="хw8 АВЕК МНРС Т01234")), to_variant).rows
    assert row.data["vin"] == "XW8ABEKMHPCT01234"
    assert row.status == "ok"


@pytest.mark.parametrize("vin", ["XW8AN2NE00000000", "XW8AN2NE0000000001", "XW8AN2NE00000000I"])
def test_bad_vin_is_a_problem_of_the_row(to_variant, vin):
    (row,) = read(importer_xlsx(lead_row(1, VIN=vin)), to_variant).rows
    assert row.status == "error"
    assert row.errors[0].startswith(f"VIN «{vin}» некорректен")
    assert row.is_usable is False


def test_plate_latin_look_alikes_read_as_cyrillic(to_variant):
    (row,) = read(importer_xlsx(lead_row(1, Госномер="a 123 bc 77")), to_variant).rows
    assert row.data["plate"] == "А123ВС77"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("31.01.2024", "2024-01-31"), ("2024-02-29", "2024-02-29"), (45000, "2023-03-15")],
)
def test_dates_as_text_and_excel_serials(to_variant, cell, expected):
    (row,) = read(importer_xlsx(lead_row(1, Последний_визит=cell)), to_variant).rows
    assert row.data["last_visit"] == expected


@pytest.mark.parametrize("cell", ["31.02.2024", "2023-02-29", "32.01.2024"])
def test_impossible_date_is_a_problem_of_the_row_not_the_file(to_variant, cell):
    result = read(importer_xlsx(lead_row(1, Последний_визит=cell), lead_row(2)), to_variant)
    first, second = result.rows
    assert first.status == "error"
    assert first.errors == [f"«Последний визит»: даты «{cell}» не существует"]
    assert second.status == "ok"


@pytest.mark.parametrize(("cell", "km"), [("45 000", 45000), ("45000 км", 45000), (45000.0, 45000)])
def test_mileage_forms(to_variant, cell, km):
    (row,) = read(importer_xlsx(lead_row(1, Пробег=cell)), to_variant).rows
    assert row.data["mileage"] == km


def test_usable_needs_vehicle_name_and_phone(to_variant):
    result = read(
        importer_xlsx(
            lead_row(1, VIN="", Госномер=""),
            lead_row(2, ФИО=""),
            lead_row(3, Телефон=""),
            lead_row(4, VIN=""),  # a plate alone identifies the vehicle
        ),
        to_variant,
    )
    rows = by_row(result)
    assert rows[2].errors == ["нет VIN и госномера"]
    assert rows[3].errors == ["не указан клиент (ФИО или наименование)"]
    assert rows[4].errors == ["нет телефона"]
    assert rows[5].status == "ok"


def test_same_vehicle_twice_is_one_lead_and_a_duplicate(to_variant):
    result = read(
        importer_xlsx(lead_row(1), lead_row(2), lead_row(1, ФИО="Другой"), lead_row(3, VIN="")),
        to_variant,
    )
    rows = by_row(result)
    assert rows[4].status == "duplicate"
    assert rows[4].errors == ["тот же автомобиль, что в строке 2"]
    assert rows[4].data["duplicate_of"] == 2
    assert result.summary == {"ok": 3, "duplicate": 1, "error": 0}


def test_rows_match_vehicles_by_vin_then_plate_and_clients_by_owner_then_phone(to_variant):
    owner = ClientFactory()
    by_vin = VehicleFactory(vin="XW8AN2NE000000001", owner=owner)
    by_plate = VehicleFactory(vin="", plate="А002ВС77", owner=None)
    phone_client = ClientFactory()
    ClientPhoneFactory(client=phone_client, number="+79120030303")
    result = read(
        importer_xlsx(
            lead_row(1),
            lead_row(2, VIN="", Телефон="8 912 003-03-03"),
            lead_row(3, Телефон="8 912 003-03-03"),
            lead_row(4),
            lead_row(5, ФИО=""),
        ),
        to_variant,
    )
    rows = by_row(result)
    assert (rows[2].match, rows[2].vehicle_id, rows[2].client_id) == ("vin", by_vin.pk, owner.pk)
    assert (rows[3].match, rows[3].vehicle_id, rows[3].client_id) == (
        "plate",
        by_plate.pk,
        phone_client.pk,
    )
    assert (rows[4].match, rows[4].vehicle_id, rows[4].client_id) == (
        "phone",
        None,
        phone_client.pk,
    )
    assert (rows[5].match, rows[5].client_id) == ("new", None)
    assert rows[6].match == "none"


def test_matching_costs_the_same_queries_for_1_and_200_rows(to_variant, django_assert_num_queries):
    small = importer_xlsx(lead_row(1))
    large = importer_xlsx(*(lead_row(n) for n in range(1, 201)))
    with django_assert_num_queries(4):
        read(small, to_variant)
    with django_assert_num_queries(4):
        read(large, to_variant)


# Hostile files: each is refused with a message naming the problem.


def test_xls_file_refused(to_variant):
    message = refusal(ole_container("Workbook", "SummaryInformation"), to_variant)
    assert "Excel 97–2003 (.xls)" in message


def test_password_protected_file_refused(to_variant):
    message = refusal(ole_container("EncryptionInfo", "EncryptedPackage"), to_variant)
    assert "защищён паролем" in message


def test_csv_renamed_refused(to_variant):
    data = "VIN;ФИО;Телефон\nXW8AN2NE000000001;Иванов;89123456789\n".encode()
    assert "текстовый файл" in refusal(data, to_variant)


def test_random_bytes_refused(to_variant):
    assert refusal(bytes(range(256)) * 4, to_variant) == "Файл не является книгой Excel .xlsx."


def test_empty_file_refused(to_variant):
    assert refusal(b"", to_variant) == "Файл пуст."


def test_truncated_file_refused(to_variant):
    data = importer_xlsx(lead_row(1))
    message = refusal(data[: len(data) // 2], to_variant)
    assert "повреждён или загружен не полностью" in message


def test_corrupt_entry_refused(to_variant):
    data = bytearray(importer_xlsx(*(lead_row(n) for n in range(1, 50))))
    start = data.find(b"xl/worksheets/sheet1.xml") + 40
    data[start : start + 64] = bytes(64)
    assert "повреждён" in refusal(bytes(data), to_variant)


def test_zip_bomb_with_huge_declared_size_refused_before_parsing(to_variant):
    message = refusal(zip_bomb(), to_variant)
    assert "zip-бомба" in message


def test_zip_bomb_that_really_inflates_refused_at_the_limit(to_variant, settings):
    settings.IMPORTER_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
    assert "zip-бомба" in refusal(real_zip_bomb(60 * 1024 * 1024), to_variant)


def test_archive_with_too_many_entries_refused(to_variant):
    assert "частей" in refusal(many_entries(), to_variant)


def test_xml_with_dtd_refused(to_variant):
    assert "DTD" in refusal(with_doctype(), to_variant)


def test_no_header_refused(to_variant):
    data = xlsx_bytes([["Просто таблица"], ["a", "b", "c"], [1, 2, 3]])
    assert refusal(data, to_variant).startswith("Не найдена строка заголовка")


def test_header_below_row_20_is_not_found(to_variant):
    data = xlsx_bytes([*([f"строка {n}"] for n in range(20)), HEADER, lead_row(1)])
    assert refusal(data, to_variant).startswith("Не найдена строка заголовка")


def test_header_without_phone_column_refused(to_variant):
    data = xlsx_bytes([["VIN", "ФИО"], ["XW8AN2NE000000001", "Иванов"]])
    assert "нет колонок: телефон" in refusal(data, to_variant)


def test_more_rows_than_the_variant_allows_refused(to_variant):
    to_variant.max_rows = 5
    data = importer_xlsx(*(lead_row(n) for n in range(1, 7)))
    assert "больше 5 строк" in refusal(data, to_variant)
    data = importer_xlsx(*(lead_row(n) for n in range(1, 6)))
    assert read(data, to_variant).summary["ok"] == 5


def test_reading_ends_after_a_run_of_empty_rows(to_variant, settings):
    settings.IMPORTER_EMPTY_ROWS_END = 10
    data = xlsx_bytes([HEADER, lead_row(1), *([None] for _ in range(12)), lead_row(2)])
    result = read(data, to_variant)
    assert [row.row for row in result.rows] == [2]
    assert "не прочитаны" in result.sheet.notes[0]


def test_formatted_empty_rows_after_the_data_cost_nothing(to_variant):
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    workbook = load_workbook(io.BytesIO(importer_xlsx(lead_row(1))))
    workbook.active["A1048576"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read(buffer.getvalue(), to_variant)
    assert [row.row for row in result.rows] == [2]
    assert result.sheet.notes == []


@pytest.mark.parametrize(
    "cell",
    [
        "+7 (935) 337-40-68", "89858827685", "79123456789", "9123456789", "8 912 345 67 89",
        "+7 912 345 67 89", "8(812)640-22-33", "+8 912 345 67 89", "8123456789", "+79123456789",
        "7 000 000 00 00", "9999999999", "(912) 345-67-89", "+7-912-345-67-89", "4951234567",
        89123456789, 9123456789.0,
    ],
)  # fmt: skip
def test_quick_reading_of_plain_numbers_agrees_with_read_phones(cell):
    from crm_workstation.cells import Cells
    from crm_workstation.phones import read_phones

    assert Cells({"phone": cell}).phones("phone") == read_phones(cell)
