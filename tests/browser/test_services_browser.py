"""An administrator adds a webhook in Chromium, sends it a test event and, once the delivery
worker has sent it to the company's system (a local HTTP server), finds it in the service's
delivery log."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portal.services import outbox
from tests.chromium import log_in, open_menu_group
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email
from tests.partner_server import SECRET, running_partner


def test_an_administrator_adds_a_webhook_tests_it_and_reads_its_delivery_log(
        page: Page, company: OcppCompany) -> None:
    log_in(page, f"http://{company.slug}.localhost:{company.port}", admin_email(company))
    open_menu_group(page, "Company")
    page.get_by_role("link", name="Services").click()
    page.get_by_role("link", name="Add a webhook").click()
    with running_partner() as partner:
        page.get_by_label("Name").fill("ERP")
        page.get_by_label("URL").fill(partner.url)
        page.get_by_label("Secret").fill(SECRET)
        page.get_by_label("session.ended").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Service ERP is added.")).to_be_visible()
        expect(page.locator('#services tr[data-service="ERP"]')).to_contain_text("none yet")

        page.get_by_role("button", name="Send a test event to ERP").click()
        expect(page.get_by_text("A test event to ERP is queued")).to_be_visible()
        with company.app.app_context():
            outbox.deliver_due()  # the clock's worker, run here
        assert len(partner.delivered()) == 1
    sent = partner.delivered()[0]
    assert sent.signed_with(SECRET)

    page.get_by_role("link", name="Delivery log of ERP").click()
    row = page.locator(f'#attempts tr[data-delivery="{sent.delivery_id}"]')
    expect(row).to_contain_text("service.test")
    expect(row).to_contain_text("200 delivered")
    expect(page.locator("#undelivered-summary")).to_contain_text(
        "0 waiting to be sent or retried, 0 failed")
