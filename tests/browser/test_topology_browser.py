"""An administrator builds a site, a floor, a station and an outlet on the Topology page in
Chromium, and sees them listed."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from portal.models import Role
from tests.factories import PASSWORD, World


def test_admin_creates_site_floor_station_and_outlet(page: Page, live_server: int,
                                                     world: World, tmp_path: Path) -> None:
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/login")
    page.get_by_label("E-mail").fill(world.a.email(Role.ADMIN))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/topology")
    expect(page.get_by_role("heading", name="Topology")).to_be_visible()

    page.locator("#new-site").get_by_label("Site name").fill("Depot")
    page.get_by_role("button", name="Create site").click()
    expect(page.get_by_text("Site Depot created.")).to_be_visible()

    floor_form = page.locator("#new-floor")
    floor_form.get_by_label("Site").select_option(label="Depot")
    floor_form.get_by_label("Floor name").fill("Level -1")
    page.get_by_role("button", name="Create floor").click()
    expect(page.get_by_text("Floor Level -1 created on Depot.")).to_be_visible()

    station_form = page.locator("#new-station")
    station_form.get_by_label("chargeBoxId").fill("CP-BROWSER")
    station_form.get_by_label("Name").fill("Gate")
    station_form.get_by_label("Site").select_option(label="Depot")
    station_form.get_by_label("Floor").select_option(label="Depot / Level -1")
    station_form.get_by_label("Connectors").fill("1")
    page.get_by_role("button", name="Create station").click()
    expect(page.get_by_text("Station CP-BROWSER created.")).to_be_visible()

    page.get_by_role("button", name="Add an outlet to CP-BROWSER").click()
    expect(page.get_by_text("Outlet 2 added to CP-BROWSER.")).to_be_visible()

    topology = page.locator("#topology")
    site = topology.locator("li", has_text="Depot").first
    expect(site).to_contain_text("Level -1")
    expect(site).to_contain_text("Gate")
    expect(site).to_contain_text("Outlet 1")
    expect(site).to_contain_text("Outlet 2")
    page.screenshot(path=tmp_path / "topology.png", full_page=True)
