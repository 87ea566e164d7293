"""An administrator changes a tag in Chromium and finds the change in the audit log."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.chromium import log_in, open_menu_group
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email


def test_a_tag_changed_in_the_browser_is_in_the_audit_log(page: Page,
                                                           company: OcppCompany) -> None:
    log_in(page, f"http://{company.slug}.localhost:{company.port}", admin_email(company))
    open_menu_group(page, "Company")
    page.get_by_role("link", name="Tags").first.click()
    page.get_by_role("link", name="Edit ONCE").click()
    page.get_by_label("Note").fill("lost on the 3rd")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Tag ONCE is saved.")).to_be_visible()
    open_menu_group(page, "Company")
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Target").select_option("tag")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#audit tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(admin_email(company))
    expect(rows.first).to_contain_text("changed")
    expect(rows.first).to_contain_text('note: "" → "lost on the 3rd"')
