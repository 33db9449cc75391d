"""«Этапы сделок» (SPEC §5.1, §5.2): the stage rules on constructed cases, search by each key,
scope, and the page's query count."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import Task, TaskType
from tests.factories import (
    ClientFactory,
    ClientPhoneFactory,
    TaskFactory,
    VehicleFactory,
    WorksheetFactory,
    make_employee,
)
from worksheets import selectors
from worksheets.selectors import Stage

pytestmark = pytest.mark.django_db
URL = "/stages/"


def _task(worksheet, status="new", executor=None, **fields):
    """A task of its own type, so several on one worksheet never meet the one-unfinished rule."""
    now = timezone.now()
    code = f"t{Task.objects.count()}"
    task_type = TaskType.objects.create(name=f"Вид {code}", code=code)
    extra = {}
    if status in ("in_work", "on_control", "done"):
        extra["taken_at"] = now
    if status == "done":
        extra.update(outcome="interview", finished_at=now, comment="ok")
    return TaskFactory(
        worksheet=worksheet,
        task_type=task_type,
        status=status,
        executor=executor,
        **{**extra, **fields},
    )


def _stages(user) -> dict[int, str]:
    """Worksheet id → section, for every worksheet in the user's sections, by the rules."""
    conditions = selectors.stage_conditions(user)
    found = {}
    for stage in conditions:
        for pk in selectors.stage_of(
            selectors.stage_worksheets(user=user), user=user, stage=stage
        ).values_list("pk", flat=True):
            assert pk not in found, "a worksheet in two sections"
            found[pk] = stage
    return found


@pytest.fixture
def colleague(branch_a, service_a):
    return make_employee(
        "colleague_a", role="Менеджер", branches=[branch_a], departments=[service_a]
    )


def test_each_rule_puts_the_worksheet_in_its_section(manager_a, colleague, service_a):
    on_control = WorksheetFactory(department=service_a)
    _task(on_control, "on_control", manager_a)
    in_work = WorksheetFactory(department=service_a)
    _task(in_work, "in_work", manager_a)
    assigned = WorksheetFactory(department=service_a)
    _task(assigned, "new", manager_a)
    pool = WorksheetFactory(department=service_a)
    _task(pool, "new", None)
    processed = WorksheetFactory(department=service_a)
    _task(processed, "done", manager_a)
    _task(processed, "cancelled", None)

    assert _stages(manager_a) == {
        on_control.pk: Stage.ON_CONTROL,
        in_work.pk: Stage.IN_WORK,
        assigned.pk: Stage.NEW,
        pool.pk: Stage.NEW,
        processed.pk: Stage.PROCESSED,
    }


def test_the_first_rule_that_matches_wins(manager_a, colleague, service_a):
    control_and_work = WorksheetFactory(department=service_a)
    _task(control_and_work, "on_control", manager_a)
    _task(control_and_work, "in_work", manager_a)
    _task(control_and_work, "new", None)
    work_and_new = WorksheetFactory(department=service_a)
    _task(work_and_new, "in_work", manager_a)
    _task(work_and_new, "new", manager_a)
    new_and_done = WorksheetFactory(department=service_a)
    _task(new_and_done, "done", manager_a)
    _task(new_and_done, "new", None)

    assert _stages(manager_a) == {
        control_and_work.pk: Stage.ON_CONTROL,
        work_and_new.pk: Stage.IN_WORK,
        new_and_done.pk: Stage.NEW,
    }


def test_worksheets_outside_every_rule_are_in_no_section(manager_a, colleague, service_a):
    # Done by me, but a colleague still works on it: not processed, not mine in work.
    shared = WorksheetFactory(department=service_a)
    _task(shared, "done", manager_a)
    _task(shared, "in_work", colleague)
    # A colleague's new task, and a colleague's finished work.
    theirs = WorksheetFactory(department=service_a)
    _task(theirs, "new", colleague)
    finished = WorksheetFactory(department=service_a)
    _task(finished, "done", colleague)
    # Only cancelled.
    _task(WorksheetFactory(department=service_a), "cancelled", manager_a)

    assert _stages(manager_a) == {}
    assert _stages(colleague) == {
        shared.pk: Stage.IN_WORK,
        theirs.pk: Stage.NEW,
        finished.pk: Stage.PROCESSED,
    }


def test_stages_stay_within_the_users_departments(
    manager_a, manager_b, service_a, sales_a, service_b, branch_a
):
    # A client of branch A with a worksheet in branch B's department: A's manager does not
    # see it in the stages even with a task of theirs on it, and B's manager sees it.
    client = ClientFactory(home_branch=branch_a)
    elsewhere = WorksheetFactory(department=service_b, client=client)
    _task(elsewhere, "in_work", manager_a)
    _task(elsewhere, "new", None)
    other_department = WorksheetFactory(department=sales_a)
    _task(other_department, "new", None)
    mine = WorksheetFactory(department=service_a, client=client)
    _task(mine, "new", None)

    assert _stages(manager_a) == {mine.pk: Stage.NEW}
    assert _stages(manager_b) == {elsewhere.pk: Stage.NEW}


def test_the_page_shows_the_four_sections_with_their_counts(client_manager_a, manager_a, service_a):
    for _ in range(2):
        _task(WorksheetFactory(department=service_a), "new", None)
    _task(WorksheetFactory(department=service_a), "in_work", manager_a)
    _task(WorksheetFactory(department=service_a), "done", manager_a)

    response = client_manager_a.get(URL)

    sections = {s["key"]: s["count"] for s in response.context["sections"]}
    assert sections == {"new": 2, "in_work": 1, "processed": 1, "on_control": 0}
    assert [s["label"] for s in response.context["sections"]] == [
        "Новые",
        "В работе",
        "Обработаны",
        "На контроле",
    ]
    assert response.context["stage"] == "new"
    assert len(response.context["page_obj"].object_list) == 2
    html = response.content.decode()
    assert 'class="tab active" aria-current="page">Этапы сделок</a>' in html


def test_overdue_rows_are_marked_and_lead_the_list(client_manager_a, service_a):
    later = WorksheetFactory(department=service_a)
    _task(later, "new", None, planned_at=timezone.now() + dt.timedelta(days=2))
    late = WorksheetFactory(department=service_a)
    _task(late, "new", None, planned_at=timezone.now() - dt.timedelta(hours=2))

    response = client_manager_a.get(URL, {"stage": "new"})

    rows = response.context["page_obj"].object_list
    assert [row.pk for row in rows] == [late.pk, later.pk]
    assert [row.is_overdue for row in rows] == [True, False]
    assert f'<tr data-worksheet="{late.number}" class="overdue" data-overdue' in (
        response.content.decode()
    )


@pytest.fixture
def searchable(service_a, branch_a):
    client = ClientFactory(name="Журавлёва Инна Сергеевна", home_branch=branch_a)
    ClientPhoneFactory(client=client, number="+79055526678")
    vehicle = VehicleFactory(owner=client, plate="О123КХ777", vin="XW8ZZZ61ZKG123456")
    worksheet = WorksheetFactory(department=service_a, client=client)
    _task(worksheet, "new", None, vehicle=vehicle)
    other = WorksheetFactory(department=service_a)
    _task(other, "new", None)
    return worksheet


@pytest.mark.parametrize(
    "query",
    [
        "Журавлёва",
        "инна журавлева",
        "8 (905) 552-66-78",
        "+7 905 5526678",
        "6678",
        "о123кх",
        "XW8ZZZ61ZKG123456",
        "123456",
    ],
)
def test_search_by_name_phone_plate_or_vin(client_manager_a, searchable, query):
    response = client_manager_a.get(URL, {"q": query})

    assert [row.pk for row in response.context["page_obj"].object_list] == [searchable.pk]


def test_filters_by_department_purpose_and_task_type(client_head_a, service_a, sales_a):
    service = WorksheetFactory(department=service_a)
    service_task = _task(service, "new", None)
    sales = WorksheetFactory(department=sales_a)
    _task(sales, "new", None)

    def listed(**params):
        response = client_head_a.get(URL, {"stage": "new", **params})
        return {row.pk for row in response.context["page_obj"].object_list}

    assert listed() == {service.pk, sales.pk}
    assert listed(department=sales_a.pk) == {sales.pk}
    assert listed(task_type=service_task.task_type_id) == {service.pk}
    assert listed(purpose=service.purpose_id) == {service.pk, sales.pk}
    # A filter that is not a choice is named, and the rest of the page still works.
    response = client_head_a.get(URL, {"department": "999999"})
    assert response.status_code == 200
    assert "Такого значения нет: выберите из списка." in response.content.decode()


def test_choosing_a_worksheet_shows_it_beside_the_list(client_manager_a, manager_a, service_a):
    worksheet = WorksheetFactory(department=service_a)
    task = _task(worksheet, "new", None, vehicle=VehicleFactory(owner=worksheet.client))

    page = client_manager_a.get(URL, {"worksheet": worksheet.pk})
    fragment = client_manager_a.get(
        URL,
        {"worksheet": worksheet.pk},
        headers={"HX-Request": "true", "HX-Target": "stage-detail"},
    )

    for response in (page, fragment):
        html = response.content.decode()
        assert 'id="stage-detail"' in html
        assert task.number in html
        assert reverse("client_history:client_card", args=[worksheet.client_id]) in html
        assert reverse("client_history:vehicle_card", args=[task.vehicle_id]) in html
        assert reverse("client_history:client_history", args=[worksheet.client_id]) in html
        assert f"{reverse('tasks:task_window', args=[task.pk])}?next=" in html
    assert 'id="stage-list"' in page.content.decode()
    assert 'id="stage-list"' not in fragment.content.decode()


def test_a_worksheet_out_of_scope_is_not_shown_and_its_window_answers_404(
    client_manager_a, service_b
):
    stranger = WorksheetFactory(department=service_b)
    _task(stranger, "new", None)

    response = client_manager_a.get(URL, {"worksheet": stranger.pk})

    assert response.context["selected"] is None
    assert stranger.number not in response.content.decode()
    window = reverse("worksheets:worksheet_window", args=[stranger.pk])
    assert client_manager_a.get(window).status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
def test_the_page_query_count_does_not_grow_with_rows(
    rows, client_head_a, head_a, service_a, django_assert_max_num_queries
):
    for _n in range(rows):
        worksheet = WorksheetFactory(department=service_a)
        _task(worksheet, "new", None, vehicle=VehicleFactory(owner=worksheet.client))
        _task(worksheet, "done", head_a)
    chosen = worksheet.pk
    client_head_a.get(URL)  # the session and the user's scope are read once per request anyway
    with django_assert_max_num_queries(19):
        response = client_head_a.get(URL, {"worksheet": chosen})
    assert response.context["page_obj"].paginator.count == rows
    with django_assert_max_num_queries(19):
        client_head_a.get(URL, {"stage": "processed", "page": 2})
