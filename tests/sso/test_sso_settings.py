"""An administrator configures the company's OpenID Connect provider: the issuer is checked
by reading its discovery document, and the client secret is kept encrypted, never shown."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import text
from werkzeug.test import TestResponse

from portal.extensions import db
from portal.models import Role
from portal.services import encryption, secrets
from tests.conftest import free_port
from tests.factories import Company, make_tenant
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.portal_client import PortalClient
from tests.sso.conftest import PROVIDER_NAME

PAGE = "/settings/sso"


@pytest.fixture
def company(app: Flask) -> Company:
    return make_tenant(app)


@pytest.fixture
def admin(portal: Any, company: Company) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(Role.ADMIN)).status_code == 302
    return client


def save(client: PortalClient, issuer: str, secret: str = CLIENT_SECRET,
         **fields: str) -> TestResponse:
    form = {"name": PROVIDER_NAME, "issuer": issuer, "client_id": CLIENT_ID,
            "client_secret": secret, "enabled": "y", **fields}
    return client.post(PAGE, form, csrf_from=PAGE)


def stored_secret(app: Flask, company: Company) -> str:
    """The client secret's column as the database holds it."""
    with app.app_context():
        return db.session.execute(
            text("SELECT client_secret_encrypted FROM sso_provider WHERE tenant_id = :tenant"),
            {"tenant": company.tenant_id}).scalar_one()


def error_next_to_field(html: str, message: str) -> bool:
    return f'<div class="invalid-feedback">{message}</div>' in html


def test_secret_is_stored_encrypted_and_shown_masked(
        admin: PortalClient, provider: OidcProvider, app: Flask, company: Company) -> None:
    assert save(admin, provider.issuer).headers["Location"] == PAGE
    raw = stored_secret(app, company)
    assert CLIENT_SECRET not in raw
    with app.app_context():
        assert encryption.decrypt(raw) == CLIENT_SECRET
    page = admin.get(PAGE).get_data(as_text=True)
    assert "The single sign-on settings are saved." in page
    assert f'placeholder="{secrets.MASK}"' in page and CLIENT_SECRET not in page
    # the redirect URI, on the company's host as PORTAL_URL says people reach it
    portal_host = urlsplit(app.config["PORTAL_URL"]).netloc
    assert f'value="http://{company.slug}.{portal_host}/login/sso/callback"' in page


def test_empty_secret_field_keeps_the_stored_secret(
        admin: PortalClient, provider: OidcProvider, app: Flask, company: Company) -> None:
    save(admin, provider.issuer)
    kept = stored_secret(app, company)
    response = save(admin, provider.issuer, secret="", name="Renamed IdP")
    assert response.status_code == 302
    assert stored_secret(app, company) == kept
    assert 'value="Renamed IdP"' in admin.get(PAGE).get_data(as_text=True)


def test_first_save_needs_the_secret(admin: PortalClient, provider: OidcProvider) -> None:
    response = save(admin, provider.issuer, secret="")
    assert response.status_code == 400
    assert error_next_to_field(response.get_data(as_text=True),
                               "Give the client secret the provider gave you.")


@pytest.mark.parametrize(("issuer", "message"), [
    ("{closed}", "Plugboard could not reach {closed}/.well-known/openid-configuration."),
    ("{issuer}/elsewhere", "{issuer}/elsewhere/.well-known/openid-configuration answered HTTP "
                           "404, not a discovery document."),
    # the document names its issuer by 127.0.0.1: an ID token would carry that one
    ("{localhost}", "The provider at {localhost}/.well-known/openid-configuration names itself "
                    "{issuer}, not {localhost}."),
    ("http://idp.example.com", "The issuer&#39;s address must start with https://."),
    ("ftp://idp.example.com", "Give the issuer&#39;s address, such as "
                              "https://accounts.google.com."),
])
def test_issuer_without_a_discovery_document_is_refused_next_to_the_field(
        admin: PortalClient, provider: OidcProvider, app: Flask, company: Company,
        issuer: str, message: str) -> None:
    names = {"issuer": provider.issuer, "closed": f"http://127.0.0.1:{free_port()}",
             "localhost": f"http://localhost:{provider.port}"}
    response = save(admin, issuer.format(**names))
    assert response.status_code == 400
    assert error_next_to_field(response.get_data(as_text=True), message.format(**names))
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM sso_provider WHERE tenant_id = "
                                       ":tenant"), {"tenant": company.tenant_id}).scalar() == 0


def test_values_past_the_columns_are_refused(admin: PortalClient,
                                             provider: OidcProvider) -> None:
    response = save(admin, provider.issuer, name="n" * 101, client_id="c" * 256)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_next_to_field(html, "Field cannot be longer than 100 characters.")
    assert error_next_to_field(html, "Field cannot be longer than 255 characters.")


def test_nul_character_is_refused(admin: PortalClient, provider: OidcProvider) -> None:
    assert save(admin, provider.issuer, name="IdP\x00").status_code == 400
