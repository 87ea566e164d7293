"""Links into a company's portal made outside any request, as PORTAL_URL says."""

from __future__ import annotations

import pytest
from flask import Flask

from portal import config
from portal.config import ConfigError
from portal.models import Tenant
from tenants.links import page_url

SODRA = Tenant(slug="sodra", name="Södra Laddning")


@pytest.mark.parametrize(("portal_url", "expected"), [
    ("https://localhost", "https://sodra.localhost/dashboard?node=site:3"),
    ("http://localhost:8000", "http://sodra.localhost:8000/dashboard?node=site:3"),
])
def test_a_link_leads_to_the_companys_host_as_portal_url_says(
        app: Flask, monkeypatch: pytest.MonkeyPatch, portal_url: str, expected: str) -> None:
    monkeypatch.setitem(app.config, "PORTAL_URL", portal_url)
    with app.app_context():
        assert page_url(SODRA, "dashboard.show", node="site:3") == expected


def test_without_a_company_the_link_is_on_the_bare_domain(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PORTAL_URL", "https://localhost")
    with app.app_context():
        assert page_url(None, "public.index") == "https://localhost/"


def test_portal_url_defaults_to_https_in_production_and_the_port_in_development() -> None:
    production = config.load({"PORTAL_ENV": "production", "SECRET_KEY": "k" * 32,
                              "PORTAL_DOMAIN": "example.com"})
    development = config.load({"PORTAL_DOMAIN": "example.com", "PORT": "8080"})
    assert config.flask_config(production)["PORTAL_URL"] == "https://example.com"
    assert config.flask_config(development)["PORTAL_URL"] == "http://example.com:8080"


@pytest.mark.parametrize("value", ["ftp://example.com", "https://example.com/portal"])
def test_a_bad_portal_url_stops_the_start(value: str) -> None:
    with pytest.raises(ConfigError, match="PORTAL_URL"):
        config.load({"PORTAL_URL": value})


def test_portal_url_must_be_on_portal_domain() -> None:
    settings = config.load({"PORTAL_DOMAIN": "example.com", "PORTAL_URL": "https://other.org"})
    with pytest.raises(ConfigError, match=r"its host must be PORTAL_DOMAIN \(example.com\)"):
        config.flask_config(settings)
