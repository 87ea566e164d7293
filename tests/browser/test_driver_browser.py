"""A driver logs in with Chromium, sees their sessions and the chart of their energy, and
blocks their lost card."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from portal.models import Role, Tenant
from portal.models.base import utcnow
from portal.services import stations, tags, users
from tests.factories import PASSWORD
from tests.ocpp.conftest import OcppCompany
from tests.session_scene import add_session


def _driver_with_a_session(tenant: Tenant) -> None:
    driver = users.create(tenant, email="driver@example.com", password=PASSWORD,
                          role=Role.EV_USER, first_name="Ada", last_name="Lovelace")
    card = tags.find("VALID")
    tags.set_owner(card, driver)
    add_session(stations.find("CP1"), 1, utcnow() - timedelta(hours=2), 45, 1_000, 13_345,
                tag=card)


def test_a_driver_sees_sessions_and_chart_and_blocks_a_card(page: Page,
                                                            company: OcppCompany) -> None:
    company.change(_driver_with_a_session)
    page.goto(f"http://{company.slug}.localhost:{company.port}/login")
    page.get_by_label("E-mail").fill("driver@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My charging sessions")).to_be_visible()
    row = page.locator("#sessions tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("VALID")
    expect(row).to_contain_text("0:45:00")
    expect(row).to_contain_text("12.345")
    expect(page.locator("#energy-chart rect.bar")).to_have_count(12)
    expect(page.locator("#months tbody tr")).to_contain_text("12.345")
    page.get_by_role("link", name="My cards").click()
    page.get_by_role("button", name="Block VALID").click()
    expect(page.get_by_text("Card VALID is blocked")).to_be_visible()
    expect(page.locator('#tags tr[data-tag="VALID"]')).to_contain_text("Blocked")
    expect(page.get_by_role("button", name="Block VALID")).to_have_count(0)
    assert company.query(lambda: tags.find("VALID").blocked)
