"""Every door that sends commands goes through one service, so a bad command is refused the
same way whichever door it comes through: nothing reaches the station, nothing is stored.

Doors: the station's control panel, the Operations page, the station's Configuration page
and the JSON API. Bad commands: a read-only key, a value of the wrong type, a short
AuthorizationKey and a RemoteStartTransaction before the station is Accepted. A door
that cannot express a bad command (the control panel changes no configuration, the
Configuration page starts no session) has no case for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from ocpp.v16.enums import RegistrationStatus
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Command, Direction, OcppMessage, Station
from portal.services import stations
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station as StationClient

SHORT_KEY = "short"
BAD_COMMANDS: dict[str, tuple[str, dict[str, object]]] = {
    "read-only key": ("ChangeConfiguration", {"key": "NumberOfConnectors", "value": "4"}),
    "wrong value type": ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "often"}),
    # AuthorizationKey travels hex-encoded; this is the hex of a 5-character key.
    "short AuthorizationKey": ("ChangeConfiguration",
                               {"key": "AuthorizationKey", "value": SHORT_KEY.encode().hex()}),
    "RemoteStart before Accepted": ("RemoteStartTransaction",
                                    {"connectorId": 1, "idTag": "VALID"}),
}
Door = Callable[[OcppCompany, LivePortal, str], int]


def _station_id(company: OcppCompany) -> int:
    return company.query(lambda: db.session.scalar(
        select(Station.id).where(Station.charge_box_id == "CP1")))


def control_panel(company: OcppCompany, browser: LivePortal, bad: str) -> int:
    action, payload = BAD_COMMANDS[bad]
    fields = {"connector_id": payload["connectorId"], "id_tag": payload["idTag"]}
    response = browser.post(f"/stations/CP1/control/{action}",
                            {f"{action}-{name}": value for name, value in fields.items()},
                            csrf_from="/stations/CP1/control", prefix=action)
    assert "forbids RemoteStartTransaction" in browser.get("/stations/CP1/control").text
    return response.status_code


def operations_page(company: OcppCompany, browser: LivePortal, bad: str) -> int:
    action, payload = BAD_COMMANDS[bad]
    if action == "ChangeConfiguration":
        fields = {"key": payload["key"], "value": payload["value"]}
    else:
        fields = {"connector_id": payload["connectorId"], "id_tag": payload["idTag"]}
    page = f"/operations/send/{action}"
    response = browser.post(page, [("station", _station_id(company))]
                            + [(f"{action}-{name}", value) for name, value in fields.items()],
                            csrf_from=page, prefix=action)
    assert response.status_code == 400
    assert 'class="alert alert-danger' in response.text or "invalid-feedback" in response.text
    return response.status_code


def configuration_page(company: OcppCompany, browser: LivePortal, bad: str) -> int:
    _, payload = BAD_COMMANDS[bad]
    page = "/stations/CP1/configuration"
    if payload["key"] == "AuthorizationKey":
        response = browser.post("/stations/CP1/authorization-key", {"auth_key": SHORT_KEY},
                                csrf_from=page, prefix="")
        assert "16 to 40 printable characters" in response.text
    else:
        response = browser.post(page, {"key": payload["key"], "value": payload["value"]},
                                csrf_from=page)
        assert ("read-only" in response.text) or ("whole number" in response.text)
    return response.status_code


def api(company: OcppCompany, browser: LivePortal, bad: str) -> int:
    action, payload = BAD_COMMANDS[bad]
    response = post_command(company, new_token(company), {"action": action, "payload": payload})
    assert response.json()["error"]
    return response.status_code


DOORS: dict[str, tuple[Door, tuple[str, ...]]] = {
    "control panel": (control_panel, ("RemoteStart before Accepted",)),
    "Operations page": (operations_page, tuple(BAD_COMMANDS)),
    "Configuration page": (configuration_page,
                           ("read-only key", "wrong value type", "short AuthorizationKey")),
    "API": (api, tuple(BAD_COMMANDS)),
}
CASES = [(door, bad) for door, (_, bads) in DOORS.items() for bad in bads]


@pytest.fixture
def cp1(company: OcppCompany) -> Iterator[StationClient]:
    with company.station() as station:
        assert station.boot()["status"] == "Accepted"
        yield station


def _counts(company: OcppCompany) -> tuple[int, int]:
    return company.query(lambda: (
        db.session.scalar(select(func.count()).select_from(Command)),
        db.session.scalar(select(func.count()).select_from(OcppMessage).where(
            OcppMessage.direction == Direction.TO_STATION, OcppMessage.message_type == 2))))


@pytest.mark.parametrize(("door", "bad"), CASES, ids=[f"{d}-{b}" for d, b in CASES])
def test_every_door_refuses_a_bad_command_and_sends_and_stores_nothing(
        company: OcppCompany, cp1: StationClient, door: str, bad: str) -> None:
    if bad == "RemoteStart before Accepted":
        company.change(lambda tenant: stations.set_registration(
            stations.find("CP1"), RegistrationStatus.pending))
    browser = LivePortal(company).login(admin_email(company))
    before = _counts(company)
    status = DOORS[door][0](company, browser, bad)
    assert status in (302, 400, 403, 422)
    assert _counts(company) == before  # no command stored, no CALL logged
    with pytest.raises(TimeoutError):  # and none reached the station
        cp1.ws.recv(timeout=0.5)
