"""A site administrator downloads their site's kept monthly report from the Statistics page
in Chromium, then another month's on demand: both PDFs name their site and its energy."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.factories import PASSWORD, World
from tests.reports.test_monthly_reports import FIRST_OF_APRIL, _run_clock, _text, march

__all__ = ["march"]  # the fixture, shared with the reports' own tests


def test_a_site_administrator_downloads_their_site_report(page: Page, live_server: int,
                                                          world: World, app: Flask,
                                                          march: dict[str, int]) -> None:
    _run_clock(app, world.a, FIRST_OF_APRIL)
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/login")
    page.get_by_label("E-mail").fill(world.a.email(Role.SITE_ADMIN))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/statistics")
    expect(page.locator("#kept-reports a")).to_have_text(["March 2026 · Site one"])

    with page.expect_download() as kept:
        page.locator("#kept-reports a").click()
    assert kept.value.suggested_filename == "report-2026-03-site-one.pdf"
    text = _text(Path(kept.value.path()).read_bytes())
    assert "Company A · Site one" in text and "6.234 kWh" in text and "Site two" not in text

    page.get_by_label("Month").fill("2026-02")
    with page.expect_download() as on_demand:
        page.get_by_role("button", name="Download the month's report").click()
    assert on_demand.value.suggested_filename == "report-2026-02-site-one.pdf"
    text = _text(Path(on_demand.value.path()).read_bytes())
    assert "February 2026" in text and "Site one" in text and "0.000 kWh" in text
