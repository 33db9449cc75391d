"""Playwright + Debian's Chromium against the live server. Browser tests never skip: a missing
browser is a failure, so CI cannot pass without running them."""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.reference_data import write_reference_data

# Playwright's sync API keeps an event loop in this thread; the ORM calls made by test setup
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError("Chromium not found: install Debian's 'chromium' package (./test.sh does).")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def reference_data(transactional_db):
    """Live-server tests commit for real, and the flush after each one empties every table,
    including the roles and lists the data migrations wrote: write them again (idempotently)."""
    write_reference_data()
