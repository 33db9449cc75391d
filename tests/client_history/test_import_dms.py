"""`manage.py import_dms`: the sample export, idempotence, bad rows, unreadable files, queries."""

import datetime as dt
import io
import shutil
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from client_history import dms_import
from client_history.dms_import import dms_import_folder
from client_history.models import (
    Client,
    ClientPhone,
    Recommendation,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
    search_key,
)
from crm_workstation.models import Branch, Department, Workshop
from tests.factories import VehicleFactory

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SAMPLE = FIXTURES / "dms"
BAD_SAMPLE = FIXTURES / "dms-bad"

pytestmark = pytest.mark.django_db


def run_import(folder: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_dms", str(folder), *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        "branches": Branch.objects.count(),
        "workshops": Workshop.objects.count(),
        "departments": Department.objects.count(),
        "clients": Client.objects.count(),
        "client history": Client.history.count(),
        "phones": ClientPhone.objects.count(),
        "vehicles": Vehicle.objects.count(),
        "repair orders": RepairOrder.objects.count(),
        "lines": RepairOrderLine.objects.count(),
        "recommendations": Recommendation.objects.count(),
    }


@pytest.fixture
def sample(tmp_path) -> Path:
    """A copy of the sample export that a test may edit."""
    folder = tmp_path / "dms"
    shutil.copytree(SAMPLE, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    encoding = "utf-8-sig"
    text = path.read_text(encoding=encoding)
    assert old in text
    path.write_text(text.replace(old, new), encoding=encoding)


def test_sample_export_loads_expected_counts():
    run_import(SAMPLE)

    assert row_counts() == {
        "branches": 2,
        "workshops": 3,
        "departments": 6,
        "clients": 15,
        "client history": 15,
        "phones": 18,
        "vehicles": 20,
        "repair orders": 73,
        "lines": 198,
        "recommendations": 27,
    }
    multi = Branch.objects.get(code="SPB-02")
    assert multi.is_multiservice
    assert sorted(multi.workshops.values_list("name", flat=True)) == [
        "Кузовной",
        "Механический",
        "Шиномонтаж",
    ]
    assert Department.objects.get(branch__code="SPB-01", name="Отдел продаж").kind == "sales"
    assert Client.objects.filter(kind=Client.Kind.COMPANY).count() == 3
    assert Client.objects.get(external_id="CL-0005").do_not_call
    assert Recommendation.objects.filter(is_done=True, done_in__isnull=False).count() == 10


def test_sample_values_are_parsed_and_normalised():
    run_import(SAMPLE)

    client = Client.objects.get(external_id="CL-0002")
    assert client.name_search == search_key("Кузнецова Ольга Петровна")
    assert list(client.phones.values_list("number", "is_primary")) == [
        ("+79111234567", True),
        ("+78125551234", False),
    ]
    # A plate typed in Latin lower case, a VIN typed with spaces in lower case.
    vehicle = Vehicle.objects.get(external_id="VH-0003")
    assert vehicle.plate == "Е789КХ198"
    assert Vehicle.objects.get(external_id="VH-0002").plate == "К456МН98"
    assert all(
        len(vin) == 17 and vin.isupper()
        for vin in Vehicle.objects.exclude(vin="").values_list("vin", flat=True)
    )
    assert Vehicle.objects.get(external_id="VH-0014").vin == ""
    # Sale dates come from real Excel dates in vehicles.xlsx.
    assert all(v.sale_date and v.sale_date.year == v.year for v in Vehicle.objects.all())

    order = RepairOrder.objects.get(external_id="RO-00001")
    assert order.opened_at == dt.date(2022, 12, 13)
    assert order.kind == RepairOrder.Kind.MAINTENANCE
    assert order.amount == sum(line.amount for line in order.lines.all())
    assert order.lines.get(position=2).quantity == Decimal("4.50")
    assert RepairOrder.objects.filter(workshop__name="Шиномонтаж", kind="tyres").exists()


def test_vehicle_last_mileage_comes_from_its_latest_order():
    run_import(SAMPLE)

    for vehicle in Vehicle.objects.all():
        latest = vehicle.repair_orders.order_by("-opened_at").first()
        assert (vehicle.last_mileage, vehicle.last_mileage_date) == (
            latest.mileage,
            latest.opened_at,
        )


def test_running_twice_changes_nothing():
    run_import(SAMPLE)
    before = row_counts()
    phones_before = set(ClientPhone.objects.values_list("client_id", "number", "is_primary"))

    report = dms_import_folder(folder=SAMPLE)

    assert row_counts() == before
    assert (
        set(ClientPhone.objects.values_list("client_id", "number", "is_primary")) == phones_before
    )
    assert [(f.created, f.updated, f.deleted, len(f.bad)) for f in report.files] == [
        (0, 0, 0, 0)
    ] * 8
    assert sum(f.unchanged for f in report.files) == 2 + 3 + 6 + 15 + 20 + 73 + 198 + 27
    assert report.mileage_updated == 0


def test_second_run_output_reports_nothing_created(sample):
    run_import(sample)
    output = run_import(sample)

    clients_line = next(line for line in output.splitlines() if line.startswith("clients.csv"))
    assert clients_line.split()[1:] == ["0", "0", "15", "0"]


def test_changed_values_update(sample):
    run_import(sample)
    edit(
        sample / "clients.csv",
        "CL-0001;Смирнов Алексей Викторович;физ;8 (921) 345-67-89;",
        "CL-0001;Смирнов Алексей Викторович (Ёлкин);физ;+7 921 999-00-11, 8 (921) 345-67-89;",
    )
    edit(sample / "repair_orders.csv", "RO-00001;НВ-22-01214", "RO-00001;НВ-22-99999")
    history_before = Client.history.count()

    report = dms_import_folder(folder=sample)

    assert (report.file("clients").updated, report.file("clients").unchanged) == (1, 14)
    assert (report.file("repair_orders").updated, report.file("repair_orders").created) == (1, 0)
    client = Client.objects.get(external_id="CL-0001")
    assert client.name == "Смирнов Алексей Викторович (Ёлкин)"
    assert client.name_search == "смирнов алексей викторович (елкин)"
    assert list(client.phones.values_list("number", "is_primary")) == [
        ("+79219990011", True),
        ("+79213456789", False),
    ]
    assert Client.history.count() == history_before + 1
    assert RepairOrder.objects.get(external_id="RO-00001").number == "НВ-22-99999"


def test_dms_never_switches_off_do_not_call_set_in_the_crm():
    run_import(SAMPLE)
    Client.objects.filter(external_id="CL-0001").update(do_not_call=True)

    report = dms_import_folder(folder=SAMPLE)

    assert Client.objects.get(external_id="CL-0001").do_not_call
    assert report.file("clients").updated == 0


def test_mileage_the_crm_recorded_later_is_kept():
    run_import(SAMPLE)
    vehicle = Vehicle.objects.get(external_id="VH-0001")
    Vehicle.objects.filter(pk=vehicle.pk).update(
        last_mileage=99_000, last_mileage_date=dt.date(2026, 1, 10)
    )

    run_import(SAMPLE)

    vehicle.refresh_from_db()
    assert (vehicle.last_mileage, vehicle.last_mileage_date) == (99_000, dt.date(2026, 1, 10))


def test_lines_an_order_no_longer_lists_are_deleted(sample):
    run_import(sample)
    listed = RepairOrderLine.objects.filter(repair_order__external_id="RO-00001").count()
    lines = (sample / "repair_order_lines.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("RO-00001,4,")]
    (sample / "repair_order_lines.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")

    report = dms_import_folder(folder=sample)

    assert report.file("repair_order_lines").deleted == 1
    order = RepairOrder.objects.get(external_id="RO-00001")
    assert not order.lines.filter(position=4).exists()
    assert order.lines.count() == listed - 1


def test_a_bad_line_keeps_its_orders_other_lines(sample):
    run_import(sample)
    listed = RepairOrderLine.objects.filter(repair_order__external_id="RO-00001").count()
    lines = (sample / "repair_order_lines.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("RO-00001,4,")]
    kept = [line.replace("RO-00001,3,part,", "RO-00001,three,part,") for line in kept]
    (sample / "repair_order_lines.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")

    report = dms_import_folder(folder=sample)

    assert [p.reason for p in report.file("repair_order_lines").bad] == [
        "«position»: «three» — не целое число"
    ]
    assert report.file("repair_order_lines").deleted == 0
    assert RepairOrderLine.objects.filter(repair_order__external_id="RO-00001").count() == listed


def test_small_batches_give_the_same_result(monkeypatch):
    monkeypatch.setattr(dms_import.upsert, "BATCH_SIZE", 7)

    run_import(SAMPLE)
    counts = row_counts()
    report = dms_import_folder(folder=SAMPLE)

    assert counts["repair orders"] == 73
    assert counts["lines"] == 198
    assert row_counts() == counts
    assert sum(f.created + f.updated + len(f.bad) for f in report.files) == 0


def test_file_with_bad_rows_loads_the_good_rows_and_names_the_bad_ones():
    output = run_import(BAD_SAMPLE)

    assert set(Client.objects.values_list("external_id", flat=True)) == {"CL-9001", "CL-9005"}
    assert set(Vehicle.objects.values_list("external_id", flat=True)) == {"VH-9001", "VH-9005"}
    assert "clients.csv, строка 3: структурная единица с кодом «MSK-99» не найдена" in output
    assert "clients.csv, строка 4: не заполнено поле «name»" in output
    assert "clients.csv, строка 5: «kind»: неизвестное значение «пенсионер»" in output
    assert "vehicles.csv, строка 3: VIN «XTA21099012345» некорректен" in output
    assert "vehicles.csv, строка 4: владелец с внешним кодом «CL-9002» не найден" in output
    assert "vehicles.csv, строка 5: «sale_date»: даты «31.02.2024» не существует" in output
    vehicle = Vehicle.objects.get(external_id="VH-9005")
    assert (vehicle.vin, vehicle.plate, vehicle.owner) == ("XWEJB6A39PS123459", "М905ММ47", None)


def test_bad_references_in_repair_orders_and_recommendations(sample):
    with (sample / "repair_orders.csv").open("a", encoding="utf-8") as handle:
        handle.write("RO-90001;X-1;SPB-01;;Сервис;CL-0404;VH-0001;01.02.2025;;1000;ТО;100\r\n")
        handle.write("RO-90002;X-2;SPB-01;;Сервис;CL-0001;VH-0404;01.02.2025;;1000;ТО;100\r\n")
        handle.write("RO-90003;X-3;SPB-02;Малярный;Сервис;CL-0002;VH-0007;01.02.2025;;;ТО;\r\n")
        handle.write("RO-90004;X-4;SPB-01;;Сервис;CL-0001;VH-0001;01.02.2025;;;покраска;\r\n")
        handle.write("RO-90005;X-5;SPB-01;;Сервис;CL-0001;VH-0001;01.02.2025;01.01.2025;;ТО;\r\n")
        handle.write("RO-00001;X-6;SPB-01;;Сервис;CL-0001;VH-0001;01.02.2025;;;ТО;\r\n")
    with (sample / "recommendations.csv").open("a", encoding="utf-8") as handle:
        handle.write("RC-9001,RO-40404,Проверить что-то,нет,\r\n")
        handle.write("RC-9002,RO-00001,Проверить что-то,да,RO-00010\r\n")

    report = dms_import_folder(folder=sample)

    reasons = {(p.file, p.row): p.reason for p in report.bad}
    assert len(reasons) == 8
    assert reasons["repair_orders.csv", 75] == "клиент с внешним кодом «CL-0404» не найден"
    assert reasons["repair_orders.csv", 76] == "автомобиль с внешним кодом «VH-0404» не найден"
    assert reasons["repair_orders.csv", 77] == (
        "цех «Малярный» не найден в структурной единице «SPB-02»"
    )
    assert reasons["repair_orders.csv", 78].startswith("«kind»: неизвестное значение «покраска»")
    assert reasons["repair_orders.csv", 79] == "дата закрытия раньше даты открытия"
    assert reasons["repair_orders.csv", 80] == "внешний код «RO-00001» уже встречался в строке 2"
    assert reasons["recommendations.csv", 29] == "заказ-наряд с внешним кодом «RO-40404» не найден"
    assert (
        reasons["recommendations.csv", 30]
        == "заказ-наряд выполнения «RO-00010» — другого автомобиля"
    )
    assert RepairOrder.objects.count() == 73
    assert RepairOrder.objects.get(external_id="RO-00001").number == "НВ-22-01214"


def test_vin_of_another_vehicle_is_a_bad_row_and_a_crm_vehicle_is_taken_over(sample):
    run_import(sample)
    taken = Vehicle.objects.get(external_id="VH-0001").vin
    crm_vehicle = VehicleFactory(external_id="", vin="LGWEF4A59NH123456", plate="", make="Haval")
    (sample / "vehicles.csv").write_text(
        "external_id,vin,make\r\n"
        f"VH-0500,{taken},Haval\r\n"
        "VH-0501,LGWEF4A59NH123456,Haval\r\n"
        "VH-0502,LGWEF4A59NH123456,Haval\r\n",
        encoding="utf-8",
    )
    (sample / "vehicles.xlsx").unlink()

    report = dms_import_folder(folder=sample)

    assert [(p.row, p.reason) for p in report.file("vehicles").bad] == [
        (2, f"VIN {taken} уже у другого автомобиля (VH-0001)"),
        (4, "VIN LGWEF4A59NH123456 уже у автомобиля из строки 3"),
    ]
    crm_vehicle.refresh_from_db()
    assert crm_vehicle.external_id == "VH-0501"
    assert report.file("vehicles").updated == 1


@pytest.mark.parametrize("written", ["05.03.2021", "2021-03-05", "44260", "05.03.2021 14:30:00"])
def test_date_forms(tmp_path, written):
    (tmp_path / "branches.csv").write_text("code,name\nSPB-01,Автоцентр Нева\n", encoding="utf-8")
    (tmp_path / "vehicles.csv").write_text(
        f"external_id;make;sale_date\nVH-1;Lada;{written}\n", encoding="utf-8"
    )

    dms_import_folder(folder=tmp_path)

    assert Vehicle.objects.get().sale_date == dt.date(2021, 3, 5)


def test_dry_run_writes_nothing():
    output = run_import(SAMPLE, "--dry-run")

    assert "ничего не сохранено" in output
    assert (
        next(line for line in output.splitlines() if line.startswith("clients.csv")).split()[1]
        == "15"
    )
    assert set(row_counts().values()) == {0}


def test_missing_folder_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="не найдена"):
        run_import(tmp_path / "nowhere")


def test_unreadable_file_is_a_command_error_and_nothing_is_written(sample):
    (sample / "vehicles.xlsx").write_bytes(b"this is not a zip file")

    with pytest.raises(CommandError, match=r"vehicles\.xlsx: не удалось открыть как книгу Excel"):
        run_import(sample)

    assert set(row_counts().values()) == {0}


def test_missing_required_column_is_a_command_error(sample):
    edit(sample / "clients.csv", "external_id;name;", "code;name;")

    with pytest.raises(CommandError, match=r"clients\.csv: нет обязательных колонок: external_id"):
        run_import(sample)

    assert Branch.objects.count() == 0


def test_a_csv_file_not_in_utf8_is_a_command_error_and_nothing_is_written(sample):
    orders = sample / "repair_orders.csv"
    orders.write_bytes(orders.read_bytes() + "RO-99999;ЗН-1".encode("cp1251") + b"\r\n")

    with pytest.raises(CommandError, match=r"repair_orders\.csv: файл не прочитан .*UTF-8"):
        run_import(sample)

    assert set(row_counts().values()) == {0}


def test_a_failure_in_the_middle_of_a_file_leaves_nothing_of_that_file(sample, monkeypatch):
    def fail(**kwargs):
        raise DatabaseError("the connection dropped")

    # Fails after the repair orders were written, before their file's transaction commits.
    monkeypatch.setattr(dms_import, "vehicles_update_last_mileage", fail)

    with pytest.raises(CommandError, match=r"repair_orders\.csv: ошибка базы данных"):
        run_import(sample)

    # The files before it are loaded, each in its own transaction; of this one, nothing.
    assert Client.objects.count() == 15
    assert Vehicle.objects.count() == 20
    assert RepairOrder.objects.count() == 0


def write_export(folder: Path, *, prefix: str, size: int) -> None:
    """An export of `size` clients, each with a car, an order with two lines, a recommendation."""
    folder.mkdir()
    rows = {
        "clients": ["external_id;name;kind;phones;email;do_not_call;branch_code"],
        "vehicles": ["external_id;vin;plate;make;model;year;sale_date;owner_external_id"],
        "repair_orders": [
            "external_id;number;branch_code;workshop;department;client_external_id;"
            "vehicle_external_id;opened_at;closed_at;mileage;kind;amount"
        ],
        "repair_order_lines": ["repair_order_external_id;position;kind;name;quantity;amount"],
        "recommendations": ["external_id;repair_order_external_id;text;done;done_in_external_id"],
    }
    for n in range(size):
        c, v, o = f"{prefix}C{n}", f"{prefix}V{n}", f"{prefix}O{n}"
        vin = f"{prefix}XW8ZZZ6{n:09d}"
        rows["clients"].append(
            f"{c};Клиент {n};физ;8 921 {n:03d}-{n % 100:02d}-00, 8 911 {n:03d}-00-00;;0;SPB-01"
        )
        rows["vehicles"].append(f"{v};{vin};а{n:03d}вс78;Kia;Rio;2020;01.06.2020;{c}")
        rows["repair_orders"].append(
            f"{o};ЗН-{n};SPB-01;Механический;Сервис;{c};{v};01.03.2024;02.03.2024;30000;ТО;5000"
        )
        rows["repair_order_lines"].append(f"{o};1;работа;ТО-2;1;3000")
        rows["repair_order_lines"].append(f"{o};2;запчасть;Масло;4;2000")
        rows["recommendations"].append(f"{prefix}R{n};{o};Заменить щётки;нет;")
    for name, lines in rows.items():
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_query_count_does_not_grow_with_the_rows(tmp_path, django_assert_max_num_queries):
    organisation = tmp_path / "organisation"
    organisation.mkdir()
    (organisation / "branches.csv").write_text("code,name\nSPB-01,Автоцентр Нева\n")
    (organisation / "workshops.csv").write_text("branch_code,name\nSPB-01,Механический\n")
    (organisation / "departments.csv").write_text("branch_code,name\nSPB-01,Сервис\n")
    dms_import_folder(folder=organisation)
    write_export(tmp_path / "one", prefix="A", size=1)
    write_export(tmp_path / "fifty", prefix="B", size=50)

    with CaptureQueriesContext(connection) as one:
        dms_import_folder(folder=tmp_path / "one")
    with django_assert_max_num_queries(len(one)):
        report = dms_import_folder(folder=tmp_path / "fifty")

    assert report.file("clients").created == 50
    assert report.file("repair_order_lines").created == 100
    assert ClientPhone.objects.count() == 2 * 51
    assert Vehicle.objects.filter(last_mileage=30000).count() == 51


# --- phones: what the source said is kept -------------------------------------------------


def test_a_number_that_is_not_valid_is_kept_as_an_invalid_phone(tmp_path):
    (tmp_path / "branches.csv").write_text("code,name\nSPB-01,Автоцентр Нева\n", encoding="utf-8")
    (tmp_path / "clients.csv").write_text(
        "external_id;name;branch_code;phones\n"
        'CL-1;Смирнов Алексей;SPB-01;"+70000000000; 8 (921) 345-67-89 (моб.), доб. 12"\n'
        "CL-2;Кузнецова Ольга;SPB-01;12345\n",
        encoding="utf-8",
    )

    report = dms_import_folder(folder=tmp_path)
    again = dms_import_folder(folder=tmp_path)

    phones = ClientPhone.objects.order_by("client__external_id", "id")
    assert list(phones.values_list("number", "raw", "is_primary", "is_invalid")) == [
        ("", "+70000000000", False, True),
        ("+79213456789", "8 (921) 345-67-89 (моб.)", True, False),
        ("", "12345", False, True),
    ]
    assert [str(w) for w in report.file("clients").warnings] == [
        "clients.csv, строка 2: «phones»: «+70000000000» — не действительный номер, "
        "сохранён как недействительный",
        "clients.csv, строка 3: «phones»: «12345» — не действительный номер, "
        "сохранён как недействительный",
    ]
    assert again.file("clients").unchanged == 2
    assert ClientPhone.objects.count() == 3


# --- a very wide header and NUL bytes (the same result on SQLite and PostgreSQL) ----------


def _wide_clients(folder: Path, columns: int) -> None:
    (folder / "branches.csv").write_text("code,name\nSPB-01,Автоцентр Нева\n", encoding="utf-8")
    header = ["external_id", "name", "branch_code"] + [f"x{i}" for i in range(columns)]
    rows = [
        ["CL-1", "Смирнов Алексей", "SPB-01"] + [""] * columns,
        ["CL-2", "Кузнецова Ольга", "SPB-01"] + ["1"] * columns,
    ]
    text = "\n".join(",".join(row) for row in [header, *rows]) + "\n"
    (folder / "clients.csv").write_text(text, encoding="utf-8")


def test_a_header_of_20000_columns_is_checked_in_linear_time(tmp_path):
    header = ["external_id", "name", "branch_code"] + [f"x{i}" for i in range(20_000)]

    started = time.perf_counter()
    columns = dms_import.read_header(tmp_path / "clients.csv", header)
    seconds = time.perf_counter() - started

    assert len(columns) == 20_003
    # Counting each name's repeats over the whole header took 8 s on this machine.
    assert seconds < 1, f"header check took {seconds:.2f} s"


def test_import_of_a_20000_column_file_takes_seconds(tmp_path):
    _wide_clients(tmp_path, 20_000)

    started = time.perf_counter()
    report = dms_import_folder(folder=tmp_path)
    seconds = time.perf_counter() - started

    print(f"import of a 20,000-column clients.csv: {seconds:.2f} s")
    assert report.file("clients").created == 2
    assert seconds < 10, f"import took {seconds:.2f} s"


def test_repeated_columns_in_a_wide_header_are_still_named(tmp_path):
    header = ["external_id", "name", "branch_code"] + [f"x{i}" for i in range(20_000)]
    header += ["x7", "Name", "x7"]

    with pytest.raises(dms_import.DmsImportError, match="колонки повторяются: name, x7"):
        dms_import.read_header(tmp_path / "clients.csv", header)


def test_a_nul_byte_in_a_cell_is_a_bad_row_and_the_rest_of_the_file_loads(tmp_path):
    (tmp_path / "branches.csv").write_text("code,name\nSPB-01,Автоцентр Нева\n", encoding="utf-8")
    (tmp_path / "clients.csv").write_text(
        "external_id;name;branch_code;phones;comment\n"
        "CL-1;Смирнов Алексей;SPB-01;8 (921) 345-67-89;\n"
        "CL-2;Кузне\x00цова Ольга;SPB-01;;\n"
        "CL-3;Попов Дмитрий;SPB-01;8 921\x00345-67-89;\n"
        "CL-4;Васильева Екатерина;SPB-01;;в неизвестной колонке \x00 не мешает\n"
        "CL-\x005;Фёдоров Сергей;SPB-01;;\n",
        encoding="utf-8",
    )
    (tmp_path / "vehicles.csv").write_text(
        "external_id;make;owner_external_id\nVH-1;Lada;CL-1\nVH-2;Kia;CL-\x002\n",
        encoding="utf-8",
    )

    output = run_import(tmp_path)

    assert sorted(Client.objects.values_list("external_id", flat=True)) == ["CL-1", "CL-4"]
    assert list(Vehicle.objects.values_list("external_id", flat=True)) == ["VH-1"]
    assert list(ClientPhone.objects.values_list("number", flat=True)) == ["+79213456789"]
    reason = "в значении нулевой байт (символ NUL, \\x00), такое значение не сохраняется"
    for line in (
        f"clients.csv, строка 3: «name»: {reason}",
        f"clients.csv, строка 4: «phones»: {reason}",
        f"clients.csv, строка 6: «external_id»: {reason}",
        f"vehicles.csv, строка 3: «owner_external_id»: {reason}",
    ):
        assert line in output
    assert not any("\x00" in value for value in Client.objects.values_list("name", flat=True))


@pytest.mark.parametrize(
    "spoilt",
    ["RO-00001,3,part,Фильтр\x00 масляный", "RO-0000\x001,3,part,Фильтр масляный"],
)
def test_a_nul_byte_in_a_line_keeps_its_orders_other_lines(sample, spoilt):
    run_import(sample)
    listed = RepairOrderLine.objects.filter(repair_order__external_id="RO-00001").count()
    lines = (sample / "repair_order_lines.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("RO-00001,4,")]
    kept = [line.replace("RO-00001,3,part,Фильтр масляный", spoilt) for line in kept]
    (sample / "repair_order_lines.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")

    report = dms_import_folder(folder=sample)

    [problem] = report.file("repair_order_lines").bad
    assert problem.row == 4
    assert "нулевой байт" in problem.reason
    assert report.file("repair_order_lines").deleted == 0
    assert RepairOrderLine.objects.filter(repair_order__external_id="RO-00001").count() == listed
