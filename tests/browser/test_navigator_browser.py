"""The navigator in Chromium: live colours from a real station, search, folding, and the
menu's layout at desktop and phone widths."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Outlet, Station
from portal.services import stations
from tests.factories import PASSWORD
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email
from tests.ocpp.station_client import Station as StationClient

LIVE_WITHIN_MS = 5_000  # the page polls every 3 s


def _log_in(page: Page, company: OcppCompany, path: str = "/stations") -> None:
    base = f"http://{company.slug}.localhost:{company.port}"
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(admin_email(company))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}{path}")
    page.wait_for_load_state("load")  # navigator.js is in


def _light(light: str) -> re.Pattern[str]:
    return re.compile(rf"\blight-{light}\b")


def test_a_station_turns_blue_while_charging_and_grey_once_gone(
    page: Page, company: OcppCompany, cp1: StationClient
) -> None:
    station_id, outlet_id = company.query(lambda: db.session.execute(
        select(Station.id, Outlet.id).join(Outlet.station)
        .where(Station.charge_box_id == "CP1", Outlet.connector_id == 1)).one())
    _log_in(page, company)
    station = page.locator(f'li[data-node="station:{station_id}"]')
    outlet = page.locator(f'li[data-node="outlet:{outlet_id}"]')
    expect(station).to_have_class(_light("available"))
    cp1.result("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                      "status": "Charging"})
    expect(station).to_have_class(_light("charging"), timeout=LIVE_WITHIN_MS)
    expect(outlet).to_have_class(_light("charging"))
    expect(page.locator('li[data-node="system"]')).to_have_class(_light("charging"))
    cp1.close()
    expect(station).to_have_class(_light("offline"), timeout=LIVE_WITHIN_MS)
    expect(page.locator(f'li[data-node="station:{station_id}"] > details > summary > a'))\
        .to_have_css("opacity", "0.6")


def test_search_by_charge_box_id_keeps_matches_and_their_ancestors(
    page: Page, company: OcppCompany
) -> None:
    company.change(lambda tenant: stations.add(tenant, "OTHER-7", connectors=1))
    _log_in(page, company)
    page.get_by_label("Search the navigator").fill("cp1")
    expect(page.locator('li[data-search^="cp1"]')).to_be_visible()
    expect(page.locator('li[data-search^="other-7"]')).to_be_hidden()
    expect(page.locator('li[data-node="system"] > details > summary')).to_be_visible()
    page.get_by_label("Search the navigator").fill("")
    expect(page.locator('li[data-search^="other-7"]')).to_be_visible()


def test_the_folded_panel_stays_folded(page: Page, company: OcppCompany) -> None:
    _log_in(page, company)
    expect(page.locator("#navigator")).to_be_visible()
    page.locator("#navigator-toggle").click()
    expect(page.locator("#navigator")).to_be_hidden()
    page.reload()
    expect(page.locator("#navigator")).to_be_hidden()
    page.locator("#navigator-toggle").click()
    expect(page.locator("#navigator")).to_be_visible()


def test_the_menu_fits_one_line_on_a_desktop_and_folds_on_a_phone(
    page: Page, company: OcppCompany
) -> None:
    _log_in(page, company, "/dashboard")
    for width in (1280, 1400):
        page.set_viewport_size({"width": width, "height": 800})
        entries = page.locator("#main-menu > ul > li")
        tops = {round(box["y"]) for box in (entries.nth(n).bounding_box()
                                            for n in range(entries.count()))}
        assert len(tops) == 1 and entries.count() >= 5, (width, tops)  # and the user menu
        expect(page.locator(".navbar-toggler")).to_be_hidden()
    page.set_viewport_size({"width": 390, "height": 800})
    expect(page.locator(".navbar-toggler")).to_be_visible()
    expect(page.locator("#account-menu")).to_be_hidden()
