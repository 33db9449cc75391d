"""Request handling every page shares: idle sessions, no caching of personal data, and a clean
answer when the database is down."""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

# Requests that do not count as the user's activity: the header's reminder polls every minute
# and would keep an abandoned session alive for ever.
PASSIVE_VIEWS = {"tasks:reminder"}


def touch_session_at_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session["_touched"] = int(time.time())


class IdleSessionMiddleware:
    """Slide the session's expiry (SESSION_COOKIE_AGE, the idle time) on the user's activity.

    Saving the session on every request would cost a write per page; it is saved once the last
    save is SESSION_TOUCH_SECONDS old, which keeps the idle limit to within that much.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        match = getattr(request, "resolver_match", None)
        if (
            session is not None
            and request.user.is_authenticated
            and not (match and match.view_name in PASSIVE_VIEWS)
        ):
            now = int(time.time())
            if now - session.get("_touched", 0) >= settings.SESSION_TOUCH_SECONDS:
                session["_touched"] = now
        return response


class NoStoreMiddleware:
    """Pages shown to a logged-in user carry clients' names and phones: no browser or proxy
    keeps a copy (`Cache-Control: no-store`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class DatabaseUnavailableMiddleware:
    """The database is unreachable (restarting, network down): a Russian 503 page instead of a
    traceback, and the next request simply tries again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        return unavailable_response(exception)


def database_unavailable(error: BaseException) -> bool:
    """The database cannot be reached (down, restarting, refusing connections), as opposed to
    a query that failed on its own."""
    return isinstance(error, OperationalError | InterfaceError) and not _is_query_error(error)


def unavailable_response(error: BaseException) -> HttpResponse:
    """The Russian 503 page, with a warning in the log instead of a traceback."""
    logger.warning("database unavailable: %s", error)
    # No request context: the context processors would ask the database again.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "10"
    # Django's own mark that the response is logged: the warning above says all there is.
    response._has_been_logged = True
    return response


def _is_query_error(error: DatabaseError) -> bool:
    """An OperationalError that is about the query (a lock timeout, a bad value), not about
    reaching the database: those are bugs to see, not outages."""
    text = str(error).lower()
    return not any(
        marker in text
        for marker in (
            "connection",
            "could not connect",
            "server closed",
            "terminating",
            "the database system is",
            "unable to open database",
            "database is locked",
        )
    )
