from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_search(request: HttpRequest) -> HttpResponse:
    return render(request, "client_history/client_search.html", {})
