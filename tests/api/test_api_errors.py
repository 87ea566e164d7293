"""Every error under /api/ has one shape: {"error": code, "message": text}, with "errors"
for 422, whether the API refused, a service raised, the router or the server failed."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from portal import create_app
from portal.extensions import db, limiter
from portal.models import Role
from tests.api.client import Api, command_count, new_token
from tests.factories import Company, World

UNAUTHORIZED = {"error": "unauthorized", "message": "A valid API token of this company is "
                                                   "required (Authorization: Bearer <token>)."}
CLEAR_CACHE = {"action": "ClearCache", "payload": {}}


@pytest.fixture
def admin(app: Flask, world: World) -> Api:
    return Api(app, world.a, new_token(app, world.a, Role.ADMIN))


def test_without_a_token_401_says_how_to_send_one(app: Flask, world: World) -> None:
    response = Api(app, world.a, None).get("/api/v1/stations")
    assert response.status_code == 401
    assert response.get_json() == UNAUTHORIZED
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Plugboard API"'


def test_a_monitor_token_gets_403_on_commands_and_nothing_is_stored(
    app: Flask, world: World
) -> None:
    monitor = Api(app, world.a, new_token(app, world.a, Role.MONITOR))
    response = monitor.post(f"/api/v1/stations/{world.a.station_site1}/commands", CLEAR_CACHE)
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "forbidden",
        "message": "A monitor token may not send remote commands to stations."}
    assert command_count(app, world.a) == 0


def test_an_unknown_station_is_404(admin: Api) -> None:
    for response in (admin.get("/api/v1/stations/NOPE"),
                     admin.post("/api/v1/stations/NOPE/commands", CLEAR_CACHE)):
        assert response.status_code == 404
        assert response.get_json() == {"error": "not_found", "message": "No station NOPE."}


def test_another_companys_station_is_404(admin: Api, world: World) -> None:
    response = admin.get(f"/api/v1/stations/{world.b.own_station}")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/stations/CP1/nothing", "/api/v2"])
def test_an_unknown_address_is_404(admin: Api, path: str) -> None:
    response = admin.get(path)
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "not_found",
        "message": "Nothing here: check the address against /api/v1/openapi.json."}


def test_an_unknown_company_is_404_in_the_same_shape(app: Flask) -> None:
    response = Api(app, Company(slug="no-such-company", tenant_id=0), None).get(
        "/api/v1/stations")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_a_wrong_method_is_405_with_the_allowed_ones(admin: Api, world: World) -> None:
    response = admin.request("DELETE", "/api/v1/stations")
    assert response.status_code == 405
    assert response.get_json() == {"error": "method_not_allowed",
                                   "message": "DELETE is not allowed here; use GET."}
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    response = admin.get(f"/api/v1/stations/{world.a.station_site1}/commands")
    assert response.get_json() == {"error": "method_not_allowed",
                                   "message": "GET is not allowed here; use POST."}


def test_an_oversized_body_is_413_and_nothing_is_stored(
    app: Flask, admin: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    body = {**CLEAR_CACHE, "payload": {"padding": "x" * 2000}}
    response = admin.post(f"/api/v1/stations/{world.a.station_site1}/commands", body)
    assert response.status_code == 413
    assert response.get_json() == {"error": "too_large",
                                   "message": "The request body is too large."}
    assert command_count(app, world.a) == 0


def test_a_bad_query_names_every_bad_parameter(admin: Api) -> None:
    response = admin.get("/api/v1/transactions?since=yesterday&limit=0")
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "invalid", "message": "Invalid query.",
        "errors": {"since": "expected an ISO 8601 date-time", "limit": "from 1 to 1000"}}


def test_a_body_that_is_no_object_is_422(app: Flask, admin: Api, world: World) -> None:
    message = 'The body must be a JSON object: {"action": ..., "payload": {...}}.'
    for body in (["ClearCache"], None):
        response = admin.post(f"/api/v1/stations/{world.a.station_site1}/commands", body)
        assert response.status_code == 422
        assert response.get_json() == {"error": "invalid", "message": message,
                                       "errors": {"body": message}}
    assert command_count(app, world.a) == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "Heartbeat", "payload": {}}, "action"),
    ({"action": "Reset", "payload": {"type": "Sideways"}}, "payload"),
    ({**CLEAR_CACHE, "timeout": 0}, "timeout"),
])
def test_a_service_refusing_a_field_is_422_naming_it(app: Flask, admin: Api, world: World,
                                                     body: dict, field: str) -> None:
    response = admin.post(f"/api/v1/stations/{world.a.station_site1}/commands", body)
    assert response.status_code == 422
    error = response.get_json()
    assert error == {"error": "invalid", "message": error["message"],
                     "errors": {field: error["message"]}}
    assert error["message"]
    assert command_count(app, world.a) == 0


def test_an_offline_station_is_409_with_the_stored_command(app: Flask, admin: Api,
                                                           world: World) -> None:
    # The in-process test app holds no station socket: every station is offline here.
    response = admin.post(f"/api/v1/stations/{world.a.station_site1}/commands", CLEAR_CACHE)
    assert response.status_code == 409
    assert response.get_json() == {
        "error": "station_offline",
        "message": f"ClearCache to {world.a.station_site1}: Station offline.",
        "command": response.get_json()["command"], "outcome": "offline"}
    assert command_count(app, world.a) == 1


@pytest.fixture
def failing_app(database_url: str, app: Flask) -> Iterator[Flask]:
    """The app with two routes under /api/ that fail as no real route should."""
    broken = create_app({"DATABASE_URL": database_url, "SQLALCHEMY_DATABASE_URI": database_url,
                         "SECRET_KEY": "test-secret-key", "PORTAL_DOMAIN": "localhost"})

    @broken.get("/api/v1/boom")
    def boom() -> str:
        raise RuntimeError("a bug in the API")

    run = uuid.uuid4().hex  # the limit's counter outlives this run in Redis: a key of its own

    @broken.get("/api/v1/throttled")
    @limiter.limit("1 per day", key_func=lambda: run)
    def throttled() -> str:
        return "{}"

    yield broken
    with broken.app_context():
        db.engine.dispose()


def test_an_unexpected_error_is_500_logged_and_not_shown(
    failing_app: Flask, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = Api(failing_app, world.a, None).get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": "internal_error",
        "message": "Something went wrong on our side. It has been logged; try again in a moment."}
    assert "RuntimeError: a bug in the API" in caplog.text


def test_too_many_requests_is_429(failing_app: Flask, world: World) -> None:
    api = Api(failing_app, world.a, None)
    assert api.get("/api/v1/throttled").status_code == 200
    response = api.get("/api/v1/throttled")
    assert response.status_code == 429
    assert response.get_json() == {
        "error": "rate_limited",
        "message": "Too many requests (1 per 1 day). Wait a while and try again."}
