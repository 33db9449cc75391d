"""The «Выборки» tab and a batch's page: the run form, «Выбрать лиды», the lead list with its
checkboxes, «Поставить» / «Снять», «Создать рабочие листы» and its summary; query counts."""

import pytest
from django.urls import reverse

from selections.models import Lead, LeadBatch
from selections.services import selection_run
from tasks.models import Task
from tests.factories import WorkshopFactory
from tests.selections.conftest import Rule, day

pytestmark = pytest.mark.django_db

PAGE = reverse("selections:selections")


def batch_url(batch, name="batch"):
    return reverse(f"selections:{name}", args=[batch.pk])


@pytest.fixture
def warranty(make_kind):
    return make_kind(Rule.WARRANTY_END, name="Гарантия заканчивается")


def cars(make_car, count):
    return [make_car(sale_date=day("2022-12-10")) for _ in range(count)]


def december_batch(kind, user):
    return selection_run(
        kind=kind, user=user, period_from=day("2025-12-01"), period_to=day("2025-12-31")
    )


def test_tab_shows_the_run_form_and_the_tab_bar(client_manager_a, warranty):
    html = client_manager_a.get(PAGE).content.decode()

    assert 'class="tab active"' in html and ">Выборки</a>" in html
    assert "Выбрать лиды" in html
    assert "Гарантия заканчивается" in html  # the only ЦФО is chosen, its kinds offered
    for preset in ("Этот месяц", "Следующий месяц", "Прошлый месяц", "Свой период"):
        assert preset in html
    assert "Цех" not in html.split('id="run-form"')[1].split("</form>")[0]


def test_choosing_a_kind_by_workshop_shows_the_workshop_field(
    client_manager_a, make_kind, service_a, branch_a
):
    WorkshopFactory(branch=branch_a, name="Кузовной")
    kind = make_kind(Rule.LOST_CLIENTS_BY_WORKSHOP, name="Ушли из цеха")

    response = client_manager_a.get(
        PAGE,
        {"department": service_a.pk, "kind": kind.pk},
        headers={"HX-Request": "true", "HX-Target": "run-form"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<form id="run-form"')
    assert "Цех" in html and "Кузовной" in html


def test_run_creates_a_batch_and_opens_it(client_manager_a, warranty, make_car, service_a):
    cars(make_car, 2)

    response = client_manager_a.post(
        reverse("selections:run"),
        {
            "department": service_a.pk,
            "kind": warranty.pk,
            "period": "custom",
            "date_from": "2025-12-01",
            "date_to": "2025-12-31",
        },
    )

    batch = LeadBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch_url(batch)
    assert batch.total_rows == 2 and batch.period_to == day("2025-12-31")
    page = client_manager_a.get(response["Location"]).content.decode()
    assert "найдено лидов — 2" in page


def test_run_with_a_preset_takes_that_month(client_manager_a, warranty, service_a):
    client_manager_a.post(
        reverse("selections:run"),
        {"department": service_a.pk, "kind": warranty.pk, "period": "next_month"},
    )

    batch = LeadBatch.objects.get()
    assert batch.period_from.day == 1 and batch.period_from > day("2025-01-01")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"period": "custom", "date_from": "2025-12-31", "date_to": "2025-12-01"},
            "date_to",
            "раньше",
        ),
        ({"period": "custom", "date_from": "", "date_to": ""}, "date_from", "Укажите дату"),
        (
            {"period": "custom", "date_from": "2024-01-01", "date_to": "2025-12-31"},
            "date_to",
            "не длиннее года",
        ),
        ({"period": "someday"}, "period", "Выберите корректный вариант"),
    ],
)
def test_bad_periods_are_named_next_to_the_field(
    client_manager_a, warranty, service_a, data, field, message
):
    response = client_manager_a.post(
        reverse("selections:run"), {"department": service_a.pk, "kind": warranty.pk, **data}
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not LeadBatch.objects.exists()


def test_workshop_is_required_for_a_kind_by_workshop(client_manager_a, make_kind, service_a):
    kind = make_kind(Rule.LOST_CLIENTS_BY_WORKSHOP)

    response = client_manager_a.post(
        reverse("selections:run"),
        {"department": service_a.pk, "kind": kind.pk, "period": "last_month"},
    )

    assert "workshop" in response.context["form"].errors
    assert not LeadBatch.objects.exists()


def test_another_branchs_kind_cannot_be_run(client_manager_b, warranty, service_a):
    client_manager_b.post(
        reverse("selections:run"),
        {"department": service_a.pk, "kind": warranty.pk, "period": "next_month"},
    )
    assert not LeadBatch.objects.exists()


def test_select_all_clear_and_one(client_manager_a, warranty, make_car, manager_a):
    cars(make_car, 3)
    batch = december_batch(warranty, manager_a)
    url = batch_url(batch, "batch_select")

    client_manager_a.post(url, {"action": "all"})
    assert batch.leads.filter(selected=True).count() == 3
    client_manager_a.post(url, {"action": "none"})
    assert not batch.leads.filter(selected=True).exists()
    lead = batch.leads.first()
    response = client_manager_a.post(
        url, {"action": "one", "lead": lead.pk, "selected": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="leads"' in response.content.decode()
    assert list(batch.leads.filter(selected=True)) == [lead]


def test_create_shows_the_summary_and_links_to_the_stages(
    client_manager_a, warranty, make_car, manager_a
):
    cars(make_car, 2)
    batch = december_batch(warranty, manager_a)
    client_manager_a.post(batch_url(batch, "batch_select"), {"action": "all"})

    response = client_manager_a.post(batch_url(batch, "batch_create"), follow=True)

    html = response.content.decode()
    assert "Создано рабочих листов: 2" in html
    assert "Открыть «Этапы сделок»" in html
    assert Task.objects.count() == 2
    # A double submit makes nothing new.
    response = client_manager_a.post(batch_url(batch, "batch_create"), follow=True)
    assert "ничего не создано" in response.content.decode()
    assert Task.objects.count() == 2
    assert set(batch.leads.values_list("result", flat=True)) == {Lead.Result.WORKSHEET_CREATED}


def test_batch_of_another_branch_is_404(client_manager_b, warranty, manager_a):
    batch = december_batch(warranty, manager_a)
    for name in ("batch",):
        assert client_manager_b.get(batch_url(batch, name)).status_code == 404
    for name in ("batch_select", "batch_create"):
        assert client_manager_b.post(batch_url(batch, name), {"action": "all"}).status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
def test_batch_page_query_count_does_not_grow(
    client_manager_a, warranty, make_car, manager_a, rows, django_assert_max_num_queries
):
    cars(make_car, rows)
    batch = december_batch(warranty, manager_a)
    client_manager_a.post(batch_url(batch, "batch_select"), {"action": "all"})
    client_manager_a.post(batch_url(batch, "batch_create"))

    with django_assert_max_num_queries(14):
        response = client_manager_a.get(batch_url(batch))
    assert response.content.decode().count("data-lead=") == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_tab_query_count_does_not_grow(
    client_manager_a, warranty, manager_a, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        december_batch(warranty, manager_a)

    with django_assert_max_num_queries(18):
        response = client_manager_a.get(PAGE)
    assert response.content.decode().count("data-batch=") == rows
