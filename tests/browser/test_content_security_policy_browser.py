"""The pages work in Chromium under their Content-Security-Policy: their scripts and styles
load and run, and Chromium reports no violation."""

from __future__ import annotations

import json
import threading

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.factories import PASSWORD
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email
from tests.ocpp.station_client import Station

# Chromium's own record of each violation on every page, whatever its console says.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = document.location.pathname;
  window.reportViolation(`${where}: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


def _answer(station: Station) -> threading.Thread:
    def run() -> None:
        call = json.loads(station.ws.recv(timeout=30))
        station.ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_pages_with_scripts_run_without_csp_violations(page: Page, company: OcppCompany,
                                                       cp1: Station) -> None:
    console: list[str] = []
    violations: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            console.append(message.text)

    def report(violation: str) -> None:
        violations.append(violation)

    page.on("console", listen)
    page.expose_function("reportViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    base = f"http://{company.slug}.localhost:{company.port}"
    login = page.goto(f"{base}/login")
    assert "script-src 'self'" in login.headers["content-security-policy"]
    page.get_by_label("E-mail").fill(admin_email(company))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # Bootstrap's stylesheet and script (its static route) drive the account menu.
    page.wait_for_load_state("load")
    page.locator("#account-menu").click()
    expect(page.get_by_role("link", name="Change password")).to_be_visible()

    # The stations' checkboxes (check-boxes.js), our stylesheet, and the result page that
    # reloads its rows (operation-results.js) until the station has answered.
    page.goto(f"{base}/operations/send/ClearCache")
    expect(page.locator(".scroll-box")).to_have_css("max-height", "352px")  # portal.css
    page.get_by_role("button", name="Select all online").click()
    expect(page.get_by_label("CP1")).to_be_checked()
    page.get_by_role("button", name="Select none").click()
    expect(page.get_by_label("CP1")).not_to_be_checked()
    page.get_by_role("button", name="Select all online").click()
    answering = _answer(cp1)
    page.get_by_role("button", name="Perform").click()
    expect(page.locator('#results tr[data-station="CP1"] .result')).to_have_text(
        "Accepted", timeout=10_000)
    answering.join(timeout=10)

    page.goto(f"{base}/firmware")  # "all" and "none" were inline onclick handlers
    page.locator("#update-many").get_by_role("button", name="all", exact=True).click()
    expect(page.locator("#update-many #stations input").first).to_be_checked()

    assert console == []
    assert violations == []
