"""Staff upload a floor map in Chromium, drag a station onto it, and watch its icon take the
station's live colour as a real station connects, charges and goes away."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import Tenant
from portal.services import sites, stations
from tests.factories import PASSWORD
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email


def _floor_with_cp1(company: OcppCompany) -> int:
    floor_ids: list[int] = []

    def build(tenant: Tenant) -> None:
        floor = sites.add_floor(sites.find_or_create(tenant, "Head office"), "Ground floor")
        station = stations.find("CP1")
        station.site_id, station.floor_id = floor.site_id, floor.id
        db.session.flush()
        floor_ids.append(floor.id)

    company.change(build)
    return floor_ids[0]


def _plan() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 500), (235, 240, 245)).save(out, "PNG")
    return out.getvalue()


def test_a_station_dragged_onto_the_floor_map_stays_and_shows_its_live_colour(
        page: Page, company: OcppCompany, tmp_path: Path) -> None:
    floor_id = _floor_with_cp1(company)
    base = f"http://{company.slug}.localhost:{company.port}"
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(admin_email(company))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{base}/floors/{floor_id}/settings")
    page.get_by_label("Floor map").set_input_files(
        {"name": "plan.png", "mimeType": "image/png", "buffer": _plan()})
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#floor-map-image")).to_be_visible()

    page.goto(f"{base}/floors/{floor_id}")
    icon = page.locator("#unplaced .station-icon", has_text="CP1")
    floor_map = page.locator("#floor-map img")
    expect(floor_map).to_be_visible()
    start, target = icon.bounding_box(), floor_map.bounding_box()
    assert start and target
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + target["width"] * 0.3, target["y"] + target["height"] * 0.4,
                    steps=10)
    page.mouse.up()
    expect(page.locator("#floor-map-status")).to_have_text("CP1 is placed.")

    page.reload()
    placed = page.locator("#floor-map .station-icon", has_text="CP1")
    expect(placed).to_be_visible()
    assert abs(float(placed.get_attribute("data-x")) - 0.3) < 0.02
    assert abs(float(placed.get_attribute("data-y")) - 0.4) < 0.02
    expect(page.locator("#unplaced .station-icon")).to_have_count(0)
    expect(placed).to_have_class(re.compile(r"\blight-offline\b"))

    with company.station() as cp1:
        assert cp1.boot()["status"] == "Accepted"
        expect(placed).to_have_class(re.compile(r"\blight-available\b"), timeout=10_000)
        cp1.result("StatusNotification",
                   {"connectorId": 1, "errorCode": "NoError", "status": "Charging"})
        expect(placed).to_have_class(re.compile(r"\blight-charging\b"), timeout=10_000)
        page.screenshot(path=tmp_path / "floor-map.png", full_page=True)
    expect(placed).to_have_class(re.compile(r"\blight-offline\b"), timeout=10_000)
