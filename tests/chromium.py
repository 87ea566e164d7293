"""Headless Chromium (Debian's), driven by Playwright: one browser per test process, a fresh
context per test. The root conftest offers these fixtures to every test directory (one
definition: a second session-wide Playwright in the same process cannot start); `log_in`
is a test's first steps."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps trying to reach Google's hosts from a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing; CI must run the browser tests")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Log in on the company's portal at base_url, and wait until Bootstrap's script (which
    opens the menu's groups) has loaded."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


def open_menu_group(page: Page, name: str) -> None:
    """Open the main menu's group `name` once the page that has it runs Bootstrap's script
    (before that, a click on the group's button does nothing)."""
    button = page.get_by_role("button", name=name)
    button.wait_for()
    page.wait_for_function("() => window.bootstrap !== undefined")
    button.click()
