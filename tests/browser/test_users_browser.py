"""An administrator adds an EV user with a hex RFID number in Chromium, then finds them by
filtering the users table."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.chromium import log_in, open_menu_group
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email


def test_an_administrator_adds_an_ev_user_with_a_hex_rfid_and_filters_the_table(
        page: Page, company: OcppCompany) -> None:
    log_in(page, f"http://{company.slug}.localhost:{company.port}", admin_email(company))
    open_menu_group(page, "Company")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Add EV user").click()
    page.get_by_label("First name").fill("Hexa")
    page.get_by_label("Last name").fill("Decimal")
    page.get_by_label("E-mail").fill("hexa@example.com")
    page.get_by_label("Password").fill("hexa-pass-1")
    page.get_by_label("Parking").fill("P2-17")
    page.get_by_label("RFID number").fill("0a 1b 2c")
    page.get_by_label("hex", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("EV user hexa@example.com is added.")).to_be_visible()
    expect(page.locator("#cards")).to_contain_text("0A1B2C")

    page.get_by_role("link", name="Back to the users").click()
    page.locator("#filters").get_by_label("RFID").fill(str(0x0A1B2C))  # the decimal form
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#users tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("hexa@example.com")
    expect(rows.first).to_contain_text("P2-17")
    page.locator("#filters").get_by_label("Parking").fill("P9")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No user matches these filters.")).to_be_visible()
