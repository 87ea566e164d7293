"""Administrators create API tokens (shown once) and revoke them; the API follows."""

from __future__ import annotations

import re

from flask import Flask

from portal.models import Role
from tests.api.client import Api
from tests.factories import Company, World

PAGE = "/api-tokens"


def _admin(portal, company: Company):
    client = portal(company)
    assert client.login(company.email(Role.ADMIN)).status_code == 302
    return client


def _api_status(app: Flask, company: Company, secret: str) -> int:
    return app.test_client().get("/api/v1/stations", base_url=f"http://{company.slug}.localhost",
                                 headers={"Authorization": f"Bearer {secret}"}).status_code


def _create(client, name: str, role: str = "support") -> tuple[str, int]:
    html = client.post(PAGE, {"name": name, "role": role}, csrf_from=PAGE).get_data(
        as_text=True)
    secret = re.search(r'<code[^>]*id="secret">([^<]+)</code>', html).group(1)
    token_id = int(re.findall(r"/api-tokens/(\d+)/revoke", html)[0])  # newest first
    return secret, token_id


def test_a_token_is_shown_once_works_and_stops_working_when_revoked(
    app: Flask, portal, world: World
) -> None:
    client = _admin(portal, world.a)
    secret, token_id = _create(client, "Grid platform")
    assert _api_status(app, world.a, secret) == 200
    listing = client.get(PAGE).get_data(as_text=True)
    assert "Grid platform" in listing and secret not in listing
    assert secret[:10] in listing  # its prefix tells tokens apart
    assert "never" not in listing  # the read above is its last use

    revoked = client.post(f"{PAGE}/{token_id}/revoke", {}, csrf_from=PAGE)
    assert revoked.status_code == 302
    assert _api_status(app, world.a, secret) == 401
    assert "revoked" in client.get(PAGE).get_data(as_text=True)


def test_a_nameless_token_is_refused_and_nothing_is_made(portal, world: World) -> None:
    client = _admin(portal, world.a)
    before = client.get(PAGE).get_data(as_text=True).count("/revoke")
    response = client.post(PAGE, {"name": "  ", "role": "support"}, csrf_from=PAGE)
    assert response.status_code == 400
    assert 'id="secret"' not in response.get_data(as_text=True)
    assert client.get(PAGE).get_data(as_text=True).count("/revoke") == before


def test_another_companys_token_cannot_be_revoked(app: Flask, portal, world: World) -> None:
    secret, token_id = _create(_admin(portal, world.b), "B's platform")
    response = _admin(portal, world.a).post(f"{PAGE}/{token_id}/revoke", {}, csrf_from=PAGE)
    assert response.status_code == 404
    assert _api_status(app, world.b, secret) == 200


def test_a_monitor_token_is_offered_and_only_reads(app: Flask, portal, world: World) -> None:
    client = _admin(portal, world.a)
    roles = re.findall(r'<option[^>]*value="(\w+)"', client.get(PAGE).get_data(as_text=True))
    assert roles == ["admin", "support", "monitor"]
    secret, _ = _create(client, "Wall display", role="monitor")
    assert "<td>Monitor</td>" in client.get(PAGE).get_data(as_text=True)
    api = Api(app, world.a, secret)
    assert api.get("/api/v1/stations").status_code == 200
    command = api.post(f"/api/v1/stations/{world.a.station_site1}/commands",
                       {"action": "ClearCache", "payload": {}})
    assert command.status_code == 403
