"""«Мои задачи» (SPEC §6): the two sections, the filter and its presets, the list/notes choice,
pagination, query counts, and the header's reminder of due tasks."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm_workstation.models import EmployeeProfile
from tasks.filters import tasks_due_count
from tasks.models import Task, TaskType
from tests.factories import TaskFactory, VehicleFactory, WorksheetFactory

pytestmark = pytest.mark.django_db

URL = "/tasks/"
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def _task(department, *, executor=None, status=Task.Status.NEW, planned_at=None, **fields):
    """A task on a worksheet of its own (so the one-unfinished-task rule never interferes)."""
    worksheet = WorksheetFactory(department=department)
    values = {
        "worksheet": worksheet,
        "vehicle": VehicleFactory(owner=worksheet.client),
        "executor": executor,
        "status": status,
        "planned_at": planned_at or timezone.now() + dt.timedelta(hours=2),
    }
    if status != Task.Status.NEW:
        values["taken_at"] = timezone.now()
    if status == Task.Status.DONE:
        values.update(outcome=Task.Outcome.NO_ANSWER, finished_at=timezone.now())
    values.update(fields)
    return TaskFactory(**values)


def _sections(response) -> tuple[list[str], list[str]]:
    context = response.context
    return (
        [task.number for task in context["mine_page"].object_list],
        [task.number for task in context["available_page"].object_list],
    )


def _moscow(day: dt.date, hour=0, minute=0, second=0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=MOSCOW)


# Who sees what


def test_sections_hold_taken_and_available_tasks_by_status_and_assignment(
    client_manager_a, manager_a, head_a, service_a, sales_a, service_b
):
    in_work = _task(service_a, executor=manager_a, status=Task.Status.IN_WORK)
    on_control = _task(service_a, executor=manager_a, status=Task.Status.ON_CONTROL)
    done = _task(service_a, executor=manager_a, status=Task.Status.DONE)
    assigned_new = _task(service_a, executor=manager_a)
    pool_new = _task(service_a)
    # None of these is the manager's, in either section.
    cancelled = _task(service_a, executor=manager_a, status=Task.Status.CANCELLED)
    pool_cancelled = _task(service_a, status=Task.Status.CANCELLED)
    heads_new = _task(service_a, executor=head_a)
    heads_in_work = _task(service_a, executor=head_a, status=Task.Status.IN_WORK)
    other_department = _task(sales_a)
    other_branch = _task(service_b)

    mine, available = _sections(client_manager_a.get(URL))

    assert sorted(mine) == sorted([in_work.number, on_control.number, done.number])
    assert sorted(available) == sorted([assigned_new.number, pool_new.number])
    for stranger in (
        cancelled,
        pool_cancelled,
        heads_new,
        heads_in_work,
        other_department,
        other_branch,
    ):
        assert stranger.number not in mine + available


def test_the_head_sees_the_pool_of_each_of_their_departments(
    client_head_a, service_a, sales_a, service_b
):
    service, sales, other = _task(service_a), _task(sales_a), _task(service_b)

    mine, available = _sections(client_head_a.get(URL))

    assert mine == []
    assert sorted(available) == sorted([service.number, sales.number])
    assert other.number not in available


def test_manager_of_branch_b_sees_nothing_of_branch_a(
    client_manager_b, manager_a, service_a, service_b
):
    _task(service_a)
    _task(service_a, executor=manager_a, status=Task.Status.IN_WORK)
    own = _task(service_b)

    response = client_manager_b.get(URL)

    assert _sections(response) == ([], [own.number])
    assert "Автоцентр Север" not in response.content.decode()


# Filters and presets


def test_today_runs_from_moscow_midnight_to_the_next(client_manager_a, service_a):
    today = timezone.localdate()
    first = _task(service_a, planned_at=_moscow(today))
    last = _task(service_a, planned_at=_moscow(today, 23, 59, 59))
    tomorrow = _task(service_a, planned_at=_moscow(today + dt.timedelta(days=1)))
    yesterday = _task(service_a, planned_at=_moscow(today - dt.timedelta(days=1), 23, 59, 59))

    _, available = _sections(client_manager_a.get(URL, {"period": "today"}))

    assert available == [first.number, last.number]
    assert tomorrow.number not in available and yesterday.number not in available


def test_this_week_runs_from_monday_to_sunday_in_moscow(client_manager_a, service_a):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    first = _task(service_a, planned_at=_moscow(monday))
    last = _task(service_a, planned_at=_moscow(monday + dt.timedelta(days=6), 23, 59, 59))
    _task(service_a, planned_at=_moscow(monday + dt.timedelta(days=7)))
    _task(service_a, planned_at=_moscow(monday - dt.timedelta(days=1), 23, 59, 59))

    _, available = _sections(client_manager_a.get(URL, {"period": "week"}))

    assert available == [first.number, last.number]


def test_overdue_is_unfinished_and_planned_before_now(client_manager_a, manager_a, service_a):
    past = timezone.now() - dt.timedelta(minutes=5)
    late_new = _task(service_a, planned_at=past)
    late_in_work = _task(service_a, executor=manager_a, status=Task.Status.IN_WORK, planned_at=past)
    _task(service_a, executor=manager_a, status=Task.Status.DONE, planned_at=past)
    _task(service_a, planned_at=timezone.now() + dt.timedelta(minutes=5))

    response = client_manager_a.get(URL, {"period": "overdue"})

    assert _sections(response) == ([late_in_work.number], [late_new.number])
    html = response.content.decode()
    assert html.count("data-overdue") == 2
    assert 'class="overdue"' in html


def test_dates_from_and_to_take_whole_days(client_manager_a, service_a):
    day = timezone.localdate() + dt.timedelta(days=10)
    before = _task(service_a, planned_at=_moscow(day - dt.timedelta(days=1), 23, 59))
    first = _task(service_a, planned_at=_moscow(day))
    last = _task(service_a, planned_at=_moscow(day + dt.timedelta(days=1), 23, 59))
    after = _task(service_a, planned_at=_moscow(day + dt.timedelta(days=2)))

    response = client_manager_a.get(
        URL, {"date_from": day.isoformat(), "date_to": (day + dt.timedelta(days=1)).isoformat()}
    )

    _, available = _sections(response)
    assert available == [first.number, last.number]
    assert before.number not in available and after.number not in available
    # The Russian way of writing a date works too.
    response = client_manager_a.get(URL, {"date_from": day.strftime("%d.%m.%Y")})
    assert _sections(response)[1] == [first.number, last.number, after.number]


def test_task_type_filter(client_manager_a, service_a):
    repeat = TaskType.objects.get(code="repeat_call")
    wanted = _task(service_a, task_type=repeat)
    _task(service_a)

    _, available = _sections(client_manager_a.get(URL, {"task_type": repeat.pk}))

    assert available == [wanted.number]


def test_hide_finished_leaves_only_unfinished_tasks(client_manager_a, manager_a, service_a):
    in_work = _task(service_a, executor=manager_a, status=Task.Status.IN_WORK)
    done = _task(service_a, executor=manager_a, status=Task.Status.DONE)

    assert sorted(_sections(client_manager_a.get(URL))[0]) == sorted([in_work.number, done.number])
    mine, _ = _sections(client_manager_a.get(URL, {"hide_finished": "on"}))
    assert mine == [in_work.number]


def test_filter_lives_in_the_url_and_comes_back_in_the_form(client_manager_a):
    html = client_manager_a.get(URL, {"period": "overdue", "hide_finished": "on"}).content.decode()

    assert re.search(r'<input type="radio" name="period" value="overdue"[^>]*checked', html)
    assert re.search(r'<input type="checkbox" name="hide_finished"[^>]*checked', html)
    assert 'hx-push-url="true"' in html


# Order, pages, links


def test_sections_are_sorted_by_planned_time(client_manager_a, manager_a, service_a):
    now = timezone.now()
    hours = dt.timedelta(hours=1)
    late = _task(service_a, executor=manager_a, status=Task.Status.IN_WORK, planned_at=now - hours)
    soon = _task(
        service_a, executor=manager_a, status=Task.Status.ON_CONTROL, planned_at=now + hours
    )
    old_done = _task(
        service_a, executor=manager_a, status=Task.Status.DONE, planned_at=now - 9 * hours
    )
    new_done = _task(
        service_a, executor=manager_a, status=Task.Status.DONE, planned_at=now - 2 * hours
    )
    third = _task(service_a, planned_at=now + 3 * hours)
    first = _task(service_a, planned_at=now - 3 * hours)
    second = _task(service_a, planned_at=now + hours)

    mine, available = _sections(client_manager_a.get(URL))

    # Unfinished by planned time, then the finished ones, the latest first.
    assert mine == [late.number, soon.number, new_done.number, old_done.number]
    assert available == [first.number, second.number, third.number]


def test_each_section_has_its_own_pages(client_manager_a, manager_a, service_a, settings):
    settings.CRM_PAGE_SIZE = 3
    start = timezone.now() + dt.timedelta(days=1)
    pool = [_task(service_a, planned_at=start + dt.timedelta(minutes=i)) for i in range(7)]
    taken = [
        _task(
            service_a,
            executor=manager_a,
            status=Task.Status.IN_WORK,
            planned_at=start + dt.timedelta(minutes=i),
        )
        for i in range(4)
    ]

    response = client_manager_a.get(URL, {"available_page": 3, "mine_page": 2})

    assert _sections(response) == ([taken[3].number], [pool[6].number])
    html = response.content.decode()
    assert "?available_page=2&amp;mine_page=2" in html or "mine_page=2&amp;available_page=2" in html


def test_task_number_opens_the_task_window_and_comes_back(client_manager_a, service_a):
    task = _task(service_a)

    html = client_manager_a.get(URL, {"period": "week"}).content.decode()

    window = reverse("tasks:task_window", args=[task.pk])
    assert f'href="{window}?next=/tasks/%3Fperiod%3Dweek"' in html


def test_htmx_filter_change_redraws_only_the_sections(client_manager_a, service_a):
    task = _task(service_a)

    response = client_manager_a.get(
        URL, headers={"HX-Request": "true", "HX-Target": "my-tasks-sections"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="my-tasks-sections"')
    assert task.number in html
    assert "<header" not in html and 'id="my-tasks-filter"' not in html


# List or notes, remembered


def test_list_or_notes_is_remembered_for_the_user(client_manager_a, manager_a, service_a):
    _task(service_a, planned_at=timezone.now() - dt.timedelta(hours=1))
    assert 'class="list dense fixed my-tasks-list"' in client_manager_a.get(URL).content.decode()

    response = client_manager_a.post(
        reverse("tasks:my_tasks_set_view"), {"layout": "cards", "next": "/tasks/?period=overdue"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/tasks/?period=overdue"
    assert EmployeeProfile.objects.get(user=manager_a).my_tasks_view == "cards"
    html = client_manager_a.get(URL).content.decode()
    assert 'class="plain task-notes"' in html
    assert "task-note status-new is-overdue" in html
    assert "my-tasks-list" not in html

    client_manager_a.post(reverse("tasks:my_tasks_set_view"), {"layout": "list"})
    assert "my-tasks-list" in client_manager_a.get(URL).content.decode()


def test_a_user_without_a_profile_gets_one_when_choosing(client_superuser, superuser):
    assert not EmployeeProfile.objects.filter(user=superuser).exists()
    assert client_superuser.get(URL).status_code == 200

    client_superuser.post(reverse("tasks:my_tasks_set_view"), {"layout": "cards"})

    assert EmployeeProfile.objects.get(user=superuser).my_tasks_view == "cards"


@pytest.mark.parametrize("layout", ["", "table", "\x00", "cards" * 10])
def test_unknown_layout_changes_nothing_and_says_so(client_manager_a, manager_a, layout):
    response = client_manager_a.post(
        reverse("tasks:my_tasks_set_view"), {"layout": layout}, follow=True
    )

    assert response.status_code == 200
    assert "Неизвестный вид списка" in response.content.decode()
    assert EmployeeProfile.objects.get(user=manager_a).my_tasks_view == "list"


def test_switch_never_sends_the_user_to_another_site(client_manager_a):
    response = client_manager_a.post(
        reverse("tasks:my_tasks_set_view"), {"layout": "cards", "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("tasks:my_tasks")


# Bad input


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=junk", "Введите дату"),
        ("date_to=2025-13-45", "Введите дату"),
        ("date_from=31.02.2025&date_to=%00", "Введите дату"),
        ("task_type=abc", "Такого вида задачи нет"),
        ("task_type=999999", "Такого вида задачи нет"),
        ("period=forever", "Неизвестный период"),
        ("date_from=0001-01-01", "Укажите дату между"),
        ("date_to=9999-12-31", "Укажите дату между"),
    ],
)
def test_bad_filter_is_named_in_russian_and_the_rest_still_applies(
    client_manager_a, service_a, query, message
):
    task = _task(service_a)

    for headers in ({}, {"HX-Request": "true", "HX-Target": "my-tasks-sections"}):
        response = client_manager_a.get(f"{URL}?{query}", headers=headers)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Часть фильтра не применена" in html
        assert message in html
        assert task.number in html


@pytest.mark.parametrize(
    "query",
    [
        "mine_page=-1",
        "available_page=0&mine_page=abc",
        "mine_page=99999999999999999999",
        "hide_finished=maybe",
    ],
)
def test_odd_pages_and_flags_answer_a_page(client_manager_a, service_a, query):
    task = _task(service_a)

    response = client_manager_a.get(f"{URL}?{query}")

    assert response.status_code == 200
    assert task.number in response.content.decode()


# Query counts


def _queries(http, url, headers=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url, headers=headers or {}).status_code == 200
    return len(queries)


def _fill(manager, department, rows: int):
    start = timezone.now() - dt.timedelta(days=1)
    for i in range(rows):
        planned = start + dt.timedelta(minutes=i)
        _task(department, executor=manager, status=Task.Status.IN_WORK, planned_at=planned)
        _task(department, planned_at=planned)


@pytest.mark.parametrize("layout", ["list", "cards"])
@pytest.mark.parametrize("rows", [1, 50])
def test_query_count_does_not_grow_with_the_rows(
    client_manager_a, manager_a, service_a, settings, layout, rows, django_assert_max_num_queries
):
    settings.CRM_PAGE_SIZE = 50
    EmployeeProfile.objects.filter(user=manager_a).update(my_tasks_view=layout)
    _fill(manager_a, service_a, rows)

    # session, user, profile's layout, scope (branches, departments), task types of the form,
    # «Я исполнитель»: one count of both its parts and a page of its unfinished and of its
    # finished part (each in index order), «Доступные мне»: a count and a page; the header's
    # structural unit (2).
    with django_assert_max_num_queries(12):
        response = client_manager_a.get(URL)
    assert len(_sections(response)[0]) == rows
    with django_assert_max_num_queries(11):
        client_manager_a.get(URL, headers={"HX-Request": "true", "HX-Target": "my-tasks-sections"})


def test_query_count_is_the_same_for_1_and_50_rows(
    client_manager_a, manager_a, service_a, settings
):
    settings.CRM_PAGE_SIZE = 50
    _fill(manager_a, service_a, 1)
    one = _queries(client_manager_a, URL)
    _fill(manager_a, service_a, 49)
    assert _queries(client_manager_a, URL) == one


# The header: reminder, next task, tabs


def _due_fixture(manager_a, head_a, service_a, sales_a, service_b):
    past = timezone.now() - dt.timedelta(minutes=1)
    due = [
        _task(service_a, executor=manager_a, status=Task.Status.IN_WORK, planned_at=past),
        _task(service_a, executor=manager_a, status=Task.Status.ON_CONTROL, planned_at=past),
        _task(service_a, executor=manager_a, planned_at=past),
        _task(service_a, planned_at=past),
    ]
    # Not the manager's to do now: later, finished, somebody else's, another department.
    _task(service_a, executor=manager_a, planned_at=timezone.now() + dt.timedelta(hours=1))
    _task(service_a, executor=manager_a, status=Task.Status.DONE, planned_at=past)
    _task(service_a, status=Task.Status.CANCELLED, planned_at=past)
    _task(service_a, executor=head_a, planned_at=past)
    _task(sales_a, planned_at=past)
    _task(service_b, planned_at=past)
    return due


def test_reminder_counts_due_and_overdue_tasks_of_the_user(
    client_manager_a, manager_a, head_a, service_a, sales_a, service_b
):
    due = _due_fixture(manager_a, head_a, service_a, sales_a, service_b)

    assert tasks_due_count(manager_a) == len(due) == 4
    response = client_manager_a.get(reverse("tasks:reminder"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "К выполнению: 4" in html
    assert 'href="/tasks/?period=overdue"' in html
    # The link shows the same tasks.
    mine, available = _sections(client_manager_a.get(URL, {"period": "overdue"}))
    assert sorted(mine + available) == sorted(task.number for task in due)


def test_reminder_of_the_head_and_of_branch_b(
    client_manager_a, manager_a, head_a, manager_b, service_a, sales_a, service_b
):
    _due_fixture(manager_a, head_a, service_a, sales_a, service_b)

    # The head: their own, and the pools of Сервис and Отдел продаж.
    assert tasks_due_count(head_a) == 3
    assert tasks_due_count(manager_b) == 1


def test_reminder_with_nothing_due(client_manager_a):
    html = client_manager_a.get(reverse("tasks:reminder")).content.decode()

    assert "Срочных задач нет" in html


def test_reminder_is_one_count_query(
    client_manager_a, manager_a, head_a, service_a, sales_a, service_b
):
    _due_fixture(manager_a, head_a, service_a, sales_a, service_b)
    url = reverse("tasks:reminder")
    client_manager_a.get(url)

    with CaptureQueriesContext(connection) as queries:
        client_manager_a.get(url, headers={"HX-Request": "true"})

    # The session and the user, then one COUNT.
    assert len(queries) == 3
    assert "COUNT(" in queries[2]["sql"].upper()


def test_reminder_stops_polling_when_the_session_ends(client):
    response = client.get(reverse("tasks:reminder"), headers={"HX-Request": "true"})

    assert response.status_code == 286
    assert response.content == b""


def test_header_polls_the_reminder_and_offers_the_next_task(client_manager_a):
    html = client_manager_a.get(reverse("client_history:client_search")).content.decode()

    assert 'hx-get="/tasks/reminder/" hx-trigger="load, every 60s"' in html
    assert f'action="{reverse("tasks:next_task")}"' in html
    assert "Следующая задача" in html


def test_the_tab_bar_has_my_tasks_after_the_deal_stages(client_manager_a):
    response = client_manager_a.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("worksheets:stages")  # the home page (SPEC §5.2)

    html = client_manager_a.get(URL).content.decode()
    assert re.search(
        r'<a href="/tasks/" class="tab active" aria-current="page">Мои задачи</a>', html
    )
    tabs = re.findall(r'class="tab[^"]*"[^>]*>([^<]+)</a>', html)
    # SPEC's order of the four tabs; the client search after them.
    assert tabs == ["Этапы сделок", "Мои задачи", "Аналитика", "Выборки", "Клиенты"]


def test_my_tasks_page_has_the_next_task_button(client_manager_a):
    html = client_manager_a.get(URL).content.decode()

    assert html.count(f'action="{reverse("tasks:next_task")}"') == 2  # the page and the header


def test_mine_pages_run_from_the_unfinished_into_the_finished(
    client_manager_a, manager_a, service_a, settings
):
    settings.CRM_PAGE_SIZE = 3
    now = timezone.now()
    unfinished = [
        _task(
            service_a,
            executor=manager_a,
            status=Task.Status.IN_WORK,
            planned_at=now + dt.timedelta(hours=i),
        )
        for i in range(4)
    ]
    finished = [
        _task(
            service_a,
            executor=manager_a,
            status=Task.Status.DONE,
            outcome=Task.Outcome.NO_ANSWER,
            finished_at=now,
            planned_at=now - dt.timedelta(days=i + 1),
        )
        for i in range(4)
    ]

    pages = [
        [row.number for row in client_manager_a.get(URL, {"mine_page": n}).context["mine_page"]]
        for n in (1, 2, 3)
    ]

    assert pages == [
        [t.number for t in unfinished[:3]],
        [unfinished[3].number, finished[0].number, finished[1].number],
        [t.number for t in finished[2:]],
    ]
