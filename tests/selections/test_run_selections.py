"""`manage.py run_selections`: every active kind for its default period, worksheets created;
a second run the same day adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from selections.models import LeadBatch
from selections.rules import default_period, month_bounds
from tasks.models import Task
from tests.factories import WorkshopFactory
from tests.selections.conftest import REPAIR, Rule, day
from worksheets.models import Worksheet

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("run_selections", *args, stdout=out)
    return out.getvalue()


def test_default_periods():
    today = day("2026-03-15")
    assert default_period(Rule.MAINTENANCE_DUE, today) == (day("2026-04-01"), day("2026-04-30"))
    assert default_period(Rule.WARRANTY_END, today) == (day("2026-04-01"), day("2026-04-30"))
    assert default_period(Rule.LOST_CLIENTS, today) == (day("2025-03-01"), day("2025-03-31"))
    assert default_period(Rule.OPEN_RECOMMENDATIONS, today) == (
        day("2026-02-01"),
        day("2026-02-28"),
    )
    assert default_period(Rule.POST_VISIT, today) == (day("2026-03-14"), day("2026-03-14"))
    assert month_bounds(day("2026-12-31"), 1) == (day("2027-01-01"), day("2027-01-31"))


def test_runs_every_active_kind_and_is_idempotent(make_kind, make_car, branch_a):
    warranty = make_kind(Rule.WARRANTY_END, name="Гарантия")
    make_kind(Rule.POST_VISIT, name="После визита", is_active=False)
    lost = make_kind(Rule.LOST_CLIENTS_BY_WORKSHOP, name="Ушли из цеха")
    mechanical = WorkshopFactory(branch=branch_a, name="Механический")
    WorkshopFactory(branch=branch_a, name="Кузовной")
    make_car(sale_date=day("2023-04-10"))  # warranty ends 10.04.2026
    make_car((day("2025-03-05"), 20000, REPAIR, mechanical))  # last seen a year before

    output = run("--date", "2026-03-15")

    assert LeadBatch.objects.filter(selection_kind=warranty).count() == 1
    assert LeadBatch.objects.filter(selection_kind=lost).count() == 2  # one per workshop
    assert not LeadBatch.objects.filter(selection_kind__name="После визита").exists()
    assert Task.objects.count() == 2 and Worksheet.objects.count() == 2
    assert "Итого: выборок 3, новых лидов 2, рабочих листов создано 2" in output
    batch = LeadBatch.objects.get(selection_kind=warranty)
    assert batch.created_by is None and batch.period_from == day("2026-04-01")

    again = run("--date", "2026-03-15")

    assert LeadBatch.objects.count() == 3 and Task.objects.count() == 2
    assert "новых лидов 0, рабочих листов создано 0" in again


def test_a_new_car_the_next_night_joins_the_same_batch(make_kind, make_car):
    warranty = make_kind(Rule.WARRANTY_END)
    make_car(sale_date=day("2023-04-10"))
    run("--date", "2026-03-15")
    make_car(sale_date=day("2023-04-20"))

    run("--date", "2026-03-16")

    batch = LeadBatch.objects.get(selection_kind=warranty)
    assert batch.total_rows == 2 and list(batch.leads.values_list("row_number", flat=True)) == [
        1,
        2,
    ]
    assert Task.objects.count() == 2


def test_bad_date_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ГГГГ-ММ-ДД"):
        run("--date", "15.03.2026")
