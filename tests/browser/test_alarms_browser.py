"""Alarms in Chromium: a station's critical alarm is listed and turns the station red in
the navigator; clearing it by hand moves it to the history."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Station
from portal.models.base import utcnow
from portal.timestamps import format_timestamp
from tests.browser.test_navigator_browser import LIVE_WITHIN_MS, _light, _log_in
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email
from tests.ocpp.station_client import Station as StationClient


def test_a_critical_alarm_is_listed_turns_its_station_red_and_clears_into_the_history(
    page: Page, company: OcppCompany, cp1: StationClient
) -> None:
    station_id = company.query(lambda: db.session.scalar(
        select(Station.id).where(Station.charge_box_id == "CP1")))
    assert cp1.result("SecurityEventNotification", {
        "type": "TamperDetectionActivated", "timestamp": format_timestamp(utcnow()),
        "techInfo": "enclosure opened"}) == {}
    _log_in(page, company, "/alarms")
    station = page.locator(f'li[data-node="station:{station_id}"]')
    expect(station).to_have_class(_light("error"))
    row = page.locator("#alarms tbody tr").filter(has_text="Security event")
    expect(row).to_contain_text("CP1 reported TamperDetectionActivated (enclosure opened).")
    expect(row).to_contain_text("critical")

    row.get_by_role("button", name="Clear").click()
    expect(page.locator(".alert-success")).to_contain_text("Security event on CP1 is cleared")
    expect(page.locator("#alarms tbody")).to_contain_text("No active alarms.")
    expect(station).not_to_have_class(_light("error"), timeout=LIVE_WITHIN_MS)
    expect(station).to_have_class(_light("available"))

    page.get_by_role("link", name="History", exact=True).click()
    cleared = page.locator("#alarms tbody tr").filter(has_text="Security event")
    expect(cleared).to_contain_text(admin_email(company))
    expect(page).to_have_url(re.compile(r"/alarms/history$"))
