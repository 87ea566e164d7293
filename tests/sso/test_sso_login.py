"""Logging in through the company's OpenID Connect provider, end to end: headless Chromium,
the live portal and the tests' own provider, each on a local port; nothing patched."""

from __future__ import annotations

from typing import Any

from flask import Flask
from playwright.sync_api import Page, expect

from portal.models import Role
from portal.services import sso, users
from tests.conftest import free_port
from tests.factories import Company
from tests.oidc_provider import OidcProvider, signing_key
from tests.scene import company_scope
from tests.sso.conftest import PROVIDER_NAME, company_with_provider, configure


def log_in_with_provider(page: Page, port: int, company: Company, path: str = "/login") -> None:
    page.goto(f"http://{company.slug}.localhost:{port}{path}")
    page.get_by_role("link", name=f"Log in with {PROVIDER_NAME}").click()


def user_by_email(app: Flask, company: Company, email: str) -> tuple[Role, str, str] | None:
    """The role and name of the company's user with this e-mail, if there is one."""
    with company_scope(app, company):
        user = users.find_by_email(email)
        return None if user is None else (user.role, user.first_name, user.last_name)


def test_admin_logs_in_through_the_provider_matched_by_email_in_any_case(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider)
    provider.approve(company.email(Role.ADMIN).upper())
    log_in_with_provider(page, sso_server, company)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page).to_have_url(f"http://{company.slug}.localhost:{sso_server}/dashboard")


def test_login_page_returns_to_the_page_asked_for(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider)
    provider.approve(company.email(Role.ADMIN))
    page.goto(f"http://{company.slug}.localhost:{sso_server}/stations")  # to the login page
    page.get_by_role("link", name=f"Log in with {PROVIDER_NAME}").click()
    expect(page).to_have_url(f"http://{company.slug}.localhost:{sso_server}/stations")


def test_unknown_email_is_refused_on_the_login_page(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider)
    provider.approve(f"stranger@{company.slug}.example")
    log_in_with_provider(page, sso_server, company)
    expect(page.get_by_role("alert")).to_have_text(
        f"Company A has no active user with the e-mail address stranger@{company.slug}.example."
        " Ask your administrator for an account.")
    expect(page.get_by_role("heading", name="Log in to Company A")).to_be_visible()
    page.goto(f"http://{company.slug}.localhost:{sso_server}/dashboard")
    expect(page.get_by_role("heading", name="Log in to Company A")).to_be_visible()


def test_email_the_provider_has_not_verified_is_refused(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider)
    provider.approve(company.email(Role.ADMIN), verified=False)
    log_in_with_provider(page, sso_server, company)
    expect(page.get_by_role("alert")).to_have_text(
        f"{PROVIDER_NAME} has not verified your e-mail address {company.email(Role.ADMIN)}; "
        "verify it there and log in again.")


def test_new_ev_user_is_created_only_when_the_company_allows_it(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider)
    email = f"new.driver@{company.slug}.example"
    provider.approve(email, given_name="Nora", family_name="Driver")
    log_in_with_provider(page, sso_server, company)
    expect(page.get_by_role("alert")).to_contain_text("has no active user with the e-mail")
    assert user_by_email(app, company, email) is None

    configure(app, company, provider, create_ev_users=True)
    log_in_with_provider(page, sso_server, company)
    expect(page.get_by_role("heading", name="My charging sessions")).to_be_visible()
    assert user_by_email(app, company, email) == (Role.EV_USER, "Nora", "Driver")


def test_staff_are_never_created_whatever_the_provider_claims(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider, create_ev_users=True)
    email = f"would-be-admin@{company.slug}.example"
    provider.approve(email, roles=["admin"], groups=["Administrators"])
    log_in_with_provider(page, sso_server, company)
    expect(page.get_by_role("heading", name="My charging sessions")).to_be_visible()
    assert user_by_email(app, company, email) == (Role.EV_USER, "", "")
    response = page.goto(f"http://{company.slug}.localhost:{sso_server}/settings/sso")
    assert response.status == 404  # an EV user: no staff page exists for them


def test_deactivated_admin_is_refused_and_not_created_again(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider, create_ev_users=True)
    with company_scope(app, company):
        users.find_by_email(company.email(Role.ADMIN)).active = False
    provider.approve(company.email(Role.ADMIN))
    log_in_with_provider(page, sso_server, company)
    expect(page.get_by_role("alert")).to_contain_text("has no active user with the e-mail")
    assert user_by_email(app, company, company.email(Role.ADMIN)) == (Role.ADMIN, "", "")


def test_forged_state_is_refused(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider)
    provider.approve(company.email(Role.ADMIN))
    provider.forge_state = True
    log_in_with_provider(page, sso_server, company)
    expect(page.get_by_role("alert")).to_have_text(
        "This sign-in was not started in this browser, or it was already used. Log in again.")
    page.goto(f"http://{company.slug}.localhost:{sso_server}/dashboard")
    expect(page.get_by_role("heading", name="Log in to Company A")).to_be_visible()


def test_id_token_not_signed_with_the_providers_keys_is_refused(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider)
    provider.approve(company.email(Role.ADMIN))
    provider.foreign_key = signing_key()  # published under the same key id
    log_in_with_provider(page, sso_server, company)
    expect(page.get_by_role("alert")).to_have_text(
        f"{PROVIDER_NAME}'s answer could not be verified. Log in again.")


def test_provider_of_one_company_logs_in_no_user_of_another(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    first = company_with_provider(app, provider)
    other = company_with_provider(app, provider, name="Company B")
    provider.approve(first.email(Role.ADMIN))
    log_in_with_provider(page, sso_server, other)
    expect(page.get_by_role("alert")).to_contain_text(
        f"Company B has no active user with the e-mail address {first.email(Role.ADMIN)}.")


def test_disabled_provider_is_not_offered(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider, enabled=False)
    page.goto(f"http://{company.slug}.localhost:{sso_server}/login")
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("link", name=f"Log in with {PROVIDER_NAME}")).to_have_count(0)
    response = page.goto(f"http://{company.slug}.localhost:{sso_server}/login/sso")
    assert response.status == 404



def test_unreachable_provider_is_said_on_the_login_page(
        portal: Any, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider)
    with company_scope(app, company) as tenant:
        sso.provider_of(tenant).issuer = f"http://127.0.0.1:{free_port()}"  # nobody listens
    response = portal(company).get("/login/sso")
    assert response.status_code == 503
    assert ('<div class="alert alert-danger" role="alert">Plugboard could not reach Test IdP. '
            "Try again later.</div>") in response.get_data(as_text=True)


def test_the_company_second_factor_is_asked_after_the_provider_too(
        page: Page, sso_server: int, provider: OidcProvider, app: Flask) -> None:
    company = company_with_provider(app, provider)
    with company_scope(app, company) as tenant:
        tenant.require_two_factor = True
    provider.approve(company.email(Role.ADMIN))
    log_in_with_provider(page, sso_server, company)
    expect(page).to_have_url(f"http://{company.slug}.localhost:{sso_server}/login/enrol")
    page.goto(f"http://{company.slug}.localhost:{sso_server}/dashboard")  # not logged in yet
    expect(page.get_by_role("heading", name="Log in to Company A")).to_be_visible()
