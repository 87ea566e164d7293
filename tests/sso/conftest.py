"""Single sign-on against a real OpenID Connect provider run by the tests, and a live portal
whose PORTAL_URL names its port (the redirect URI is built from it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from portal.services import sso
from tests.conftest import free_port
from tests.factories import Company, make_tenant
from tests.live_server import running_server
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, running_provider
from tests.scene import company_scope

PROVIDER_NAME = "Test IdP"


@pytest.fixture(scope="module")
def provider_server() -> Iterator[OidcProvider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def provider(provider_server: OidcProvider) -> OidcProvider:
    """The module's provider, approving nobody and forging nothing until a test says so."""
    provider_server.person = {}
    provider_server.forge_state = False
    provider_server.foreign_key = None
    return provider_server


@pytest.fixture(scope="module")
def sso_server(database_url: str, app: Flask) -> Iterator[int]:
    """The real server; yields its port. `app` first: it migrates the database."""
    port = free_port()
    # A cheaper scrypt, as the app fixture's: an EV user created at login gets a password.
    with running_server(database_url, port, PORTAL_URL=f"http://localhost:{port}",
                        PASSWORD_HASH_METHOD="scrypt:1024:8:1"):
        yield port


def company_with_provider(app: Flask, provider: OidcProvider, *, enabled: bool = True,
                          create_ev_users: bool = False, name: str = "Company A") -> Company:
    """A new company (with its administrator) whose single sign-on is the test provider."""
    company = make_tenant(app, name=name)
    configure(app, company, provider, enabled=enabled, create_ev_users=create_ev_users)
    return company


def configure(app: Flask, company: Company, provider: OidcProvider, **options: bool) -> None:
    with company_scope(app, company) as tenant:
        sso.configure(tenant, sso.ProviderSettings(
            name=PROVIDER_NAME, issuer=provider.issuer, client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET, enabled=options.get("enabled", True),
            create_ev_users=options.get("create_ev_users", False)))
