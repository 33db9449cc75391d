"""Property-based hostile input over the task window's result form (with its follow-up,
involvement and service-request parts), «Мои задачи» and the reassign / involve forms.

Values are either junk or real choices (the task's version, reference ids, phones), so the
examples reach past the first «not a number» into the forms' own rules.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from crm_workstation.models import Workshop
from tasks.models import InterviewResult, PurchaseOption, Task, TaskType
from tests.hostile import (
    assert_clean_answer,
    choice_or_junk,
    form_of,
    hostile_date,
    hostile_datetime,
    hostile_get,
    hostile_number,
    hostile_page,
    hostile_post,
    hostile_text,
)

pytestmark = pytest.mark.django_db

SWITCHES = choice_or_junk("on", "1", "true", "")


def _soon() -> str:
    return (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


def _ids(queryset) -> list[str]:
    return [str(pk) for pk in queryset.values_list("pk", flat=True)]


@pytest.fixture
def choices(objects, service_a, sales_a, workshop_a):
    """Real values the task window offers, as strings."""
    return {
        "results": _ids(InterviewResult.objects.all()) or ["1"],
        "options": _ids(PurchaseOption.objects.all()) or ["1"],
        "types": _ids(TaskType.objects.all()) or ["1"],
        "departments": [str(service_a.pk), str(sales_a.pk)],
        "workshops": _ids(Workshop.objects.all()) or ["1"],
        "phones": _ids(objects["client"].phones.all()) or ["1"],
    }


def task_result_form(choices: dict, version: int):
    real = lambda key: choice_or_junk(*choices[key])  # noqa: E731
    return form_of(
        {
            "version": choice_or_junk(str(version), str(version + 1)),
            "outcome": choice_or_junk(*Task.Outcome.values),
            "interview_result": real("results"),
            "purchase_option": real("options"),
            "wrong_data": choice_or_junk(*Task.WrongData.values),
            "wrong_phone": real("phones"),
            "comment": hostile_text,
            "reported_mileage": hostile_number,
            "copied_from": hostile_number,
            "goal_completed": SWITCHES,
            "plan-enabled": SWITCHES,
            "plan-task_type": real("types"),
            "plan-planned_at": st.one_of(st.just(_soon()), hostile_datetime),
            "plan-comment": hostile_text,
            "plan-to_pool": SWITCHES,
            "involve-enabled": SWITCHES,
            "involve-department": real("departments"),
            "involve-executor": hostile_number,
            "involve-task_type": real("types"),
            "involve-planned_at": st.one_of(st.just(_soon()), hostile_datetime),
            "involve-comment": hostile_text,
            "request-enabled": SWITCHES,
            "request-workshop": real("workshops"),
            "request-desired_at": st.one_of(st.just(_soon()), hostile_datetime),
            "request-requested_works": hostile_text,
            "request-purchase_option": real("options"),
            "request-comment": hostile_text,
            "next": hostile_text,
            "save_next": SWITCHES,
        }
    )


@given(data=st.data(), htmx=st.booleans())
def test_task_result_form_answers_any_post(data, htmx, client_manager_a, objects, choices):
    task = Task.objects.get(pk=objects["task"].pk)
    form = data.draw(task_result_form(choices, task.version), label="form")
    url = reverse("tasks:task_window", kwargs={"pk": task.pk})

    response = hostile_post(
        client_manager_a, url, form, headers={"HX-Request": "true"} if htmx else {}
    )

    assert_clean_answer(response, where=form)
    if response.status_code == 302:
        assert "evil" not in response["Location"]
    if response.status_code == 200:  # the window again, with the errors: nothing saved
        assert Task.objects.get(pk=task.pk).version == task.version


@given(data=st.data())
def test_task_window_redrawn_for_any_choice(data, client_manager_a, objects, choices):
    task = objects["task"]
    query = data.draw(task_result_form(choices, 0), label="query")
    response = hostile_get(
        client_manager_a,
        reverse("tasks:task_window", kwargs={"pk": task.pk}),
        query,
        headers={"HX-Request": "true", "HX-Target": "result-fields"},
    )
    assert_clean_answer(response, where=query)


@given(
    query=form_of(
        {
            "period": choice_or_junk("today", "week", "overdue"),
            "date_from": hostile_date,
            "date_to": hostile_date,
            "task_type": hostile_number,
            "hide_finished": SWITCHES,
            "mine_page": hostile_page,
            "available_page": hostile_page,
        }
    ),
    htmx=st.booleans(),
)
def test_my_tasks_filter_answers_any_query(query, htmx, client_manager_a, objects):
    response = hostile_get(
        client_manager_a,
        reverse("tasks:my_tasks"),
        query,
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert_clean_answer(response, where=query)
    assert response.status_code == 200


@given(layout=hostile_text)
def test_my_tasks_layout_switch_answers_any_value(layout, client_manager_a):
    response = hostile_post(
        client_manager_a, reverse("tasks:my_tasks_set_view"), {"layout": layout}
    )
    assert_clean_answer(response, where=layout)


@given(data=st.data(), htmx=st.booleans())
def test_worksheet_involve_answers_any_post(data, htmx, client_head_a, objects, choices):
    real = lambda key: choice_or_junk(*choices[key])  # noqa: E731
    form = data.draw(
        form_of(
            {
                "involve-department": real("departments"),
                "involve-executor": hostile_number,
                "involve-task_type": real("types"),
                "involve-planned_at": st.one_of(st.just(_soon()), hostile_datetime),
                "involve-comment": hostile_text,
            }
        ),
        label="form",
    )
    worksheet = objects["worksheet"]
    tasks_before = Task.objects.count()

    response = hostile_post(
        client_head_a,
        reverse("tasks:worksheet_involve", kwargs={"pk": worksheet.pk}),
        form,
        headers={"HX-Request": "true", "HX-Target": "involve-slot"} if htmx else {},
    )

    assert_clean_answer(response, where=form)
    if response.status_code == 400:
        assert Task.objects.count() == tasks_before


@given(
    form=form_of(
        {
            "executor": hostile_number,
            "task": hostile_number,
            "worksheet": hostile_number,
            "everything": SWITCHES,
            "stage": choice_or_junk("new", "in_work", "processed"),
            "q": hostile_text,
            "department": hostile_number,
            "purpose": hostile_number,
            "task_type": hostile_number,
            "next": hostile_text,
        }
    ),
    htmx=st.booleans(),
)
# Found by this test: an id past a bigint reached the query (OverflowError on SQLite), and a
# `next` with a NUL was passed to redirect() (ValueError in reverse()).
@example(form={"task": "100000000000000000000"}, htmx=False)
@example(form={"worksheet": ["1", "-100000000000000000000"], "executor": "1"}, htmx=True)
@example(form={"executor": "0", "next": "a\x00b"}, htmx=False)
def test_reassign_answers_any_post(form, htmx, client_head_a, objects):
    response = hostile_post(
        client_head_a,
        reverse("tasks:tasks_reassign"),
        form,
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert_clean_answer(response, where=form)
    if response.status_code == 302:
        assert "evil" not in response["Location"]


@given(query=form_of({"page": hostile_page, "q": hostile_text}))
def test_fill_candidates_answers_any_query(query, client_manager_a, objects):
    response = hostile_get(
        client_manager_a,
        reverse("tasks:fill_candidates", kwargs={"pk": objects["task"].pk}),
        query,
        headers={"HX-Request": "true"},
    )
    assert_clean_answer(response, where=query)
