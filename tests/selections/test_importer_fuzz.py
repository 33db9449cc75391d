"""The importer reader fuzzed: broken workbooks and wrong values, through the reader and the
upload view. Whatever the file, the answer is a result or a Russian reason — never another
exception, never a 500, and nothing written for a refused file.

The fixed hostile files of test_importer_reader.py (.xls, encrypted, CSV, zip bombs, DTD…)
stay there; these are the structural cases they do not cover, and generated damage.
"""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from selections.importer import ImporterFileError
from selections.importer.services import importer_batch_from_result, importer_read
from selections.models import ImporterVariant, Lead, LeadBatch
from tests.hostile import CYRILLIC, ENGLISH, hostile_text
from tests.selections.importer_files import HEADER, importer_xlsx, lead_row, xlsx_bytes

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "xl/worksheets/sheet1.xml"
GOOD = importer_xlsx(*(lead_row(n) for n in range(1, 6)))


@pytest.fixture
def variant():
    return ImporterVariant.objects.get(code="maintenance")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def read_or_refuse(data: bytes, variant):
    """The result, or the refusal's text; any other exception fails the test."""
    try:
        return importer_read(io.BytesIO(data), variant=variant)
    except ImporterFileError as refusal:
        message = str(refusal)
        assert CYRILLIC.search(message) and not ENGLISH.search(message), message
        return message


def rewritten(data: bytes, part: str, change) -> bytes:
    """The workbook with `part`'s bytes replaced by change(bytes) (None drops the part)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == part:
                content = change(content)
                if content is None:
                    continue
            target.writestr(info.filename, content)
    return out.getvalue()


def sheet_xml(rows_xml: bytes, *, dimension: bytes = b"A1:H6") -> bytes:
    return (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="' + dimension + b'"/><sheetData>' + rows_xml + b"</sheetData></worksheet>"
    )


def inline_row(number: int, values: list[str], *, refs: bool = True) -> bytes:
    cells = b"".join(
        (f'<c r="{chr(65 + i)}{number}" t="inlineStr">' if refs else '<c t="inlineStr">').encode()
        + b"<is><t>"
        + value.encode()
        + b"</t></is></c>"
        for i, value in enumerate(values)
    )
    return (f'<row r="{number}">' if refs else "<row>").encode() + cells + b"</row>"


GOOD_ROWS = inline_row(1, HEADER) + b"".join(
    inline_row(n + 1, [str(v) for v in lead_row(n)]) for n in range(1, 4)
)

# Damaged or odd workbooks: (name, bytes, what the answer must say — None: read it).
STRUCTURAL = [
    ("no sheets", rewritten(GOOD, "xl/workbook.xml", lambda x: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", x)), "нет листов"),
    ("no sheet part", rewritten(GOOD, SHEET, lambda x: None), "первый лист не найден"),
    ("no workbook rels", rewritten(GOOD, "xl/_rels/workbook.xml.rels", lambda x: None), "не читается"),
    ("sheet not XML", rewritten(GOOD, SHEET, lambda x: b"\x89PNG\r\n\x1a\n" + bytes(500)), "не читается"),
    ("workbook.xml not XML", rewritten(GOOD, "xl/workbook.xml", lambda x: x[: len(x) // 2]), "не читается как XML"),
    ("huge dimension claim", rewritten(GOOD, SHEET, lambda x: sheet_xml(GOOD_ROWS, dimension=b"A1:XFD1048576")), None),
    ("a value in XFD1048576", rewritten(GOOD, SHEET, lambda x: sheet_xml(GOOD_ROWS + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')), "ячеек"),
    ("far cells without references", rewritten(GOOD, SHEET, lambda x: sheet_xml(GOOD_ROWS + b'<row r="900000">' + b"<c/>" * 16383 + b"<c><v>1</v></c></row>")), "ячеек"),
    ("namespaced far cell", rewritten(GOOD, SHEET, lambda x: x.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=").replace(b"</worksheet>", b"</x:worksheet>").replace(b"<sheetData>", b"<x:sheetData>").replace(b"</sheetData>", b'<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row></x:sheetData>')), "ячеек"),
    ("rows and cells without references", rewritten(GOOD, SHEET, lambda x: sheet_xml(b"".join(inline_row(n, [str(v) for v in (HEADER if n == 1 else lead_row(n))], refs=False) for n in range(1, 5)))), None),
    ("formatted empty far cell", rewritten(GOOD, SHEET, lambda x: sheet_xml(GOOD_ROWS + b'<row r="1048576"><c r="XFD1048576" s="0"/></row>')), None),
    ("control-character escapes", rewritten(GOOD, SHEET, lambda x: sheet_xml(GOOD_ROWS + inline_row(5, ["_x0000_VIN_x001F_", "А001ВС77", "Kia", "Rio", "Ив_x0000_ан", "8 912 000-00-00"]))), None),
    ("shared strings out of range", rewritten(GOOD, SHEET, lambda x: sheet_xml(GOOD_ROWS + b'<row r="5"><c r="A5" t="s"><v>999999</v></c><c r="B5" t="s"><v>-1</v></c></row>')), "не читается"),
    ("typed cells of the wrong type", rewritten(GOOD, SHEET, lambda x: sheet_xml(GOOD_ROWS + b'<row r="5"><c r="A5" t="n"><v>abc</v></c><c r="B5" t="b"><v>7</v></c><c r="G5" t="d"><v>not a date</v></c><c r="H5" t="e"><v>#DIV/0!</v></c><c r="F5"><v>1e309</v></c></row>')), "не читается"),
    ("formulas", importer_xlsx(lead_row(1, ФИО="=HYPERLINK(\"http://x\",\"Иванов\")", Телефон="=1/0", Пробег="=SUM(A1:A9)")), None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "expected"), STRUCTURAL, ids=[s[0] for s in STRUCTURAL])
def test_structurally_odd_workbooks_read_or_refused_in_russian(name, data, expected, variant):
    answer = read_or_refuse(data, variant)
    if expected is None:
        assert not isinstance(answer, str), answer
        for row in answer.rows:
            assert all(CYRILLIC.search(error) for error in row.errors), row.errors
    else:
        assert isinstance(answer, str) and expected in answer, answer


def test_a_far_value_is_refused_before_the_reader_allocates_it(variant, monkeypatch):
    # calamine would ask for rows × columns cells at once and abort the process (not an
    # exception): it must never be called for such a file.
    monkeypatch.setattr(
        "selections.importer.workbook.python_calamine.CalamineWorkbook.from_filelike",
        lambda *a, **kw: pytest.fail("the sheet reached calamine"),
    )
    data = dict((s[0], s[1]) for s in STRUCTURAL)["a value in XFD1048576"]
    assert "1048576 строк × 16384 колонок" in read_or_refuse(data, variant)


@pytest.mark.parametrize(
    "name", ["control-character escapes", "formulas", "rows and cells without references"]
)
def test_odd_values_are_stored_as_leads(name, variant, service_a):
    """What the reader accepts, the database accepts (PostgreSQL refuses NUL in text and in
    jsonb: the `_x0000_` escape of OOXML makes one)."""
    data = dict((s[0], s[1]) for s in STRUCTURAL)[name]
    result = importer_read(io.BytesIO(data), variant=variant)
    batch = importer_batch_from_result(
        file=SimpleUploadedFile("odd.xlsx", data),
        result=result,
        variant=variant,
        branch=service_a.branch,
        department=service_a,
    )
    assert batch.leads.count() == len(result.rows)


@given(
    cut=st.integers(min_value=0, max_value=len(GOOD)),
    damage=st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(GOOD) - 1), st.binary(max_size=16)),
        max_size=4,
    ),
)
def test_damaged_bytes_are_read_or_refused_in_russian(cut, damage, variant):
    data = bytearray(GOOD)
    for at, junk in damage:
        data[at : at + len(junk)] = junk
    read_or_refuse(bytes(data[: max(cut, 1)] if cut < len(GOOD) else data), variant)


@given(data=st.binary(max_size=2000))
def test_random_bytes_named_xlsx_are_refused_in_russian(data, variant):
    answer = read_or_refuse(b"PK\x03\x04" + data, variant)
    assert isinstance(answer, str)


def _storable(text: str) -> str:
    # What openpyxl can write at all (the XML itself cannot hold control characters).
    return ILLEGAL_CHARACTERS_RE.sub("", text.encode("utf-8", "replace").decode("utf-8"))


any_cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.times(),
    hostile_text.map(_storable),
    st.sampled_from(["=1/0", "=NOW()", '=HYPERLINK("http://evil","x")', "@SUM(1)", "-5", "+7"]),
)


@given(rows=st.lists(st.lists(any_cell, min_size=len(HEADER), max_size=len(HEADER)), max_size=6))
def test_any_values_in_any_column_are_read_row_by_row(rows, variant):
    answer = read_or_refuse(xlsx_bytes([HEADER, *rows]), variant)
    if isinstance(answer, str):  # nothing below the header but empty rows, say
        return
    for row in answer.rows:
        assert row.status in ("ok", "duplicate", "error")
        assert all(CYRILLIC.search(error) for error in row.errors), row.errors


# Through the upload view: the same files answer 400 with the reason next to the field.


def _upload(http, data: bytes, department, name="file.xlsx"):
    return http.post(
        reverse("selections:importer_upload"),
        {
            "variant": ImporterVariant.objects.get(code="maintenance").pk,
            "department": department.pk,
            "file": SimpleUploadedFile(name, data, content_type=XLSX),
        },
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [(s[0], s[1]) for s in STRUCTURAL if s[2] is not None]
    + [
        ("csv renamed", "VIN;ФИО;Телефон\n1;Иванов;89123456789\n".encode("cp1251")),
        ("random bytes", bytes(range(256)) * 8),
        ("truncated", GOOD[: len(GOOD) // 3]),
        ("empty", b""),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_upload_of_a_broken_workbook_answers_400_in_russian(
    name, data, client_head_a, service_a, settings
):
    response = _upload(client_head_a, data, service_a)

    assert response.status_code == 400
    errors = response.context["upload_form"].errors["file"]
    assert errors and all(CYRILLIC.search(e) and not ENGLISH.search(e) for e in errors)
    assert not LeadBatch.objects.exists() and not Lead.objects.exists()
    stored = list(settings.MEDIA_ROOT.rglob("*.*")) if settings.MEDIA_ROOT.exists() else []
    assert stored == []


@given(data=st.binary(min_size=1, max_size=600), name=st.sampled_from(["a.xlsx", "a.xls", "a"]))
def test_upload_of_any_bytes_never_answers_500(data, name, client_head_a, service_a):
    response = _upload(client_head_a, data, service_a, name=name)
    assert response.status_code == 400
    assert not LeadBatch.objects.exists()


def test_a_form_post_over_the_request_limit_is_refused_with_the_russian_page(
    client_manager_a, objects, settings
):
    """Any other form: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused by Django before a
    view reads it, with the 400 page."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    url = reverse("tasks:task_window", kwargs={"pk": objects["task"].pk})

    response = client_manager_a.post(url, {"version": "0", "comment": "я" * 20_000})

    assert response.status_code == 400
    assert CYRILLIC.search(response.content.decode())
