"""`manage.py import_leads`: the JSON output, a dry run writing nothing, a real run making
worksheets, and files it cannot read."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from selections.models import Lead, LeadBatch
from tests.selections.importer_files import KLIENTY_TO, POTERYANNYE, importer_xlsx, lead_row
from worksheets.models import Worksheet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_leads", *args, stdout=out)
    return out.getvalue()


def test_dry_run_json_shape_on_the_to_sample(branch_a, service_a):
    payload = json.loads(
        run(str(KLIENTY_TO), "--variant", "to", "--branch", "A", "--dry-run", "--json")
    )
    assert set(payload) == {"rows", "summary"}
    assert payload["summary"] == {"ok": 38, "duplicate": 0, "error": 2}
    assert len(payload["rows"]) == 40
    first = payload["rows"][0]
    assert first == {
        "row": 5,
        "status": "ok",
        "reasons": [],
        "vin": "14A5URGXBBBA1P4BR",
        "plate": "Р962РС78",
        "name": "Попов Игорь Александрович",
        "phones": ["+79353374068"],
        "last_visit": "2025-08-25",
        "mileage": 123483,
    }
    no_phone = next(row for row in payload["rows"] if row["row"] == 12)
    assert no_phone["status"] == "error"
    assert no_phone["reasons"] == ["нет телефона"]
    assert no_phone["phones"] == []
    assert LeadBatch.objects.count() == 0


def test_dry_run_json_marks_duplicates_and_nulls(branch_a, service_a, tmp_path):
    path = tmp_path / "dup.xlsx"
    path.write_bytes(importer_xlsx(lead_row(1, Последний_визит="", Пробег=""), lead_row(1)))
    payload = json.loads(
        run(str(path), "--variant", "lost", "--branch", "A", "--dry-run", "--json")
    )
    first, second = payload["rows"]
    assert (first["last_visit"], first["mileage"]) == (None, None)
    assert second["status"] == "duplicate"
    assert second["reasons"] == ["тот же автомобиль, что в строке 2"]
    assert payload["summary"] == {"ok": 1, "duplicate": 1, "error": 0}


def test_run_without_dry_run_makes_the_batch_and_worksheets_once(branch_a, service_a):
    args = (str(POTERYANNYE), "--variant", "lost", "--branch", "A", "--json")
    payload = json.loads(run(*args))
    batch = LeadBatch.objects.get(pk=payload["batch"])
    assert batch.kind == LeadBatch.Kind.IMPORTER_FILE
    assert batch.importer_variant.code == "lost_clients"
    assert (batch.branch, batch.department) == (branch_a, service_a)
    assert batch.status == LeadBatch.Status.READY
    assert batch.file.name.endswith(".xlsx") and batch.file_name == "poteryannye-klienty.xlsx"
    assert batch.leads.count() == 30
    assert payload["worksheets"]["created"] == 30
    assert Worksheet.objects.filter(department=service_a).count() == 30
    # The same file again: a new batch, its tasks skipped as already there.
    again = json.loads(run(*args))
    assert again["worksheets"]["created"] == 0
    assert Worksheet.objects.filter(department=service_a).count() == 30


def test_human_output_lists_the_problem_rows(branch_a, service_a):
    output = run(str(KLIENTY_TO), "--variant", "to", "--branch", "A", "--dry-run")
    assert "годных лидов: 38, повторов: 0, с ошибками: 2" in output
    assert "строка 12: нет телефона" in output


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"VIN;\xd0\xa4\xd0\x98\xd0\x9e\n1;2\n", "текстовый файл"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97–2003"),
        (importer_xlsx(lead_row(1))[:500], "повреждён"),
    ],
)
def test_unreadable_file_exits_with_a_one_line_reason_writing_nothing(
    branch_a, service_a, tmp_path, data, reason
):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError) as excinfo:
        run(str(path), "--variant", "to", "--branch", "A")
    message = str(excinfo.value)
    assert reason in message and "\n" not in message
    assert message.startswith("bad.xlsx: ")
    assert LeadBatch.objects.count() == 0
    assert Lead.objects.count() == 0
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.xlsx"))


def test_unknown_branch_and_missing_file(branch_a, service_a, tmp_path):
    with pytest.raises(CommandError, match="кодом «Z» не найдена"):
        run(str(KLIENTY_TO), "--variant", "to", "--branch", "Z")
    with pytest.raises(CommandError, match="не найден"):
        run(str(tmp_path / "nope.xlsx"), "--variant", "to", "--branch", "A")


def test_exit_status_is_non_zero_from_a_shell(branch_a, service_a, tmp_path, capsys):
    from django.core.management import ManagementUtility

    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a workbook at all")
    # The entry point manage.py calls: a CommandError becomes status 1 and one stderr line.
    utility = ManagementUtility(
        ["manage.py", "import_leads", str(path), "--variant", "to", "--branch", "A"]
    )
    with pytest.raises(SystemExit) as excinfo:
        utility.execute()
    assert excinfo.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("CommandError: bad.xlsx: ") and "\n" not in err
