"""A person opens the portal in Chromium, logs in and sees the dashboard."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from portal.models import Role
from tests.factories import PASSWORD, World


def test_admin_logs_in_and_sees_the_dashboard(page: Page, live_server: int, world: World,
                                              tmp_path: Path) -> None:
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/")
    expect(page.get_by_role("heading", name="Log in to Company A")).to_be_visible()
    page.get_by_label("E-mail").fill(world.a.email(Role.ADMIN))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#count-stations")).to_have_text("4")
    expect(page.get_by_role("button", name="Stations")).to_be_visible()  # the menu's group
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)


def test_wrong_password_shows_the_error_and_stays_on_the_login_page(
    page: Page, live_server: int, world: World
) -> None:
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/login")
    page.get_by_label("E-mail").fill(world.a.email(Role.ADMIN))
    page.get_by_label("Password").fill("wrong-pass-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    expect(page).to_have_url(f"http://{world.a.slug}.localhost:{live_server}/login")


def test_finder_on_the_bare_domain_leads_to_the_company_login(
    page: Page, live_server: int, world: World
) -> None:
    page.goto(f"http://localhost:{live_server}/")
    page.get_by_label("Company").fill(world.a.slug)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"http://{world.a.slug}.localhost:{live_server}/login")


def test_ev_user_logs_in_and_sees_own_sessions_and_logs_out(
    page: Page, live_server: int, world: World
) -> None:
    page.goto(f"http://{world.a.slug}.localhost:{live_server}/login")
    page.get_by_label("E-mail").fill(world.a.email(Role.EV_USER))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My charging sessions")).to_be_visible()
    expect(page.locator("#sessions tbody tr")).to_have_count(1)
    expect(page.locator("#sessions")).to_contain_text(world.a.driver_tag)
    expect(page.locator("#sessions")).to_contain_text("7.50")
    page.wait_for_load_state("load")  # Bootstrap's script drives the account menu
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to Company A")).to_be_visible()
