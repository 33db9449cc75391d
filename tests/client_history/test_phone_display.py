"""Phones on the pages: a number that is not valid is shown as the source wrote it, marked,
and never as a `tel:` link; the admin keeps it invalid while other fields change."""

import pytest
from django.urls import reverse

from client_history.models import Client, ClientPhone
from tests.factories import ClientFactory, ClientPhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_with_phones(branch_a):
    client = ClientFactory(name="Смирнов Алексей", home_branch=branch_a)
    ClientPhoneFactory(client=client, number="8 (916) 123-45-67", is_primary=True)
    ClientPhoneFactory(client=client, number="+70000000000", is_primary=False, note="старый")
    return client


def test_card_shows_the_valid_number_formatted_and_the_invalid_one_as_written(
    client_manager_a, client_with_phones
):
    url = reverse("client_history:client_card", args=[client_with_phones.pk])
    page = client_manager_a.get(url).content.decode()

    assert 'href="tel:+79161234567"' in page
    assert "+7 916 123-45-67" in page
    assert "+70000000000" in page
    assert 'href="tel:+70000000000"' not in page
    assert 'href="tel:"' not in page
    assert "как указано в источнике" in page
    assert "недействителен" in page


def test_search_lists_an_invalid_primary_number_as_written(client_manager_a, branch_a):
    client = ClientFactory(name="Жуков Иван", home_branch=branch_a)
    ClientPhoneFactory(client=client, number="12-34", is_primary=True)
    ClientFactory(name="Жуков Пётр", home_branch=branch_a)  # two matches: the list, not a card

    page = client_manager_a.get(reverse("client_history:client_search"), {"q": "Жуков"})

    text = page.content.decode()
    assert "12-34" in text
    assert 'href="tel:"' not in text


def _admin_post(client_with_phones, number_of_invalid: str) -> dict:
    valid, invalid = client_with_phones.phones.order_by("id")
    return {
        "name": client_with_phones.name,
        "kind": client_with_phones.kind,
        "email": "",
        "home_branch": client_with_phones.home_branch_id,
        "external_id": client_with_phones.external_id,
        "phones-TOTAL_FORMS": "2",
        "phones-INITIAL_FORMS": "2",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "1000",
        "phones-0-id": valid.pk,
        "phones-0-client": client_with_phones.pk,
        "phones-0-number": "+79161234567",
        "phones-0-is_primary": "on",
        "phones-1-id": invalid.pk,
        "phones-1-client": client_with_phones.pk,
        "phones-1-number": number_of_invalid,
        "phones-1-note": "жена",
    }


def test_admin_shows_an_invalid_number_as_written_and_keeps_it_invalid(
    client_superuser, client_with_phones
):
    url = reverse("admin:client_history_client_change", args=[client_with_phones.pk])
    assert 'value="+70000000000"' in client_superuser.get(url).content.decode()

    response = client_superuser.post(url, _admin_post(client_with_phones, "+70000000000"))

    assert response.status_code == 302
    invalid = ClientPhone.objects.get(raw="+70000000000")
    assert (invalid.number, invalid.is_invalid, invalid.note) == ("", True, "жена")


def test_admin_replaces_an_invalid_number_with_a_valid_one(client_superuser, client_with_phones):
    url = reverse("admin:client_history_client_change", args=[client_with_phones.pk])

    response = client_superuser.post(url, _admin_post(client_with_phones, "8 903 111-22-33"))

    assert response.status_code == 302
    phone = Client.objects.get(pk=client_with_phones.pk).phones.get(note="жена")
    assert (phone.number, phone.raw) == ("+79031112233", "8 903 111-22-33")


def test_admin_refuses_a_new_number_that_is_not_valid(client_superuser, client_with_phones):
    url = reverse("admin:client_history_client_change", args=[client_with_phones.pk])

    response = client_superuser.post(url, _admin_post(client_with_phones, "+70000000001"))

    assert response.status_code == 200
    assert "Не похоже на российский номер телефона" in response.content.decode()
    assert ClientPhone.objects.filter(raw="+70000000000", number="").exists()
