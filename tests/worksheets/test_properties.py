"""Property-based hostile input over «Этапы сделок» (sections, search, filters, pages, the
chosen worksheet) and the worksheet window's responsible-executor form."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import (
    assert_clean_answer,
    choice_or_junk,
    form_of,
    hostile_get,
    hostile_number,
    hostile_page,
    hostile_post,
    hostile_text,
)
from worksheets.models import Worksheet

pytestmark = pytest.mark.django_db

STAGES_QUERY = form_of(
    {
        "stage": choice_or_junk("new", "in_work", "processed", "closed"),
        "q": hostile_text,
        "department": hostile_number,
        "purpose": hostile_number,
        "task_type": hostile_number,
        "worksheet": hostile_number,
        "page": hostile_page,
        "requests_page": hostile_page,
    }
)


@given(query=STAGES_QUERY, target=st.sampled_from(["", "stage-list", "worksheet-window"]))
def test_stages_answer_any_query(query, target, client_head_a, objects):
    headers = {"HX-Request": "true", "HX-Target": target} if target else {}
    response = hostile_get(client_head_a, reverse("worksheets:stages"), query, headers=headers)
    assert_clean_answer(response, where=query)
    assert response.status_code == 200


@given(query=STAGES_QUERY)
def test_stages_export_answers_any_query(query, client_head_a, objects):
    response = hostile_get(client_head_a, reverse("analytics:export_stages"), query)
    assert_clean_answer(response, where=query)


@given(responsible=st.one_of(hostile_number, st.lists(hostile_number, min_size=2, max_size=3)))
def test_responsible_form_answers_any_post(responsible, client_head_a, head_a, objects):
    worksheet = objects["worksheet"]
    before = Worksheet.objects.get(pk=worksheet.pk).responsible_id
    url = reverse("worksheets:worksheet_set_responsible", kwargs={"pk": worksheet.pk})

    response = hostile_post(client_head_a, url, {"responsible": responsible})

    assert_clean_answer(response, where=responsible)
    if response.status_code == 400:
        assert Worksheet.objects.get(pk=worksheet.pk).responsible_id == before
