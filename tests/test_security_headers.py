"""Every response carries the security headers: pages, redirects, errors, the API, station
files, static files; HSTS only over HTTPS and only when the setting asks for it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from portal import config, create_app
from portal.extensions import db
from portal.models import Role
from tests.factories import World

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: "
       "https://tile.openstreetmap.org; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self' *.localhost:*; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_security_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status, response.headers)


def _admin(portal, world: World):
    client = portal(world.a)
    assert client.login(world.a.email(Role.ADMIN)).status_code == 302
    return client


# (what, host: "tenant" or "bare", method, path, status)
RESPONSES = [
    ("login page", "tenant", "GET", "/login", 200),
    ("redirect to the login", "tenant", "GET", "/dashboard", 302),
    ("not found page", "tenant", "GET", "/no-such-page", 404),
    ("method not allowed", "tenant", "GET", "/logout", 405),
    ("form without its CSRF token", "tenant", "POST", "/login", 400),
    ("company finder on the bare domain", "bare", "GET", "/", 200),
    ("unknown company", "bare", "GET", "/dashboard", 404),
    ("API description", "tenant", "GET", "/api/v1/openapi.json", 200),
    ("API error", "tenant", "GET", "/api/v1/stations", 401),
    ("our static file", "tenant", "GET", "/static/js/check-boxes.js", 200),
    ("Bootstrap's static file", "bare", "GET", "/bootstrap/static/css/bootstrap.min.css", 200),
    ("station file with a wrong token", "bare", "GET", "/files/no-such-token/fw.bin", 404),
    ("station upload with a wrong token", "bare", "PUT", "/uploads/no-such-token", 404),
    ("OCPP handshake without a WebSocket", "tenant", "GET", "/ocpp/CP-NONE", 400),
]


@pytest.mark.parametrize(("what", "host", "method", "path", "status"), RESPONSES,
                         ids=[row[0] for row in RESPONSES])
def test_every_kind_of_response_carries_the_security_headers(
        portal, world: World, what: str, host: str, method: str, path: str, status: int
) -> None:
    client = portal(world.a if host == "tenant" else "")
    with client.client.open(path, method=method, base_url=client.base_url) as response:
        assert response.status_code == status, what
        assert_security_headers(response)


def test_pages_of_a_logged_in_user_carry_the_security_headers(portal, world: World) -> None:
    client = _admin(portal, world)
    for path in ("/dashboard", "/stations", "/operations/send/Reset", "/account/password"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response)


def test_a_firmware_download_carries_the_security_headers(portal, world: World) -> None:
    client = _admin(portal, world)
    client.post("/firmware", {"file": (io.BytesIO(b"\x00firmware"), "fw.bin")},
                csrf_from="/firmware", content_type="multipart/form-data")
    html = client.get("/firmware").get_data(as_text=True)
    path = re.search(r"http://[^/<]+(/files/[A-Za-z0-9_-]{43}/fw\.bin)</code>", html).group(1)
    download = portal(world.a).get(path)  # a station: no login
    assert download.status_code == 200 and download.get_data() == b"\x00firmware"
    assert_security_headers(download)


@pytest.fixture
def failing_app(database_url: str, app: Flask) -> Iterator[Flask]:
    broken = create_app({"DATABASE_URL": database_url, "SQLALCHEMY_DATABASE_URI": database_url,
                         "SECRET_KEY": "test-secret-key", "PORTAL_DOMAIN": "localhost"})

    @broken.get("/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    yield broken
    with broken.app_context():
        db.engine.dispose()


def test_an_unexpected_error_page_carries_the_security_headers(failing_app: Flask,
                                                               world: World) -> None:
    response = failing_app.test_client().get("/boom", base_url=f"http://{world.a.slug}.localhost")
    assert response.status_code == 500
    assert_security_headers(response)


def test_hsts_is_sent_over_https_when_set(app: Flask, portal, world: World,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 31536000)
    client = portal(world.a)
    secure = client.client.get("/login", base_url=f"https://{client.host}")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers  # plain HTTP


def test_no_hsts_in_development(portal, world: World) -> None:
    client = portal(world.a)
    response = client.client.get("/login", base_url=f"https://{client.host}")
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_lasts_a_year_in_production_unless_set() -> None:
    production = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 32}
    assert config.flask_config(config.load(production))["HSTS_SECONDS"] == 31536000
    assert config.flask_config(config.load({**production, "HSTS_SECONDS": "0"}))[
        "HSTS_SECONDS"] == 0
    assert config.flask_config(config.load({}))["HSTS_SECONDS"] == 0
