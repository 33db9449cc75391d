"""Hostile input for the property tests: strategies that produce what a broken browser, a
script or an attacker may send, and the check every answer to it must pass.

Values are sent as raw bytes (percent-encoded by hand), so lone surrogates and invalid UTF-8
reach the server exactly as a hand-made request would carry them; the test client's own
encoder would refuse them before anything is sent.
"""

import re
import string
from collections.abc import Iterable
from urllib.parse import quote_from_bytes

from django import forms
from django.test import Client as HttpClient
from django_filters import FilterSet
from hypothesis import strategies as st

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# Django's own English texts, in case a message slips past the Russian translation.
ENGLISH = re.compile(
    r"Enter a valid|Select a valid|This field|Ensure this|is not one of|Server Error|Traceback"
)

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 3,
    "\ud800",
    "\udfff",
    "\u202e\u200f\u200e",  # RTL override, RLM, LRM
    "\ufeff",
    "\u0000\u202eабв",
    "' OR 1=1 --",
    "'; DROP TABLE tasks_task; --",
    '" OR ""="',
    "%",
    "%%_",
    "\\",
    "_",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "{% debug %}",
    "../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example/",
    "https://evil.example/",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "-1e309",
    "1e-400",
    "0x10",
    "١٢٣",  # Arabic-Indic digits
    "１２３",  # full-width digits
    "³",
    "-0",
    "+7",
    "8 (",
    "Ё" * 300,
    "Я" * 5000,
    "9" * 400,
    "x" * 100_000,
    "🚗" * 50,
]

NUMBERS = [
    "0",
    "-1",
    "1",
    "2",
    "-5",
    "1.5",
    "1,5",
    "1e9",
    "1e309",
    str(10**20),
    str(-(10**20)),
    str(10**30),
    str(2**31),
    str(2**63),
    str(-(2**63) - 1),
    "99999999999999999999",
    "0.0000001",
    "  42  ",
    "4 2",
    "abc",
]

DATES = [
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2026-02-30",
    "2025-13-45",
    "31.02.2025",
    "29.02.2023",
    "29.02.2024",
    "01.01.1900",
    "31.12.2999",
    "01.01.3000",
    "31.12.1899",
    "10000-01-01",
    "2025-03-01T25:61",
    "2025-03-01T10:00",
    "2025-03-01 10:00:00",
    "01.03.2025 10:00",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2025-03-01T10:00+14:00",
    "-2025-01-01",
    "2025/03/01",
    "today",
    "завтра",
]

PAGES = ["-1", "0", "1", "2", "abc", str(10**30), "1e9", "%FF", "1.5", ""]


def _text():
    return st.text(
        alphabet=st.characters(codec=None, exclude_categories=()),  # surrogates included
        max_size=40,
    )


hostile_text = st.one_of(
    st.sampled_from(NASTY),
    _text(),
    st.text(alphabet=string.printable + "абвгдеёжАБВЁ\x00", max_size=60),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
hostile_number = st.one_of(st.sampled_from(NUMBERS), hostile_text)
hostile_date = st.one_of(st.sampled_from(DATES), st.dates().map(str), hostile_text)
hostile_datetime = st.one_of(
    st.sampled_from(DATES),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    hostile_text,
)
hostile_page = st.one_of(st.sampled_from(PAGES), hostile_number)


def choice_or_junk(*good: str):
    """A value a list offers (often), or junk."""
    return st.one_of(st.sampled_from(good), hostile_text) if good else hostile_text


def values_of(value_strategy, *, max_repeats: int = 3):
    """One value, or the key repeated (`a=1&a=2`): a list."""
    return st.one_of(
        value_strategy,
        st.lists(value_strategy, min_size=2, max_size=max_repeats),
    )


def form_of(fields: dict) -> st.SearchStrategy[dict]:
    """A dict of some of `fields` (name → strategy), each a value or a repeated key."""
    return st.fixed_dictionaries({}, optional={name: values_of(s) for name, s in fields.items()})


def _encode(value: str) -> str:
    return quote_from_bytes(value.encode("utf-8", "surrogatepass"), safe="")


def urlencoded(data: dict) -> str:
    """`data` as raw `application/x-www-form-urlencoded`: lists become repeated keys,
    surrogates are sent as the (invalid) UTF-8 bytes a broken client would send."""
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append(f"{_encode(key)}={_encode(item)}")
    return "&".join(pairs)


def hostile_get(http: HttpClient, url: str, data: dict, **extra):
    query = urlencoded(data)
    return http.get(f"{url}?{query}" if query else url, **extra)


def hostile_post(http: HttpClient, url: str, data: dict, **extra):
    return http.post(
        url, urlencoded(data), content_type="application/x-www-form-urlencoded", **extra
    )


def forms_in(response) -> Iterable[forms.BaseForm]:
    context = response.context
    if context is None:
        return
    seen = set()
    # One template: its Context; several (includes, partials): a ContextList of them.
    values = [
        value
        for one in (context if isinstance(context, list) else [context])
        for value in one.flatten().values()
    ]
    for value in values:
        candidates = value.values() if isinstance(value, dict) else [value]
        for candidate in candidates:
            if isinstance(candidate, FilterSet):
                candidate = candidate.form
            if isinstance(candidate, forms.BaseForm) and id(candidate) not in seen:
                seen.add(id(candidate))
                yield candidate


def assert_clean_answer(response, *, where="") -> None:
    """No server error; a refusal says why in Russian: every form error on the page is
    Russian text, and an error page is a Russian page."""
    assert response.status_code < 500, (where, response.status_code)
    for form in forms_in(response):
        if not form.is_bound:
            continue
        for field, errors in form.errors.items():
            for message in errors:
                assert CYRILLIC.search(message), (where, field, message)
                assert not ENGLISH.search(message), (where, field, message)
    request = getattr(response, "wsgi_request", None)
    for message in getattr(request, "_messages", None) or []:
        assert CYRILLIC.search(str(message)), (where, str(message))
    if response.status_code >= 400 and "html" in response.get("Content-Type", ""):
        body = response.content.decode("utf-8", "replace")
        assert CYRILLIC.search(body), (where, response.status_code, body[:300])
        assert not ENGLISH.search(body), (where, response.status_code)
