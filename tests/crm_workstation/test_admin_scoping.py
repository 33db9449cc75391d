"""The admin's scoping reaches the history pages, and odd search terms or ids answer no 500."""

import pytest
from django.urls import reverse

from client_history.models import Client
from tasks.models import ServiceRequest
from tests.factories import ClientFactory, TaskFactory, WorksheetFactory
from worksheets.models import Worksheet

pytestmark = pytest.mark.django_db


def _history_urls(obj) -> tuple[str, str]:
    opts = obj._meta
    record = obj.history.latest()
    return (
        reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]),
        reverse(
            f"admin:{opts.app_label}_{opts.model_name}_simple_history",
            args=[obj.pk, record.history_id],
        ),
    )


def test_head_cannot_open_the_history_of_another_branchs_worksheet(
    client_head_a, service_a, service_b
):
    own = WorksheetFactory(department=service_a)
    foreign = WorksheetFactory(department=service_b)

    for url in _history_urls(own):
        assert client_head_a.get(url).status_code == 200
    for url in _history_urls(foreign):
        response = client_head_a.get(url)
        assert response.status_code == 404
        assert foreign.number not in response.content.decode()


def test_head_cannot_post_a_version_of_another_branchs_task(client_head_a, service_b):
    foreign = TaskFactory(worksheet__department=service_b, goal="Пригласить на ТО")
    _, version_url = _history_urls(foreign)

    response = client_head_a.post(version_url, {"goal": "Переписано чужим руководителем"})

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.goal == "Пригласить на ТО"


def test_head_cannot_open_the_history_of_another_branchs_client(client_head_a, branch_b):
    foreign = ClientFactory(home_branch=branch_b, name="Чужой Клиент")

    for url in _history_urls(foreign):
        assert client_head_a.get(url).status_code == 404


def test_superuser_still_sees_the_history_of_a_deleted_worksheet(client_superuser, service_a):
    worksheet = WorksheetFactory(department=service_a)
    history_url, _ = _history_urls(worksheet)
    worksheet.delete()

    assert client_superuser.get(history_url).status_code == 200


@pytest.mark.parametrize("object_id", ["abc", "%00"])
def test_history_of_a_malformed_id_is_not_found(client_superuser, object_id):
    url = reverse("admin:worksheets_worksheet_history", args=["1"]).replace("/1/", f"/{object_id}/")

    assert client_superuser.get(url).status_code == 404


def test_history_version_that_is_not_a_number_is_not_found(client_superuser, service_a):
    worksheet = WorksheetFactory(department=service_a)
    url = reverse("admin:worksheets_worksheet_simple_history", args=[worksheet.pk, "abc"])

    assert client_superuser.get(url).status_code == 404


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Worksheet, "client"),  # clients: a custom search
        (ServiceRequest, "task"),  # tasks: a custom search
        (ServiceRequest, "worksheet"),  # worksheets: a custom search
        (ServiceRequest, "vehicle"),  # vehicles: Django's own search
    ],
)
@pytest.mark.parametrize("term", ["\x00", "ab\x00cd", "²", "١٢٣", "7" * 5000])
def test_autocomplete_answers_odd_terms(client_head_a, model, field, term):
    response = client_head_a.get(
        reverse("admin:autocomplete"),
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
            "term": term,
        },
    )

    assert response.status_code == 200


@pytest.mark.parametrize("term", ["²", "7" * 5000])
def test_worksheet_changelist_search_by_odd_digits(client_head_a, term):
    response = client_head_a.get(reverse("admin:worksheets_worksheet_changelist"), {"q": term})

    assert response.status_code == 200


def test_client_history_page_still_opens_for_own_branch(client_head_a, branch_a):
    own = ClientFactory(home_branch=branch_a)
    own.do_not_call = True
    own.save()

    history_url, version_url = _history_urls(Client.objects.get(pk=own.pk))

    assert client_head_a.get(history_url).status_code == 200
    assert client_head_a.get(version_url).status_code == 200


def test_a_hand_posted_id_outside_the_scope_is_refused_by_admin_forms(
    head_a, branch_a, branch_b, service_a
):
    """Autocomplete fields validate against the related admin's scoped queryset, so a POST
    cannot link a worksheet of A to a client or vehicle of B."""
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    from tasks.models import Task
    from tests.factories import ClientFactory, VehicleFactory
    from worksheets.models import Worksheet

    request = RequestFactory().get("/admin/")
    request.user = head_a
    own_client = ClientFactory(home_branch=branch_a)
    foreign_client = ClientFactory(home_branch=branch_b)
    foreign_vehicle = VehicleFactory(owner=foreign_client)

    worksheet_form = django_admin.site._registry[Worksheet].get_form(request)
    clients = worksheet_form.base_fields["client"].queryset
    assert clients.filter(pk=own_client.pk).exists()
    assert not clients.filter(pk=foreign_client.pk).exists()

    task_form = django_admin.site._registry[Task].get_form(request)
    assert not task_form.base_fields["vehicle"].queryset.filter(pk=foreign_vehicle.pk).exists()
