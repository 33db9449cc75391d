"""Client search: by name, phone, plate and VIN, paginated, scoped to the user's branches."""

from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.urls import resolve, reverse

from client_history.models import Client
from tests.factories import ClientFactory, ClientPhoneFactory, VehicleFactory

URL = reverse("client_history:client_search")
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "search-results"}


def found(response) -> list[str]:
    """The clients a search found: the list it showed, or the one whose card it opened."""
    if response.status_code == 302:
        match = resolve(urlsplit(response["Location"]).path)
        assert match.view_name == "client_history:client_card"
        return [Client.objects.get(pk=match.kwargs["pk"]).name]
    return [client.name for client in response.context["page_obj"]]


@pytest.fixture
def smirnova(branch_a):
    client = ClientFactory(name="Смирнова Алёна Сергеевна", home_branch=branch_a)
    ClientPhoneFactory(client=client, number="+79161234567")
    VehicleFactory(owner=client, plate="А123ВС77", vin="XW8ZZZ61ZJG123456")
    return client


@pytest.fixture
def other_a(branch_a):
    client = ClientFactory(name="Кузнецов Пётр", home_branch=branch_a)
    ClientPhoneFactory(client=client, number="+79035550011")
    VehicleFactory(owner=client, plate="М777ММ199", vin="Z94CB41AAGR000777")
    return client


@pytest.mark.parametrize("query", ["смирнова", "СМИРНОВА", "алена", "Алёна  Сергеевна", "нова ал"])
def test_search_by_name_ignores_case_and_yo(client_manager_a, smirnova, other_a, query):
    response = client_manager_a.get(URL, {"q": query}, **HTMX)
    assert response.status_code == 200
    assert found(response) == ["Смирнова Алёна Сергеевна"]


@pytest.fixture
def smirnov(branch_a):
    return ClientFactory(name="Смирнов Алексей Фёдорович", home_branch=branch_a)


@pytest.mark.parametrize(
    "query",
    [
        "Алексей Смирнов",  # first name before surname
        "Федорович Смирнов Алексей",
        "смир алекс",  # beginnings of words
        "ей нов",  # any part of a word
        "Фёдорович",  # ё typed, ё stored
        "ФЕДОРОВИЧ алексей",  # е typed for a stored ё, any case
        "  алексей\tсмирнов  ",
    ],
)
def test_search_by_name_matches_every_word_in_any_order(
    client_manager_a, smirnov, smirnova, other_a, query
):
    assert found(client_manager_a.get(URL, {"q": query})) == ["Смирнов Алексей Фёдорович"]


@pytest.mark.parametrize("query", ["Алексей Кузнецов", "смирнов иван", "алексей смирнов 77"])
def test_search_by_name_needs_every_word(client_manager_a, smirnov, other_a, query):
    assert found(client_manager_a.get(URL, {"q": query})) == []


def test_search_by_a_shared_word_finds_every_client_with_it(client_manager_a, smirnov, smirnova):
    assert found(client_manager_a.get(URL, {"q": "смирнов"})) == [
        "Смирнов Алексей Фёдорович",
        "Смирнова Алёна Сергеевна",
    ]
    assert found(client_manager_a.get(URL, {"q": "смирнов ал"})) == [
        "Смирнов Алексей Фёдорович",
        "Смирнова Алёна Сергеевна",
    ]
    assert found(client_manager_a.get(URL, {"q": "смирнов алекс"})) == ["Смирнов Алексей Фёдорович"]


@pytest.mark.parametrize(
    "query",
    ["8 (916) 123-45-67", "+7 916 123 45 67", "9161234567", "89161234567", "7916123", "8916123"],
)
def test_search_by_phone_in_any_format(client_manager_a, smirnova, other_a, query):
    response = client_manager_a.get(URL, {"q": query})
    assert found(response) == ["Смирнова Алёна Сергеевна"]


@pytest.mark.parametrize("query", ["4567", "45-67", "4 5 6 7", "234567", "1234567", "(916) 12"])
def test_search_by_the_last_four_or_more_digits_of_a_phone(
    client_manager_a, smirnova, other_a, query
):
    assert found(client_manager_a.get(URL, {"q": query})) == ["Смирнова Алёна Сергеевна"]


@pytest.mark.parametrize("query", ["1234", "9161", "567", "45"])
def test_four_digits_match_the_end_of_a_number_only(client_manager_a, smirnova, query):
    # Four digits from the middle would match a good part of every client base; five or more
    # match anywhere (`(916) 12` above).
    assert found(client_manager_a.get(URL, {"q": query})) == []


def test_the_last_four_digits_find_every_client_with_them(client_manager_a, smirnova, branch_a):
    namesake = ClientFactory(name="Орлов Иван", home_branch=branch_a)
    ClientPhoneFactory(client=namesake, number="+79035554567")
    assert found(client_manager_a.get(URL, {"q": "4567"})) == [
        "Орлов Иван",
        "Смирнова Алёна Сергеевна",
    ]


@pytest.mark.parametrize("query", ["а123вс77", "a123bc77", "A 123 BC 77", "а123вс"])
def test_search_by_plate_lower_case_and_latin_look_alikes(
    client_manager_a, smirnova, other_a, query
):
    response = client_manager_a.get(URL, {"q": query})
    assert found(response) == ["Смирнова Алёна Сергеевна"]


@pytest.fixture
def orlova(branch_a):
    client = ClientFactory(name="Орлова Ольга", home_branch=branch_a)
    VehicleFactory(owner=client, plate="О707ОР199", vin="Z94CB41AAGR000999")
    return client


@pytest.mark.parametrize(
    "query",
    [
        "0707ОР199",  # a zero typed for the first О
        "0707 0Р 199",  # and for the second
        "o707op199",  # Latin letters
        "0707ор",  # without the region
        "0707о",  # its beginning
        "О7О7ОР199",  # the letter О typed for the zero
        "О707ОР1ЭЭ",  # not a look-alike: no match
    ],
)
def test_search_by_plate_with_digit_and_letter_look_alikes(
    client_manager_a, smirnova, orlova, query
):
    expected = [] if "Э" in query else ["Орлова Ольга"]
    assert found(client_manager_a.get(URL, {"q": query})) == expected


@pytest.mark.parametrize("query", ["XW8ZZZ61ZJG123456", "xw8zzz61zjg123456", "123456", "JG123456"])
def test_search_by_vin_and_vin_tail(client_manager_a, smirnova, other_a, query):
    response = client_manager_a.get(URL, {"q": query})
    assert found(response) == ["Смирнова Алёна Сергеевна"]


def test_search_by_vin_typed_with_cyrillic_look_alikes(client_manager_a, smirnova):
    response = client_manager_a.get(URL, {"q": "ХW8ZZZ61ZJG123456"})  # Cyrillic Х
    assert found(response) == ["Смирнова Алёна Сергеевна"]


def test_results_show_phone_vehicles_and_branch_with_links(client_manager_a, smirnova):
    response = client_manager_a.get(URL, {"q": "Смирнова"}, **HTMX)
    html = response.content.decode()
    assert reverse("client_history:client_card", args=[smirnova.pk]) in html
    assert 'href="tel:+79161234567"' in html
    assert "+7 916 123-45-67" in html
    assert "Haval Jolion" in html and "А123ВС77" in html
    assert "Автоцентр Север" in html


def test_empty_query_shows_prompt_and_lists_nobody(client_manager_a, smirnova):
    response = client_manager_a.get(URL)
    assert response.status_code == 200
    assert response.context["page_obj"] is None
    assert "Введите ФИО, телефон" in response.content.decode()
    assert "Смирнова" not in response.content.decode()


def test_nothing_found_says_so(client_manager_a, smirnova):
    response = client_manager_a.get(URL, {"q": "Никого-Такого"})
    assert "клиентов не найдено" in response.content.decode()


def test_search_page_title(client_manager_a):
    assert "<h1>Поиск клиентов</h1>" in client_manager_a.get(URL).content.decode()


def test_htmx_search_answers_with_the_results_partial(client_manager_a, smirnova):
    response = client_manager_a.get(URL, {"q": "Смирнова"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="search-results"')
    assert "<html" not in html
    assert "Смирнова Алёна Сергеевна" in html


@override_settings(CRM_PAGE_SIZE=5)
def test_search_is_paginated(client_manager_a, branch_a):
    for n in range(12):
        ClientFactory(name=f"Орлов {n:02d}", home_branch=branch_a)
    first = client_manager_a.get(URL, {"q": "орлов"})
    assert found(first) == [f"Орлов {n:02d}" for n in range(5)]
    assert first.context["page_obj"].paginator.count == 12
    assert "?q=%D0%BE%D1%80%D0%BB%D0%BE%D0%B2&amp;page=2" in first.content.decode()
    last = client_manager_a.get(URL, {"q": "орлов", "page": "3"}, **HTMX).content.decode()
    assert "Орлов 10" in last and "Орлов 11" in last and "Орлов 09" not in last
    assert "Страница 3 из 3" in last
    # A page number out of range or not a number still answers.
    assert client_manager_a.get(URL, {"q": "орлов", "page": "99"}).status_code == 200
    assert client_manager_a.get(URL, {"q": "орлов", "page": "x"}).status_code == 200


def test_other_branch_clients_never_appear(client_manager_b, smirnova, branch_b):
    ClientFactory(name="Смирнова Ольга", home_branch=branch_b)
    for query in ["Смирнова", "8 916 123-45-67", "а123вс77", "123456", "4567"]:
        response = client_manager_b.get(URL, {"q": query}, **HTMX)
        assert "Смирнова Алёна" not in response.content.decode()
    assert found(client_manager_b.get(URL, {"q": "Смирнова"})) == ["Смирнова Ольга"]


def test_superuser_finds_every_branch(client_superuser, smirnova, branch_b):
    ClientFactory(name="Смирнова Ольга", home_branch=branch_b)
    response = client_superuser.get(URL, {"q": "смирнова"})
    assert found(response) == ["Смирнова Алёна Сергеевна", "Смирнова Ольга"]


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL, {"q": "x"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(
    "query", ["'; DROP TABLE x; --", "%", "_", "ё" * 500, "\x00", "a\x00b", "\u200b\t"]
)
def test_odd_input_never_fails(client_manager_a, smirnova, query):
    assert client_manager_a.get(URL, {"q": query}).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_search_query_count_does_not_grow(
    client_manager_a, branch_a, rows, django_assert_max_num_queries
):
    for n in range(rows):
        client = ClientFactory(name=f"Волков Иван {n}", home_branch=branch_a)
        ClientPhoneFactory(client=client)
        VehicleFactory(owner=client)
        VehicleFactory(owner=client)
    # The live search: a plain GET of one match opens the card instead of listing it.
    with django_assert_max_num_queries(10):
        response = client_manager_a.get(URL, {"q": "волков"}, **HTMX)
    assert len(response.context["page_obj"]) == min(rows, 25)
    with django_assert_max_num_queries(10):
        response = client_manager_a.get(URL, {"q": "иван волков"}, **HTMX)
    assert len(response.context["page_obj"]) == min(rows, 25)


def test_one_match_opens_the_card(client_manager_a, smirnova, other_a):
    response = client_manager_a.get(URL, {"q": "смирнова"})
    assert response.status_code == 302
    assert response["Location"] == reverse("client_history:client_card", args=[smirnova.pk])


def test_one_match_keeps_the_list_in_the_live_search(client_manager_a, smirnova, other_a):
    # As the manager types, the page must not jump away from the search box.
    response = client_manager_a.get(URL, {"q": "смирнова"}, **HTMX)
    assert response.status_code == 200
    assert found(response) == ["Смирнова Алёна Сергеевна"]
    assert reverse("client_history:client_card", args=[smirnova.pk]) in response.content.decode()


def test_a_history_restore_of_one_match_shows_the_list(client_manager_a, smirnova):
    # Back from the card to a live-search URL: the list, not a bounce back to the card.
    response = client_manager_a.get(
        URL, {"q": "смирнова"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_several_matches_show_the_list(client_manager_a, smirnova, smirnov):
    response = client_manager_a.get(URL, {"q": "смирнов"})
    assert response.status_code == 200
    assert found(response) == ["Смирнов Алексей Фёдорович", "Смирнова Алёна Сергеевна"]


def test_the_search_form_submits_as_a_page_and_searches_live_with_htmx(client_manager_a):
    html = client_manager_a.get(URL).content.decode()
    # Enter and «Найти» send the form itself (so one match opens the card); htmx only
    # answers the typing.
    assert 'hx-trigger="input changed delay:400ms from:#search-q"' in html
    assert 'action="/clients/" method="get"' in html or f'action="{URL}" method="get"' in html
