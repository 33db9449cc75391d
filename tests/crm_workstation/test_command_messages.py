"""The management commands speak Russian, like the UI: their errors and their output."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from client_history.models import Client
from tests.factories import BranchFactory, ClientFactory

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
ENGLISH_WORDS = re.compile(r"\b(the|database|data|is|not|already|use|run|clients?)\b")


def assert_russian(message: str) -> None:
    assert CYRILLIC.search(message), message
    assert not ENGLISH_WORDS.search(message), message


def test_seed_demo_refuses_a_foreign_database_in_russian(db):
    BranchFactory(code="MSK1", name="Автоцентр на Ленинском")
    ClientFactory(external_id="1C-000123")
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--size", "S", stdout=io.StringIO())
    message = str(refused.value)
    assert_russian(message)
    assert "структурные единицы с кодами" in message and "MSK1" in message
    assert "клиенты, загруженные из DMS" in message

    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert_russian(out.getvalue())
    assert not Client.objects.filter(external_id__startswith="DEMO").exists()


def test_seed_demo_says_an_unknown_size_in_russian(db):
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--size", "XL", stdout=io.StringIO())
    assert "размер «XL» неизвестен: укажите S, M или L" in str(refused.value)


def test_import_dms_on_a_file_says_it_is_not_a_folder(db, tmp_path):
    export = tmp_path / "clients.csv"
    export.write_text("external_id,name,branch_code\n1,Иванов,A\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_dms", str(export), stdout=io.StringIO())
    message = str(refused.value)
    assert message == f"«{export}» — это файл, а не папка: укажите папку с файлами выгрузки."
    assert not Client.objects.exists()


def test_import_dms_on_a_missing_folder_says_so_in_russian(db, tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("import_dms", str(tmp_path / "nowhere"), stdout=io.StringIO())
    assert "не найдена" in str(refused.value)
    assert_russian(str(refused.value))
