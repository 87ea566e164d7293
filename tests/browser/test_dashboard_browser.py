"""A person customises their dashboard in Chromium: the widgets they keep, in their order,
with the energy chart drawn under the Content-Security-Policy."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.test_content_security_policy_browser import REPORT_VIOLATIONS
from tests.factories import PASSWORD, World


def test_admin_keeps_three_widgets_in_their_own_order(page: Page, live_server: int,
                                                      world: World) -> None:
    violations: list[str] = []

    def report(violation: str) -> None:
        violations.append(violation)

    page.expose_function("reportViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/login")
    page.get_by_label("E-mail").fill(world.a.email(Role.ADMIN))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#energy-chart rect.bar")).to_have_count(30)
    expect(page.locator("#energy-chart")).to_be_visible()

    page.get_by_role("link", name="Customise").click()
    for label in ("Outlets by status", "Active sessions", "Active reservations",
                  "Last heartbeat of stations"):
        page.get_by_label(label, exact=True).uncheck()
    page.get_by_label("Position of Active alarms").fill("1")
    page.get_by_label("Position of Energy", exact=True).fill("2")
    page.get_by_label("Position of Energy of the last 30 days").fill("3")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Your dashboard widgets are saved.")).to_be_visible()
    expect(page.locator("[id^=widget-]")).to_have_count(3)
    expect(page.locator("[id^=widget-] .card-header")).to_have_text(
        ["Active alarms", "Energy", "Energy of the last 30 days"])
    assert violations == []
