"""A station charges over its WebSocket; an administrator filters the sessions in Chromium,
downloads the Excel export and finds in it the table's rows and total."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from portal.models.base import utcnow
from portal.timestamps import format_timestamp
from tests.chromium import log_in, open_menu_group
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import admin_email
from tests.ocpp.station_client import Station


def _charge(cp1: Station, id_tag: str, connector: int, hours_ago: int, meter_start: int,
            meter_stop: int) -> int:
    started = utcnow() - timedelta(hours=hours_ago)
    transaction = cp1.result("StartTransaction", {
        "connectorId": connector, "idTag": id_tag, "meterStart": meter_start,
        "timestamp": format_timestamp(started)})["transactionId"]
    cp1.result("StopTransaction", {
        "transactionId": transaction, "meterStop": meter_stop, "reason": "EVDisconnected",
        "timestamp": format_timestamp(started + timedelta(minutes=40))})
    return transaction


def test_filtered_sessions_download_as_the_same_workbook(page: Page, company: OcppCompany,
                                                        cp1: Station, tmp_path) -> None:
    valid = [_charge(cp1, "VALID", 1, 9, 1000, 4333),
             _charge(cp1, "VALID", 2, 7, 0, 12001),
             _charge(cp1, "VALID", 1, 5, 4333, 4334)]
    _charge(cp1, "FLEET", 2, 3, 12001, 20000)
    log_in(page, f"http://{company.slug}.localhost:{company.port}", admin_email(company))
    open_menu_group(page, "Sessions")
    page.get_by_role("link", name="Sessions").first.click()
    expect(page.locator("#sessions tbody tr[data-session]")).to_have_count(4)
    page.get_by_label("Tag", exact=True).fill("valid")
    page.get_by_label("Order").select_option("asc")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#sessions tbody tr[data-session]")
    expect(rows).to_have_count(3)
    shown = [int(number) for number in rows.evaluate_all(
        "rows => rows.map(row => row.dataset.session)")]
    assert shown == valid  # oldest first
    assert page.locator("#total-energy").inner_text() == "15.335"  # 3.333 + 12.001 + 0.001
    with page.expect_download() as download:
        page.get_by_role("link", name="Export Excel").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    sheet = load_workbook(saved)["Sessions"]
    cells = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in cells[1:-1]] == shown
    assert [row[12] for row in cells[1:-1]] == ["VALID"] * 3
    total = cells[-1]
    assert total[0] == "Total: 3 sessions"
    assert Decimal(str(total[4])) == Decimal(page.locator("#total-energy").inner_text())
    assert sum(Decimal(str(row[4])) for row in cells[1:-1]) == Decimal(str(total[4]))
