"""Property-based hostile input over «Аналитика»: the period, its dates, the branch /
department / manager, the block and the batches' page, on the tab and in its exports."""

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from analytics.tables import BLOCKS
from tests.hostile import (
    assert_clean_answer,
    choice_or_junk,
    form_of,
    hostile_date,
    hostile_get,
    hostile_number,
    hostile_page,
)

pytestmark = pytest.mark.django_db

FILTERS = form_of(
    {
        "period": choice_or_junk("week", "month", "quarter", "year", "custom"),
        "date_from": hostile_date,
        "date_to": hostile_date,
        "branch": hostile_number,
        "department": hostile_number,
        "manager": hostile_number,
        "block": choice_or_junk(*BLOCKS),
        "batches_page": hostile_page,
    }
)


@given(query=FILTERS, htmx=st.booleans())
def test_analytics_answers_any_filter(query, htmx, client_head_a, objects):
    headers = {"HX-Request": "true", "HX-Target": "analytics-blocks"} if htmx else {}
    response = hostile_get(client_head_a, reverse("analytics:analytics"), query, headers=headers)
    assert_clean_answer(response, where=query)
    assert response.status_code == 200


@given(query=FILTERS, export=st.sampled_from(["analytics:export", "analytics:export_my_tasks"]))
# Found by these tests: a control character typed into a filter reached openpyxl, which
# refuses it in a cell (IllegalCharacterError); the exports now drop such characters.
@example(query={"block": "funnel", "date_from": "\x01"}, export="analytics:export")
def test_analytics_exports_answer_any_filter(query, export, client_head_a, objects):
    response = hostile_get(client_head_a, reverse(export), query)
    assert_clean_answer(response, where=query)


def test_export_drops_control_characters_from_the_filters(client_head_a, objects):
    response = client_head_a.get(reverse("analytics:export_stages"), {"q": "Ив\x01ан\x1f"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
