"""Property-based hostile input over «Выборки»: the run form (ЦФО, kind, workshop, period and
its dates), the tab's query string, and a batch's lead selection and its filter."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from crm_workstation.models import Workshop
from selections.forms import Period
from selections.models import Lead, LeadBatch, SelectionKind
from tests.hostile import (
    assert_clean_answer,
    choice_or_junk,
    form_of,
    hostile_date,
    hostile_get,
    hostile_number,
    hostile_page,
    hostile_post,
    hostile_text,
)

pytestmark = pytest.mark.django_db


def _ids(queryset) -> list[str]:
    return [str(pk) for pk in queryset.values_list("pk", flat=True)] or ["1"]


@pytest.fixture
def run_choices(service_a, sales_a, workshop_a):
    return {
        "department": [str(service_a.pk), str(sales_a.pk)],
        "kind": _ids(SelectionKind.objects.all()),
        "workshop": _ids(Workshop.objects.all()),
    }


def run_form(choices: dict):
    return form_of(
        {
            "department": choice_or_junk(*choices["department"]),
            "kind": choice_or_junk(*choices["kind"]),
            "workshop": choice_or_junk(*choices["workshop"]),
            "period": choice_or_junk(*Period.values),
            "date_from": hostile_date,
            "date_to": hostile_date,
        }
    )


@given(data=st.data(), htmx=st.booleans())
def test_run_form_answers_any_post(data, htmx, client_head_a, run_choices):
    form = data.draw(run_form(run_choices), label="form")
    batches_before = LeadBatch.objects.count()

    response = hostile_post(
        client_head_a,
        reverse("selections:run"),
        form,
        headers={"HX-Request": "true"} if htmx else {},
    )

    assert_clean_answer(response, where=form)
    if response.status_code != 302:  # refused: the form again, and no batch
        assert LeadBatch.objects.count() == batches_before


@given(data=st.data(), htmx=st.booleans())
def test_selections_tab_redrawn_for_any_query(data, htmx, client_head_a, run_choices):
    query = data.draw(run_form(run_choices), label="query") | data.draw(
        form_of(
            {
                "branch": hostile_number,
                "variant": choice_or_junk("selections", "external"),
                "page": hostile_page,
            }
        ),
        label="more",
    )
    response = hostile_get(
        client_head_a,
        reverse("selections:selections"),
        query,
        headers={"HX-Request": "true", "HX-Target": "run-form"} if htmx else {},
    )
    assert_clean_answer(response, where=query)
    assert response.status_code == 200


@given(
    form=form_of(
        {
            "action": choice_or_junk("all", "none", "one"),
            "lead": hostile_number,
            "selected": choice_or_junk("1", "0"),
            "show": choice_or_junk("pending", "selected", "problems", "done"),
        }
    ),
    query=form_of({"show": hostile_text, "page": hostile_page}),
    htmx=st.booleans(),
)
def test_batch_lead_selection_answers_any_post(form, query, htmx, client_head_a, objects):
    batch = objects["importer_batch"]
    url = reverse("selections:batch_select", kwargs={"pk": batch.pk})
    response = hostile_post(
        client_head_a,
        f"{url}?show=x" if query else url,
        form,
        headers={"HX-Request": "true", "HX-Target": "leads"} if htmx else {},
    )
    assert_clean_answer(response, where=form)
    assert Lead.objects.filter(batch=batch, worksheet__isnull=False).count() == 0
    page = hostile_get(client_head_a, reverse("selections:batch", kwargs={"pk": batch.pk}), query)
    assert_clean_answer(page, where=query)
