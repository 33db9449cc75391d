import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import defaults

from crm_workstation.middleware import database_unavailable, unavailable_response


def home(request: HttpRequest) -> HttpResponse:
    """The workstation's home: the «Этапы сделок» tab (SPEC §5.2)."""
    return redirect("worksheets:stages")


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler. A database that cannot be reached gets the 503 page here too when the
    middleware found it out before any view ran (reading the session and the user) or after
    (saving the session): DatabaseUnavailableMiddleware sees only the views' exceptions."""
    error = sys.exc_info()[1]
    if error is not None and database_unavailable(error):
        return unavailable_response(error)
    return defaults.server_error(request)
