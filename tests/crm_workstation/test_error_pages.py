import pytest

pytestmark = pytest.mark.django_db


def test_unknown_page_answers_a_russian_404(client_manager_a):
    response = client_manager_a.get("/no-such-page/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_server_error_page_is_russian_and_standalone():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Ошибка сервера" in html
    assert "{%" not in html
