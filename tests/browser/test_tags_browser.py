"""An administrator edits a tag in Chromium and sees the change on the tags list."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.chromium import log_in, open_menu_group
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email


def test_an_administrator_edits_and_blocks_a_tag(page: Page, company: OcppCompany) -> None:
    log_in(page, f"http://{company.slug}.localhost:{company.port}", admin_email(company))
    open_menu_group(page, "Company")
    page.get_by_role("link", name="Tags").first.click()
    page.get_by_role("link", name="Edit ONCE").click()
    page.get_by_label("Note").fill("lost on the 3rd")
    page.get_by_label("Expires").fill("2027-03-01T08:15")
    page.get_by_label("Max active sessions").fill("2")
    page.get_by_label("Blocked").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Tag ONCE is saved.")).to_be_visible()
    row = page.locator('#tags tr[data-tag="ONCE"]')
    expect(row).to_contain_text("lost on the 3rd")
    expect(row).to_contain_text("2027-03-01 08:15")
    expect(row.locator("td").nth(3)).to_have_text("2")
    expect(row).to_contain_text("Blocked")
    # and the list's own button unblocks it
    row.get_by_role("button", name="Unblock ONCE").click()
    expect(page.locator('#tags tr[data-tag="ONCE"]')).not_to_contain_text("Blocked")
    page.get_by_role("combobox", name="Blocked", exact=True).select_option("yes")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator('#tags tr[data-tag="ONCE"]')).to_have_count(0)
    expect(page.locator('#tags tr[data-tag="BLOCKED"]')).to_have_count(1)
