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


def test_with_debug_off_a_missing_page_is_the_workstation_404_not_djangos(
    client_manager_a, settings
):
    settings.DEBUG = False  # as ./run.sh runs unless DEBUG=1
    response = client_manager_a.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<title>Страница не найдена — АРМ менеджер CRM</title>" in html
    assert "Using the URLconf" not in html and "Page not found" not in html


def test_with_debug_off_static_files_are_served_from_static(client, settings):
    # run.sh serves without DEBUG: WhiteNoise finds the files in static/ (no collectstatic).
    settings.DEBUG = False
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert client.get("/static/no-such-file.css").status_code == 404


def test_a_stale_form_answers_the_workstation_403_in_russian(db, settings):
    from django.test import Client as HttpClient

    settings.DEBUG = False
    http = HttpClient(enforce_csrf_checks=True)
    response = http.post("/login/", {"username": "manager", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "<title>Форма устарела — АРМ менеджер CRM</title>" in html
    assert "обновите страницу" in html
    assert "Ошибка проверки CSRF" not in html  # Django's own page


def test_the_403_page_is_russian():
    from django.template.loader import render_to_string

    html = render_to_string("403.html")
    assert "Доступ запрещён" in html
