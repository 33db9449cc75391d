"""Nothing lost, nothing half-made (issue 11, item 6): a crash in the middle of «Создать
рабочие листы» or of reading an importer file leaves the database as it was before — then the
same work, run again, succeeds.

The crash is simulated by a step of the work that does its writing and then raises. The tests
commit for real (transaction=True): the product's own transaction is the outermost one, as in
a request or in the db_worker, not a savepoint inside the test's.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from simple_history.manager import HistoryManager

from client_history.models import Client, ClientPhone, Vehicle
from crm_workstation.models import NumberSequence
from selections import services as selection_services
from selections.importer import services as importer_services
from selections.importer.services import importer_batch_create, importer_read
from selections.models import ImporterVariant, Lead, LeadBatch
from tasks.models import Task
from tests.factories import ClientFactory, ClientPhoneFactory, VehicleFactory
from tests.hostile import CYRILLIC
from tests.selections.importer_files import importer_xlsx, lead_row
from worksheets.models import Worksheet

pytestmark = pytest.mark.django_db(transaction=True)


class Crash(Exception):
    pass


def crash_after(target, name: str, monkeypatch, *, call: int = 1) -> None:
    """The `call`-th call of `target.name` does its work, then the process "dies" (raises)."""
    real = getattr(target, name)
    calls = []

    def crashing(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(name)
        if len(calls) == call:
            raise Crash(name)
        return result

    monkeypatch.setattr(target, name, crashing)


def snapshot() -> dict:
    """Every row count the two jobs write to, the leads' outcomes and the number counters."""
    return {
        "clients": Client.objects.count(),
        "phones": ClientPhone.objects.count(),
        "vehicles": Vehicle.objects.count(),
        "worksheets": Worksheet.objects.count(),
        "worksheet history": Worksheet.history.count(),
        "tasks": Task.objects.count(),
        "task history": Task.history.count(),
        "leads": Lead.objects.count(),
        "processed leads": Lead.objects.filter(result__isnull=False).exclude(result="").count(),
        "leads with a task": Lead.objects.filter(task__isnull=False).count(),
        "batches": LeadBatch.objects.count(),
        "batch states": sorted(LeadBatch.objects.values_list("status", "total_rows")),
        "counters": sorted(NumberSequence.objects.values_list("name", "value")),
    }


@pytest.fixture
def variant():
    return ImporterVariant.objects.get(code="maintenance")


@pytest.fixture
def selected_batch(variant, branch_a, service_a, head_a):
    """An importer batch of 6 leads, all selected: 4 new clients with new cars, a known
    client's known car (by VIN), and a new car of the same client (found by the phone)."""
    known = ClientFactory(home_branch=branch_a, name="Известный Клиент")
    ClientPhoneFactory(client=known, number="+79120000099")
    VehicleFactory(owner=known, vin="XW8AN2NE000000005")
    rows = [lead_row(n) for n in range(1, 5)]
    rows.append(lead_row(5, ФИО="Известный Клиент", Телефон="8 912 000-00-99"))
    rows.append(lead_row(6, Телефон="8 912 000-00-99"))
    data = importer_xlsx(*rows)
    result = importer_read(io.BytesIO(data), variant=variant)
    batch = importer_services.importer_batch_from_result(
        file=SimpleUploadedFile("six.xlsx", data),
        result=result,
        variant=variant,
        branch=branch_a,
        department=service_a,
        user=head_a,
    )
    selection_services.leads_set_selected(batch=batch, selected=True)
    return batch


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# Each step of «Создать рабочие листы», in order: the crash comes after it has written.
CREATION_STEPS = [
    (selection_services, "_new_clients", 1),
    (selection_services, "_new_vehicles", 1),
    (selection_services, "bulk_create_with_history", 2),  # the worksheets (1: the clients)
    # The history rows of the clients (1), the worksheets (2), then the tasks (3): after the
    # tasks and their chains are written.
    (HistoryManager, "bulk_history_create", 3),
    (selection_services, "_leads_write_results", 1),  # the very last write
]


@pytest.mark.parametrize(
    ("target", "name", "call"), CREATION_STEPS, ids=[step[1] for step in CREATION_STEPS]
)
def test_crash_while_creating_worksheets_leaves_everything_as_before(
    target, name, call, selected_batch, head_a, monkeypatch
):
    before = snapshot()
    crash_after(target, name, monkeypatch, call=call)

    with pytest.raises(Crash):
        selection_services.worksheets_create_from_leads(batch=selected_batch, user=head_a)

    assert snapshot() == before
    # The batch is not stuck (its lock went with the transaction): the same run now succeeds.
    monkeypatch.undo()
    summary = selection_services.worksheets_create_from_leads(batch=selected_batch, user=head_a)
    assert summary.created + summary.added == 6 - summary.skipped_total
    assert summary.tasks >= 5
    after = snapshot()
    assert after["tasks"] == before["tasks"] + summary.tasks
    assert after["processed leads"] == 6


def test_crash_while_creating_worksheets_through_the_page(
    selected_batch, client_head_a, monkeypatch
):
    """The same through «Создать рабочие листы»: the server error, then nothing written."""
    from django.urls import reverse

    before = snapshot()
    crash_after(HistoryManager, "bulk_history_create", monkeypatch, call=3)
    client_head_a.raise_request_exception = False

    response = client_head_a.post(reverse("selections:batch_create", args=[selected_batch.pk]))

    assert response.status_code == 500
    assert CYRILLIC.search(response.content.decode())  # the Russian 500 page
    assert snapshot() == before


def test_crash_while_storing_a_small_file_writes_nothing_and_keeps_no_file(
    variant, service_a, head_a, settings, monkeypatch
):
    """A file read in the request (up to IMPORTER_INLINE_MAX_ROWS rows): the batch, its leads
    and its stored file go together."""
    before = snapshot()
    crash_after(importer_services, "_leads_write", monkeypatch)

    with pytest.raises(Crash):
        importer_batch_create(
            file=SimpleUploadedFile("five.xlsx", importer_xlsx(*(lead_row(n) for n in range(5)))),
            variant=variant,
            branch=service_a.branch,
            department=service_a,
            user=head_a,
        )

    assert snapshot() == before
    stored = list(settings.MEDIA_ROOT.rglob("*.*")) if settings.MEDIA_ROOT.exists() else []
    assert stored == []


def test_crash_of_the_importer_job_leaves_no_leads_and_a_failed_batch(
    variant, service_a, head_a, settings, monkeypatch
):
    """A large file, read by the db_worker: the worker dies after writing the leads. None of
    them stays; the batch says, in Russian, that it failed and what to do."""
    settings.IMPORTER_INLINE_MAX_ROWS = 3
    batch = importer_batch_create(
        file=SimpleUploadedFile("eight.xlsx", importer_xlsx(*(lead_row(n) for n in range(8)))),
        variant=variant,
        branch=service_a.branch,
        department=service_a,
        user=head_a,
    )
    assert (batch.status, batch.leads.count()) == (LeadBatch.Status.PENDING, 0)
    before = snapshot()
    crash_after(importer_services, "_leads_write", monkeypatch)

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    batch.refresh_from_db()
    assert batch.status == LeadBatch.Status.FAILED
    assert CYRILLIC.search(batch.error) and "загрузите его снова" in batch.error
    assert DBTaskResult.objects.get().status == "FAILED"
    after = snapshot()
    assert after["leads"] == before["leads"] == 0
    assert {k: v for k, v in after.items() if k != "batch states"} == {
        k: v for k, v in before.items() if k != "batch states"
    }


def test_crash_of_import_leads_command_writes_nothing(
    variant, branch_a, service_a, tmp_path, monkeypatch
):
    path = tmp_path / "four.xlsx"
    path.write_bytes(importer_xlsx(*(lead_row(n) for n in range(4))))
    before = snapshot()
    crash_after(importer_services, "_leads_write", monkeypatch)

    with pytest.raises(Crash):
        call_command(
            "import_leads",
            str(path),
            "--variant",
            "to",
            "--branch",
            branch_a.code,
        )

    assert snapshot() == before
