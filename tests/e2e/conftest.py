"""Browser tests: Debian's chromium driven by Playwright's sync API against live_server."""

import os
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API keeps an event loop running in this thread; Django's ORM calls made by
# the test itself would otherwise be refused as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def page(live_server):
    """A fresh browser per test, started after the database is set up and stopped before
    it is flushed: while Playwright's loop runs, Django keeps separate connections."""
    # Fail, never skip: a missing browser must not let CI pass silently.
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Debian's chromium at {CHROMIUM} "
            "(Playwright cannot download its own here): run `make browser` "
            "or `apt-get install -y chromium`."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            connections.close_all()
            context.close()
            browser.close()


@pytest.fixture
def signed_in(page, live_server, marketer):
    """The browser signed in as a marketer, through the login form."""
    marketer.set_password("a-long-passphrase")
    marketer.save(update_fields=["password"])
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(marketer.username)
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Sign in").click()
    return page
