"""A person opens a charging session in Chromium: its energy and power charts are drawn
under the Content-Security-Policy."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.blueprints.test_session_detail import SIGNED, session_scene
from tests.browser.test_content_security_policy_browser import REPORT_VIOLATIONS
from tests.factories import PASSWORD, World


def test_session_detail_draws_its_charts_without_a_policy_violation(
    page: Page, live_server: int, world: World, app: Flask
) -> None:
    session_id = session_scene(app, world)
    violations: list[str] = []

    def report(violation: str) -> None:
        violations.append(violation)

    page.expose_function("reportViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/login")
    page.get_by_label("E-mail").fill(world.a.email(Role.ADMIN))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/sessions/{session_id}")

    expect(page.locator("#energy-chart")).to_be_visible()
    expect(page.locator("#energy-chart circle.point")).to_have_count(3)
    expect(page.locator("#power-chart polyline")).to_be_visible()
    expect(page.locator("#signed-values pre")).to_have_text(SIGNED)
    assert page.locator("#energy-chart").bounding_box()["height"] > 100
    assert violations == []
