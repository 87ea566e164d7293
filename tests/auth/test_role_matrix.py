"""Every route for every role (and a foreign company's administrator), from one table.

A new route is a new row. Paths name stations by a key resolved per world:
{site1} and {site2} are company A's stations on its two sites, {foreign} is a station
only company B has. Codes: 200 page, 302 redirect (Location checked), 403, 404, 405.
"""

from __future__ import annotations

import pytest

from portal.models import Role
from tests.factories import World

ROLES = ("admin", "site_admin", "support", "ev_user", "anonymous", "foreign_admin")
R = {"admin": Role.ADMIN, "site_admin": Role.SITE_ADMIN, "support": Role.SUPPORT,
     "ev_user": Role.EV_USER}
TO_LOGIN = "302:/login"

MATRIX = [
    # method path                              admin                   site_admin        support           ev_user             anonymous foreign_admin
    ("GET",  "/",                              "302:/dashboard",       "302:/dashboard", "302:/dashboard", "302:/my/sessions", TO_LOGIN, TO_LOGIN),
    ("GET",  "/login",                         "302:/",                "302:/",          "302:/",          "302:/",            200,      200),
    ("GET",  "/dashboard",                     200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations",                      200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/connectors",           200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}",              200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}",              200,                    404,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}",            404,                    404,              404,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/unknown-id",           404,                    404,              404,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}/messages",     200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}/messages",     200,                    404,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/messages",   404,                    404,              404,              403,                TO_LOGIN, TO_LOGIN),
    # no status in the form: 400 once the role may change the registration
    ("POST", "/stations/{site1}/registration", 400,                    400,              403,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/registration", 400,                    404,              403,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/registration", 404,                  404,              403,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/connection-attempts",             200,                    403,              403,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/connection-attempts/CP-NEW/add",  200,                    403,              403,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/connection-attempts/CP-NEW/add",  "302:/stations/CP-NEW", 403,              403,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/connection-attempts/{site1}/add", 409,                    403,              403,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/my/sessions",                   403,                    403,              403,              200,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/account/password",              200,                    200,              200,              200,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/logout",                        405,                    405,              405,              405,                405,      405),
    ("POST", "/logout",                        "302:/login",           "302:/login",     "302:/login",     "302:/login",       TO_LOGIN, TO_LOGIN),
    ("GET",  "/no-such-page",                  404,                    404,              404,              404,                404,      404),
    # the API takes bearer tokens only (tests/ocpp/test_remote_operations.py): a login is none
    ("POST", "/api/v1/stations/{site1}/commands", 401,                 401,              401,              401,                401,      401),
    ("POST", "/api/v1/stations/{foreign}/commands", 401,               401,              401,              401,                401,      401),
    ("GET",  "/api/v1/stations",               401,                    401,              401,              401,                401,      401),
    ("GET",  "/api/v1/stations/{site1}",       401,                    401,              401,              401,                401,      401),
    ("GET",  "/api/v1/transactions",           401,                    401,              401,              401,                401,      401),
    ("GET",  "/api/v1/openapi.json",           200,                    200,              200,              200,                200,      200),
    ("GET",  "/api-tokens",                    200,                    403,              403,              403,                TO_LOGIN, TO_LOGIN),
    # no name in the form: 400 once the role may create tokens
    ("POST", "/api-tokens",                    400,                    403,              403,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/api-tokens/999999/revoke",      404,                    403,              403,              403,                TO_LOGIN, TO_LOGIN),
    # charging profiles (a profile 1 in each company; 999999 in none); smart charging tab.
    # Empty forms: 400 once the role may post them; an empty clear is "clear all" (offline: 302)
    ("GET",  "/charging-profiles",             200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/charging-profiles/new",         200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/new",         400,                    400,              400,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/charging-profiles/1",           200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/charging-profiles/999999",      404,                    404,              404,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/charging-profiles/1/edit",      200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/1/edit",      400,                    400,              400,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/999999/edit", 404,                    404,              404,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/1/delete",    "302:/charging-profiles", "302:/charging-profiles", "302:/charging-profiles", 403, TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/999999/delete", 404,                  404,              404,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/1/install",   400,                    400,              400,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/999999/install", 404,                 404,              404,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/1/remote-start", 400,                 400,              400,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/999999/remote-start", 404,            404,              404,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}/charging",     200,                    200,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}/charging",     200,                    404,              200,              403,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/charging",   404,                    404,              404,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site1}/charging/clear", 302,                  302,              302,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/charging/clear", 302,                  404,              302,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/charging/clear", 404,                404,              404,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site1}/charging/composite-schedule", 400,     400,              400,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/charging/composite-schedule", 400,     404,              400,              403,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/charging/composite-schedule", 404,   404,              404,              403,                TO_LOGIN, TO_LOGIN),
]

CASES = [
    pytest.param(method, path, role, expected, id=f"{method} {path} as {role}")
    for method, path, *codes in MATRIX
    for role, expected in zip(ROLES, codes, strict=True)
]


def _client_as(role: str, world: World, portal):
    client = portal(world.a)
    if role == "foreign_admin":
        foreign = portal(world.b)
        assert foreign.login(world.b.email(Role.ADMIN)).status_code == 302
        client.use_session_cookie(foreign.session_cookie())
    elif role != "anonymous":
        assert client.login(world.a.email(R[role])).status_code == 302
    return client


@pytest.mark.parametrize(("method", "path", "role", "expected"), CASES)
def test_route_answers_each_role_as_the_table_says(
    method: str, path: str, role: str, expected: int | str, world: World, portal
) -> None:
    client = _client_as(role, world, portal)
    url = path.format(site1=world.a.station_site1, site2=world.a.station_site2,
                      foreign=world.b.own_station)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, csrf_from="/login" if role in {"anonymous", "foreign_admin"}
                               else "/account/password")
    status, _, location = str(expected).partition(":")
    assert response.status_code == int(status), response.get_data(as_text=True)[:500]
    if location:
        assert response.headers["Location"].split("?")[0] == location
    body = response.get_data(as_text=True)
    assert world.b.shared_station_name not in body  # nothing of company B ever shows on A
    if response.status_code == 403:
        assert "You are not allowed to see this page." in body


def test_matrix_covers_every_route_of_the_app(app) -> None:
    tested = {path.split("/{")[0].rstrip("/") or "/" for _, path, *_ in MATRIX}
    routes = {rule.rule.split("/<")[0] or "/" for rule in app.url_map.iter_rules()
              if not rule.endpoint.endswith("static") and not rule.endpoint.startswith("public.")
              and not rule.websocket}  # stations' sockets: tests/ocpp/test_handshake.py
    assert routes <= tested, f"routes missing from the matrix: {routes - tested}"
