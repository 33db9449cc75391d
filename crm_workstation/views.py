from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    """The workstation's home: the client search until the Deal Stages tab exists."""
    return redirect("client_history:client_search")
