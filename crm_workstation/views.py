from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    """The workstation's home: the «Этапы сделок» tab (SPEC §5.2)."""
    return redirect("worksheets:stages")
