"""«Загрузить из файла»: the upload, the size limit before reading, unreadable files writing
nothing, the background job (immediate and through the db_worker), the progress partial."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from selections.models import ImporterVariant, Lead, LeadBatch
from tests.selections.importer_files import KLIENTY_TO, importer_xlsx, lead_row

pytestmark = pytest.mark.django_db
UPLOAD = reverse("selections:importer_upload")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files(settings) -> list:
    return (
        [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
        if settings.MEDIA_ROOT.exists()
        else []
    )


def post(http, data: bytes, *, variant="maintenance", department, name="file.xlsx"):
    return http.post(
        UPLOAD,
        {
            "variant": ImporterVariant.objects.get(code=variant).pk,
            "department": department.pk,
            "file": SimpleUploadedFile(name, data, content_type=XLSX),
        },
    )


def test_upload_of_the_sample_makes_a_ready_batch_with_every_row(
    client_head_a, service_a, settings
):
    response = post(
        client_head_a, KLIENTY_TO.read_bytes(), department=service_a, name="klienty-to.xlsx"
    )
    batch = LeadBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("selections:batch", args=[batch.pk])
    assert (batch.kind, batch.status, batch.department) == ("importer_file", "ready", service_a)
    assert batch.branch == service_a.branch
    assert batch.file_name == "klienty-to.xlsx"
    assert batch.file.name.startswith("importer/") and len(stored_files(settings)) == 1
    assert (batch.total_rows, batch.processed_rows) == (40, 40)
    assert batch.leads.count() == 40
    assert batch.leads.filter(is_usable=True).count() == 38
    problem = batch.leads.get(row_number=12)
    assert (problem.is_usable, problem.errors, problem.data["status"]) == (
        False,
        ["нет телефона"],
        "error",
    )
    ok = batch.leads.get(row_number=5)
    assert ok.match == Lead.Match.NEW and ok.mileage == 123483
    assert ok.data["phones"] == ["+79353374068"] and ok.due_date.isoformat() == "2026-08-25"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"VIN;FIO\n1;2\n", "текстовый файл"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97–2003"),
        (importer_xlsx(lead_row(1))[:700], "повреждён"),
        (importer_xlsx(["a", "b"], header=["Просто", "таблица"]), "Не найдена строка заголовка"),
    ],
)
def test_unreadable_file_shown_next_to_the_field_and_nothing_written(
    client_head_a, service_a, settings, data, message
):
    response = post(client_head_a, data, department=service_a)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'class="field-error"' in response.content.decode()
    assert not LeadBatch.objects.exists() and not Lead.objects.exists()
    assert stored_files(settings) == []


def test_too_many_rows_refused(client_head_a, service_a):
    ImporterVariant.objects.filter(code="maintenance").update(max_rows=3)
    response = post(
        client_head_a, importer_xlsx(*(lead_row(n) for n in range(1, 5))), department=service_a
    )
    assert response.status_code == 400
    assert "больше 3 строк" in response.content.decode()
    assert not LeadBatch.objects.exists()


def test_oversized_upload_refused_by_its_length_before_the_body_is_read(
    client_head_a, service_a, settings, monkeypatch
):
    settings.IMPORTER_MAX_UPLOAD_BYTES = 1000
    monkeypatch.setattr(
        "selections.importer.views._upload", lambda *a: pytest.fail("the body was read")
    )
    response = post(client_head_a, bytes(200 * 1024), department=service_a)
    assert response.status_code == 413
    assert "Файл больше допустимых" in response.content.decode()
    assert not LeadBatch.objects.exists() and stored_files(settings) == []


def test_oversized_upload_refused_while_it_arrives_never_read(
    client_head_a, service_a, settings, monkeypatch
):
    # The declared length passes (the form's overhead), the file itself does not.
    settings.IMPORTER_MAX_UPLOAD_BYTES = 5000
    monkeypatch.setattr(
        "selections.importer.views.importer_batch_create",
        lambda **kw: pytest.fail("an oversized file reached the reader"),
    )
    response = post(client_head_a, KLIENTY_TO.read_bytes(), department=service_a)
    assert response.status_code == 400
    assert "Файл больше допустимых" in response.content.decode()
    assert not LeadBatch.objects.exists() and stored_files(settings) == []


def test_upload_needs_the_permission(client_manager_a, service_a):
    assert post(client_manager_a, KLIENTY_TO.read_bytes(), department=service_a).status_code == 403
    assert not LeadBatch.objects.exists()


def test_department_of_another_branch_refused(client_head_a, service_b):
    response = post(client_head_a, KLIENTY_TO.read_bytes(), department=service_b)
    assert response.status_code == 400
    assert "Выберите ЦФО из списка." in response.content.decode()
    assert not LeadBatch.objects.exists()


def test_it_loads_a_file_for_any_department_of_its_branch_and_follows_it(
    it_a, logged_in, service_a, sales_a, service_b
):
    http = logged_in(it_a)
    page = http.get(UPLOAD).content.decode()
    assert service_a.name in page and sales_a.name in page
    response = post(http, KLIENTY_TO.read_bytes(), department=sales_a)
    batch = LeadBatch.objects.get()
    assert response.status_code == 302 and batch.department == sales_a
    assert http.get(reverse("selections:batch", args=[batch.pk])).status_code == 200
    assert batch.file_name in http.get(reverse("selections:selections")).content.decode()
    # Not another branch's department, and not a batch IT did not load.
    assert post(http, KLIENTY_TO.read_bytes(), department=service_b).status_code == 400
    LeadBatch.objects.filter(pk=batch.pk).update(created_by=None)
    assert http.get(reverse("selections:batch", args=[batch.pk])).status_code == 404


def test_upload_page_without_javascript_has_variant_file_and_submit(client_head_a, service_a):
    page = client_head_a.get(UPLOAD).content.decode()
    assert 'name="variant"' in page and 'type="file"' in page and "Загрузить" in page
    assert "Клиенты ТО" in page and "Потерянные клиенты" in page
    tab = client_head_a.get(reverse("selections:selections") + "?variant=external").content.decode()
    assert "data-importer-upload" in tab and 'enctype="multipart/form-data"' in tab


def test_large_file_read_by_the_job_immediately_in_tests(
    client_head_a, service_a, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTER_INLINE_MAX_ROWS = 5
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client_head_a, importer_xlsx(*(lead_row(n) for n in range(1, 9))), department=service_a
        )
    batch = LeadBatch.objects.get()
    assert batch.status == "ready"
    assert batch.leads.count() == 8 and batch.processed_rows == 8


# Committed for real, as a web process and a worker share the database: the worker closes
# connections between jobs, which a test transaction would not survive.
@pytest.mark.django_db(transaction=True)
def test_large_file_waits_in_the_queue_until_the_db_worker_reads_it(
    client_head_a, service_a, settings
):
    settings.IMPORTER_INLINE_MAX_ROWS = 5
    post(client_head_a, importer_xlsx(*(lead_row(n) for n in range(1, 9))), department=service_a)
    batch = LeadBatch.objects.get()
    assert (batch.status, batch.total_rows, batch.leads.count()) == ("pending", 8, 0)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    progress = client_head_a.get(
        reverse("selections:importer_progress", args=[batch.pk]), HTTP_HX_REQUEST="true"
    )
    assert "в очереди" in progress.content.decode() and "HX-Refresh" not in progress

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    batch.refresh_from_db()
    assert (batch.status, batch.leads.count()) == ("ready", 8)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    progress = client_head_a.get(
        reverse("selections:importer_progress", args=[batch.pk]), HTTP_HX_REQUEST="true"
    )
    assert progress["HX-Refresh"] == "true"


def test_job_runs_once_per_batch(
    client_head_a, service_a, settings, django_capture_on_commit_callbacks
):
    from selections.importer.services import importer_batch_read

    settings.IMPORTER_INLINE_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=False):
        post(client_head_a, importer_xlsx(lead_row(1), lead_row(2)), department=service_a)
    batch = LeadBatch.objects.get()
    importer_batch_read(batch_id=batch.pk)
    importer_batch_read(batch_id=batch.pk)
    assert batch.leads.count() == 2


def test_progress_partial_while_parsing_and_scope(
    client_head_a, client_manager_b, service_a, head_a
):
    batch = LeadBatch.objects.create(
        kind="importer_file", branch=service_a.branch, department=service_a,
        status="parsing", total_rows=100, processed_rows=40,
    )  # fmt: skip
    url = reverse("selections:importer_progress", args=[batch.pk])
    fragment = client_head_a.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="40"' in fragment and 'hx-trigger="every 1s"' in fragment
    assert "Прочитано строк: 40 из 100" in fragment
    page = client_head_a.get(reverse("selections:batch", args=[batch.pk])).content.decode()
    assert 'id="importer-progress"' in page and "<progress" in page
    assert client_head_a.get(url).status_code == 302
    assert client_manager_b.get(url, HTTP_HX_REQUEST="true").status_code == 404
