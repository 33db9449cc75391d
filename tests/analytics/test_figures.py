"""Each figure of «Аналитика» on the constructed data set (conftest.py), counted by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from analytics import selectors
from analytics.forms import AnalyticsFilterForm
from selections.models import Lead
from tasks.services import service_requests_mark_arrived
from tests.analytics.conftest import BOOKED, DURING_CALL, PERIOD, at

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def filters_for(user, **query):
    return AnalyticsFilterForm({**PERIOD, **query}, user=user).filters()


@pytest.fixture
def marked(data_set):
    assert service_requests_mark_arrived(since=dt.date(2025, 1, 1)) == 1
    return data_set


def test_periods_are_ten_days_and_the_ten_before(head_a):
    period = filters_for(head_a).period
    assert (period.first, period.last) == (dt.date(2025, 3, 1), dt.date(2025, 3, 10))
    assert (period.previous.first, period.previous.last) == (
        dt.date(2025, 2, 19),
        dt.date(2025, 2, 28),
    )


def test_funnel_counts_each_step_and_the_previous_period(marked, head_a):
    funnel = selectors.funnel(filters_for(head_a))
    steps = {step.key: (step.figure.current, step.figure.previous) for step in funnel.steps}
    # due: t1–t7 (the cancelled one never was); done: t1–t4; reached: t1–t3 (Интервью);
    # booked: t1 (request) and t2 (booking result); arrived: t1 (request marked) and t2 (an
    # order three days after the call). Before: p1 (booked, never came) and p2 (no answer).
    assert steps == {
        "due": (7, 2),
        "done": (4, 2),
        "reached": (3, 1),
        "booked": (2, 1),
        "arrived": (2, 0),
    }
    assert funnel.steps[1].share == pytest.approx(57.1)  # 4 of 7
    assert (funnel.revenue.current, funnel.revenue.previous) == (Decimal("15000.00"), Decimal("0"))


def test_funnel_before_the_marking_counts_only_the_result_arrival(data_set, head_a):
    funnel = selectors.funnel(filters_for(head_a))
    assert funnel.steps[4].figure.current == 1  # t2; t1's request is not marked yet
    assert funnel.revenue.current == Decimal("5000.00")


def test_two_tasks_that_booked_the_same_visit_bring_its_revenue_once(data_set, head_a):
    """A second booking result for t2's car, a day later: the same order after both calls is
    one arrival of each task but one visit's revenue."""
    t2 = data_set["t2"]
    data_set["make"].task(
        at("2025-03-04"),
        executor=t2.executor,
        outcome="interview",
        interview=BOOKED,
        after=dt.timedelta(hours=1),
        status="done",
        worksheet=t2.worksheet,
        vehicle=t2.vehicle,
    )
    funnel = selectors.funnel(filters_for(head_a))
    assert funnel.steps[4].figure.current == 2  # t2 and the new task; t1 is not marked yet
    assert funnel.revenue.current == Decimal("5000.00")


def test_a_user_with_no_department_gets_a_funnel_of_zeros(data_set, it_a):
    funnel = selectors.funnel(filters_for(it_a))
    assert [(step.figure.current, step.figure.previous) for step in funnel.steps] == [(0, 0)] * 5
    assert (funnel.revenue.current, funnel.revenue.previous) == (Decimal("0"), Decimal("0"))


def test_a_cancelled_request_books_nothing(data_set, head_a):
    t4 = data_set["t4"]
    data_set["make"].request(
        t4, desired=at("2025-03-07"), created=t4.finished_at, status="cancelled"
    )
    funnel = selectors.funnel(filters_for(head_a))
    assert funnel.steps[3].figure.current == 2


def test_outcomes_by_task_type(marked, head_a):
    rows = selectors.outcomes(filters_for(head_a))
    assert len(rows) == 1
    row = rows[0]
    assert row.task_type == "Звонок ТО"
    by_outcome = [(cell.current, cell.previous) for cell in row.cells]
    # interview, no_answer, refused, wrong_data, repeat
    assert by_outcome == [(3, 1), (1, 1), (0, 0), (0, 0), (0, 0)]
    assert (row.total.current, row.total.previous) == (4, 2)


def test_managers_rows_for_a_head(marked, head_a):
    rows = {row.name: row for row in selectors.managers(filters_for(head_a))}
    assert set(rows) == {"Петров0 Иван", "Петров1 Иван"} or len(rows) == 2
    a, a2 = sorted(rows.values(), key=lambda r: r.done.previous, reverse=True)
    # manager_a: done t1, t2 (before p1, p2); reached 2 of 2 (before 1 of 2); booked 2 of 2
    # (before 1 of 1); on control t5; overdue t5 and t6 (unfinished, planned long ago); median of
    # 2 h and 4 h is 3 h (before 6 h and 2 h: 4 h).
    assert (a.done.current, a.done.previous) == (2, 2)
    assert (a.reach_rate.current, a.reach_rate.previous) == (100.0, 50.0)
    assert (a.booking_rate.current, a.booking_rate.previous) == (100.0, 100.0)
    assert (a.on_control.current, a.on_control.previous) == (1, 0)
    assert (a.overdue.current, a.overdue.previous) == (2, 0)
    assert (a.median_to_done.current, a.median_to_done.previous) == (3 * H, 4 * H)
    # manager_a2: t3 (reached, not booked) and t4 (no answer): 1 h and 3 h.
    assert (a2.done.current, a2.done.previous) == (2, 0)
    assert (a2.reach_rate.current, a2.reach_rate.previous) == (50.0, None)
    assert (a2.booking_rate.current, a2.booking_rate.previous) == (0.0, None)
    assert (a2.median_to_done.current, a2.median_to_done.previous) == (2 * H, None)


def test_median_of_an_odd_count_is_the_middle_one(marked, head_a, manager_a2):
    make = marked["make"]
    make.task(
        at("2025-03-09"), executor=manager_a2, outcome="no_answer", status="done", after=10 * H
    )
    rows = selectors.managers(filters_for(head_a, manager=str(manager_a2.pk)))
    assert [row.median_to_done.current for row in rows] == [3 * H]  # 1 h, 3 h, 10 h


def test_a_manager_sees_only_their_own_row(marked, manager_a):
    rows = selectors.managers(filters_for(manager_a))
    assert len(rows) == 1
    assert rows[0].done.current == 2 and rows[0].on_control.current == 1


def test_a_manager_cannot_pick_another_manager(marked, manager_a, manager_a2):
    filters = filters_for(manager_a, manager=str(manager_a2.pk))
    assert filters.manager is None
    assert selectors.funnel(filters).steps[0].figure.current == 7


def test_the_head_narrows_to_a_manager(marked, head_a, manager_a2):
    funnel = selectors.funnel(filters_for(head_a, manager=str(manager_a2.pk)))
    assert [step.figure.current for step in funnel.steps] == [2, 2, 1, 0, 0]


def test_a_manager_of_another_branch_sees_nothing_of_this_one(marked, manager_b):
    filters = filters_for(manager_b)
    funnel = selectors.funnel(filters)
    # Only b1 (branch B): due, done, reached, booked, arrived by the order after the call.
    assert [step.figure.current for step in funnel.steps] == [1, 1, 1, 1, 1]
    assert funnel.revenue.current == Decimal("99999.00")
    assert [row.total.current for row in selectors.outcomes(filters)] == [1]
    assert selectors.campaigns(filters) == []
    assert [row.name for row in selectors.backlog(filters)] == []


def test_a_branch_of_another_user_cannot_be_chosen(marked, manager_b, branch_a, service_a):
    form = AnalyticsFilterForm(
        {**PERIOD, "branch": str(branch_a.pk), "department": str(service_a.pk)}, user=manager_b
    )
    filters = form.filters()
    assert filters.branch is None and filters.department is None
    assert "branch" in form.errors and "department" in form.errors
    assert selectors.funnel(filters).steps[0].figure.current == 1


def test_backlog_overdue_today_and_next_week(service_a, manager_a, head_a):
    from tests.analytics.conftest import Maker

    now = at("2025-03-05", 12)
    make = Maker(service_a)
    make.task(now - H, executor=manager_a, status="in_work")  # overdue
    make.task(now - 30 * H)  # overdue, unassigned
    make.task(now + H, executor=manager_a, status="in_work")  # today
    make.task(at("2025-03-06", 0))  # tomorrow 00:00: the next 7 days
    make.task(at("2025-03-12", 23), executor=manager_a, status="in_work")  # the 7th day
    make.task(at("2025-03-13", 0), executor=manager_a, status="in_work")  # after the week
    make.task(now - H, executor=manager_a, outcome="no_answer", status="done", after=H)  # done
    rows = selectors.backlog(filters_for(head_a), now=now)
    assert [(r.name, r.overdue, r.today, r.week) for r in rows] == [
        ("Не назначены", 1, 0, 1),
        (f"{manager_a.last_name} {manager_a.first_name}", 1, 1, 1),
    ]


def test_campaigns_count_chains_by_kind_and_variant(
    marked, make_batch, selection_kind, importer_variant, head_a, manager_a
):
    t1, t2, t3, t7 = marked["t1"], marked["t2"], marked["t3"], marked["t7"]
    make = marked["make"]
    # t7 (new) starts a chain whose follow-up booked and came: counted for t7's lead.
    follow_up = make.task(
        at("2025-03-08"),
        executor=manager_a,
        outcome="interview",
        interview="Клиент записан на сервис",
        status="done",
        after=H,
        worksheet=t7.worksheet,
        vehicle=t7.vehicle,
        origin_task=t7,
        previous_task=t7,
    )
    make.order(t7.vehicle, "2025-03-09", "3000.00")
    make.order(t7.vehicle, "2025-03-10", "4000.00")  # a second order: not the first visit
    worked = Lead.Result.WORKSHEET_CREATED
    make_batch(
        (worked, t1),
        (Lead.Result.TASK_ADDED, t3),
        (Lead.Result.SKIPPED, None),
        kind=selection_kind,
        created=at("2025-03-01", 9),
    )
    make_batch((worked, t7), kind=selection_kind, created=at("2025-03-02", 9))
    make_batch((worked, t2), variant=importer_variant, created=at("2025-03-03", 9))
    make_batch((worked, marked["p1"]), kind=selection_kind, created=at("2025-02-20", 9))
    rows = {row.name: row for row in selectors.campaigns(filters_for(head_a))}
    kind = rows["Подошло ТО"].figures
    assert {key: (f.current, f.previous) for key, f in kind.items()} == {
        "batches": (2, 1),
        "leads": (4, 1),
        "worksheets": (3, 1),
        "booked": (2, 1),  # t1, and t7 through its follow-up
        "arrived": (2, 0),
        "revenue": (Decimal("13000.00"), Decimal("0")),  # 10 000 (t1) + 3 000 (first of t7)
    }
    variant = rows[importer_variant.name].figures
    assert (variant["leads"].current, variant["arrived"].current) == (1, 1)
    assert variant["revenue"].current == Decimal("5000.00")
    assert rows[importer_variant.name].source == "Файл импортера"
    assert follow_up.origin_task_id == t7.pk


def test_batches_of_the_period(marked, make_batch, selection_kind, head_a):
    t1 = marked["t1"]
    make_batch(
        (Lead.Result.WORKSHEET_CREATED, t1), kind=selection_kind, created=at("2025-03-01", 9)
    )
    make_batch(
        (Lead.Result.WORKSHEET_CREATED, marked["p1"]),
        kind=selection_kind,
        created=at("2025-02-20", 9),
    )
    filters = filters_for(head_a)
    rows = selectors.with_batch_figures(filters, list(selectors.batches(filters)))
    assert [
        (r["leads_cur"], r["booked_cur"], r["arrived_cur"], r["revenue_cur"]) for r in rows
    ] == [(1, 1, 1, Decimal("10000.00"))]


def test_the_page_shows_the_figures(marked, client_head_a):
    response = client_head_a.get("/analytics/", PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-step="arrived"' in body and "15\u202f000" in body
    assert "<svg" in body and 'role="img"' in body
    assert ' style="' not in body.split('<main class="content">')[1]


def test_interview_result_name_used(db):
    from tasks.models import InterviewResult

    assert InterviewResult.objects.filter(name=DURING_CALL, counts_as_booking=True).exists()


def test_a_preset_wins_over_dates_and_custom_takes_them(head_a):
    today = dt.date(2025, 5, 20)
    chosen = AnalyticsFilterForm({**PERIOD, "period": "quarter"}, user=head_a, today=today)
    assert (chosen.filters().period.first, chosen.filters().period.last) == (
        dt.date(2025, 4, 1),
        dt.date(2025, 6, 30),
    )
    custom = AnalyticsFilterForm({**PERIOD, "period": "custom"}, user=head_a, today=today)
    assert custom.filters().period.first == dt.date(2025, 3, 1)
    assert custom.chosen_preset == "custom"


def test_bad_dates_are_reported_in_russian_and_the_valid_part_is_used(head_a):
    form = AnalyticsFilterForm(
        {"date_from": "2025-03-10", "date_to": "2025-03-01"},
        user=head_a,
        today=dt.date(2025, 5, 20),
    )
    filters = form.filters()
    assert form.errors["date_to"] == ["Дата «по» раньше даты «с»."]
    # «по» is left out: the period is the day «с» names.
    assert (filters.period.first, filters.period.last) == (
        dt.date(2025, 3, 10),
        dt.date(2025, 3, 10),
    )
