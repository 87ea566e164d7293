"""A site's position is picked on its Leaflet map in Chromium, with no tile server reachable
(the test machine has no way out): the map still takes the click and the form stores it."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page, expect

from portal.services import sites
from tests.factories import PASSWORD
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email


def test_a_click_on_the_site_map_sets_the_position_without_any_tile(
        page: Page, company: OcppCompany) -> None:
    site_ids: list[int] = []
    company.change(lambda tenant: site_ids.append(
        sites.find_or_create(tenant, "Harbour car park").id))
    blocked: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(message.text)

    page.on("console", listen)
    base = f"http://{company.slug}.localhost:{company.port}"
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(admin_email(company))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{base}/sites/{site_ids[0]}/settings")
    site_map = page.locator("#site-map.leaflet-container")  # Leaflet drew the map
    expect(site_map).to_be_visible()
    latitude, longitude = page.get_by_label("Latitude"), page.get_by_label("Longitude")
    expect(latitude).to_have_value("")
    site_map.click(position={"x": 200, "y": 120})
    expect(page.locator("#site-map .leaflet-marker-icon")).to_be_visible()
    picked = (latitude.input_value(), longitude.input_value())
    assert all(picked) and -90 <= float(picked[0]) <= 90 and -180 <= float(picked[1]) <= 180
    page.get_by_role("button", name="Save").click()

    page.goto(f"{base}/sites/{site_ids[0]}/settings")
    expect(latitude).to_have_value(picked[0])
    expect(longitude).to_have_value(picked[1])
    assert blocked == []
