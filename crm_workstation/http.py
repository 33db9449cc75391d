"""What every app's views share: the htmx request type and the page-or-fragment decision."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def partial_target(request: HtmxHttpRequest, targets: set[str]) -> str | None:
    """The region an htmx request asks for, when it asks for one this page has.

    A history-restore request (the browser's back button after the cache dropped the page)
    gets the whole page.
    """
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target in targets:
        return htmx.target
    return None
