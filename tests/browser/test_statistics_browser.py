"""An administrator opens Statistics in Chromium and changes the range and the bucket: the
charts are redrawn with a bar per local day, then per hour (23 on the day the clocks go
forward), under the Content-Security-Policy."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.test_content_security_policy_browser import REPORT_VIOLATIONS
from tests.chromium import open_menu_group
from tests.factories import PASSWORD, World
from tests.statistics_scene import STATS_STATION, build


def test_changing_the_range_and_bucket_redraws_the_charts(page: Page, live_server: int,
                                                          world: World, app: Flask) -> None:
    build(app, world.a)
    violations: list[str] = []

    def report(violation: str) -> None:
        violations.append(violation)

    page.expose_function("reportViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/login")
    page.get_by_label("E-mail").fill(world.a.email(Role.ADMIN))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    open_menu_group(page, "Sessions")
    page.get_by_role("link", name="Statistics").click()
    expect(page.locator("#energy-chart rect.bar")).to_have_count(30)  # the last 30 days

    page.get_by_label("From").fill("2026-03-28")
    page.get_by_label("To", exact=True).fill("2026-03-30")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#energy-chart rect.bar")).to_have_count(3)
    expect(page.locator("#energy-chart rect.bar title")).to_have_text(
        ["2026-03-28: 1 kWh", "2026-03-29: 14 kWh", "2026-03-30: 16 kWh"])
    expect(page.locator("#top-energy tbody tr").first).to_contain_text(STATS_STATION)

    page.get_by_label("A bar per").select_option("hour")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#sessions-chart rect.bar")).to_have_count(23 + 24 + 24)
    expect(page.locator("#energy-chart")).to_be_visible()
    assert violations == []
