"""The API answers input the database cannot hold with a 4xx in its one error shape, and
sends and stores nothing: ids and integers past 32 bits, times out of the calendar,
bodies nested past Python's parser or holding NaN, NUL characters and lone surrogates."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.models import Role
from tests.api.client import Api, command_count, new_token
from tests.factories import World


@pytest.fixture
def admin(app: Flask, world: World) -> Api:
    return Api(app, world.a, new_token(app, world.a, Role.ADMIN))


@pytest.mark.parametrize(("query", "errors"), [
    ("after=2147483648", {"after": "expected the id of the last transaction of a page"}),
    ("since=0001-01-01T00:00:00%2B01:00", {"since": "expected an ISO 8601 date-time"}),
    ("since=9999-12-31T23:59:59-01:00", {"since": "expected an ISO 8601 date-time"}),
])
def test_a_query_value_the_database_cannot_hold_is_422(admin: Api, query: str,
                                                       errors: dict[str, str]) -> None:
    response = admin.get(f"/api/v1/transactions?{query}")
    assert response.status_code == 422
    assert response.get_json() == {"error": "invalid", "message": "Invalid query.",
                                   "errors": errors}


BODY_MESSAGE = 'The body must be a JSON object: {"action": ..., "payload": {...}}.'


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"action": "ClearCache", "payload": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001,
    '{"action": "ClearCache", "payload": {}, "timeout": NaN}',
    '{"action": "ChangeAvailability", "payload": {"connectorId": Infinity, '
    '"type": "Inoperative"}}',
])
def test_a_body_that_is_no_standard_json_is_422_and_nothing_is_stored(
    app: Flask, admin: Api, world: World, body: str
) -> None:
    response = admin.post(f"/api/v1/stations/{world.a.station_site1}/commands",
                          data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json() == {"error": "invalid", "message": BODY_MESSAGE,
                                   "errors": {"body": BODY_MESSAGE}}
    assert command_count(app, world.a) == 0


@pytest.mark.parametrize(("action", "payload", "message"), [
    ("ClearChargingProfile", {"id": 99999999999},
     "payload.id must be smaller than or equal to 2147483647"),
    ("ChangeAvailability", {"connectorId": 2**31, "type": "Inoperative"},
     "payload.connectorId must be smaller than or equal to 2147483647"),
    ("RemoteStopTransaction", {"transactionId": -(10**30)},
     "payload.transactionId must be bigger than or equal to -2147483648"),
    ("GetDiagnostics", {"location": "ftp://x/", "retries": 10**20},
     "payload.retries must be smaller than or equal to 2147483647"),
    ("DataTransfer", {"vendorId": "v\u0000"},
     "payload.vendorId holds a NUL character or a lone surrogate"),
    ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "\ud800"},
     "payload.value holds a NUL character or a lone surrogate"),
    ("ReserveNow", {"connectorId": 1, "expiryDate": "9999-12-31T23:59:59-01:00",
                    "idTag": "A", "reservationId": 1},
     "payload.expiryDate must be date-time"),
])
def test_a_payload_value_the_database_cannot_hold_is_422_and_nothing_is_sent(
    app: Flask, admin: Api, world: World, action: str, payload: dict, message: str
) -> None:
    response = admin.post(f"/api/v1/stations/{world.a.station_site1}/commands",
                          {"action": action, "payload": payload})
    assert response.status_code == 422
    assert response.get_json() == {"error": "invalid", "message": message,
                                   "errors": {"payload": message}}
    assert command_count(app, world.a) == 0
