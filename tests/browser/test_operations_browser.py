"""Staff perform an operation on several stations in Chromium and watch the results fill in."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.chromium import log_in, open_menu_group
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email
from tests.ocpp.station_client import Station


def _answer_late(station: Station, delay: float) -> threading.Thread:
    def run() -> None:
        call = json.loads(station.ws.recv(timeout=30))
        time.sleep(delay)
        station.ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_results_fill_in_as_stations_answer(page: Page, company: OcppCompany,
                                            cp1: Station, tmp_path: Path) -> None:
    log_in(page, f"http://{company.slug}.localhost:{company.port}", admin_email(company))
    open_menu_group(page, "Operations")
    page.get_by_role("link", name="Operations", exact=True).click()
    page.get_by_role("link", name="Clear the authorization cache").click()
    page.wait_for_load_state()  # its script makes "Select all online" work
    page.get_by_role("button", name="Select all online").click()
    expect(page.get_by_label("CP1")).to_be_checked()
    answering = _answer_late(cp1, delay=2.5)
    page.get_by_role("button", name="Perform").click()
    row = page.locator('#results tr[data-station="CP1"] .result')
    expect(row).to_have_text("Waiting for the station")
    expect(row).to_have_text("Accepted", timeout=10_000)  # the page's script reloads the rows
    answering.join(timeout=10)
    page.screenshot(path=tmp_path / "operation.png", full_page=True)
