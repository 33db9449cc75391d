from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    """The workstation's home: «Мои задачи» until the Deal Stages tab (SPEC §5.2) exists."""
    return redirect("tasks:my_tasks")
