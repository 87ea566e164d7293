"""OPEN outlets: anyone may charge, but a card the company blocked or let expire may not;
and every session keeps how it was allowed to start (open, rfid, remote).

Real server, real station sockets; the exact answers a station gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from portal.models import OutletMode, Tenant
from portal.services import stations
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, new_token, post_command
from tests.ocpp.station_client import Station as StationClient
from tests.ocpp.test_core import _session, _start, _stop

OPEN, RFID = OutletMode.OPEN, OutletMode.RFID


def _modes(company: OcppCompany, *modes: OutletMode) -> None:
    """CP1's connectors 1, 2 in these modes."""
    def write(tenant: Tenant) -> None:
        for outlet in stations.find("CP1").outlets:
            outlet.mode = modes[outlet.connector_id - 1]
    company.change(write)


@pytest.fixture
def booted(company: OcppCompany) -> Iterator[StationClient]:
    with company.station() as station:
        assert station.boot()["status"] == "Accepted"
        yield station


def _authorize(station: StationClient, id_tag: str) -> list[Any]:
    """The answer frame without its id: [3, payload]."""
    frame = station.call("Authorize", {"idTag": id_tag})
    return [frame[0], frame[2]]


def _accepted(status: str = "Accepted", **info: str) -> list[Any]:
    return [3, {"idTagInfo": {"status": status, **info}}]


def test_unknown_tag_is_accepted_on_an_all_open_station(company: OcppCompany,
                                                         booted: StationClient) -> None:
    _modes(company, OPEN, OPEN)
    assert _authorize(booted, "STRANGER") == _accepted()
    started = _start(booted, "STRANGER")
    assert started == {"transactionId": started["transactionId"],
                       "idTagInfo": {"status": "Accepted"}}
    session = _session(company, started["transactionId"])
    assert (session.auth_method.value, session.tag_id, session.authorization_status) == (
        "open", None, "Accepted")


def test_a_stranger_stopping_on_an_open_outlet_is_accepted_and_on_rfid_invalid(
        company: OcppCompany, booted: StationClient) -> None:
    _modes(company, OPEN, RFID)
    on_open = _start(booted, "STRANGER", connector=1)["transactionId"]
    assert _stop(booted, on_open, 2000, idTag="STRANGER") == {"idTagInfo": {"status": "Accepted"}}
    on_rfid = _start(booted, "STRANGER", connector=2)["transactionId"]
    assert _stop(booted, on_rfid, 2000, idTag="STRANGER") == {"idTagInfo": {"status": "Invalid"}}


def test_unknown_tag_is_invalid_on_an_rfid_station(company: OcppCompany,
                                                   booted: StationClient) -> None:
    assert _authorize(booted, "STRANGER") == _accepted("Invalid")
    started = _start(booted, "STRANGER")
    assert started["idTagInfo"] == {"status": "Invalid"}
    assert _session(company, started["transactionId"]).auth_method.value == "rfid"


@pytest.mark.parametrize(("id_tag", "status"), [
    ("BLOCKED", "Blocked"), ("ZERO", "Blocked"), ("EXPIRED", "Expired")])
def test_a_blocked_or_expired_tag_is_refused_on_open_too(
        company: OcppCompany, booted: StationClient, id_tag: str, status: str) -> None:
    _modes(company, OPEN, OPEN)
    assert _authorize(booted, id_tag)[1]["idTagInfo"]["status"] == status
    assert _start(booted, id_tag)["idTagInfo"]["status"] == status


def test_a_tag_at_its_limit_may_still_charge_on_open(company: OcppCompany,
                                                     booted: StationClient) -> None:
    """ConcurrentTx does not apply where any card would do."""
    _modes(company, OPEN, OPEN)
    assert _start(booted, "ONCE", connector=1)["idTagInfo"] == {"status": "Accepted"}
    assert _authorize(booted, "ONCE") == _accepted()
    assert _start(booted, "ONCE", connector=2)["idTagInfo"] == {"status": "Accepted"}


def test_a_mixed_station_authorizes_by_rfid_rules_and_starts_by_the_outlet(
        company: OcppCompany, booted: StationClient) -> None:
    _modes(company, OPEN, RFID)
    assert _authorize(booted, "STRANGER") == _accepted("Invalid")
    on_open = _start(booted, "STRANGER", connector=1)
    on_rfid = _start(booted, "STRANGER", connector=2)
    assert (on_open["idTagInfo"], on_rfid["idTagInfo"]) == (
        {"status": "Accepted"}, {"status": "Invalid"})
    assert _session(company, on_open["transactionId"]).auth_method.value == "open"
    assert _session(company, on_rfid["transactionId"]).auth_method.value == "rfid"


def _remote_start(company: OcppCompany, station: StationClient, token: str,
                  payload: dict[str, Any], status: str = "Accepted") -> None:
    answering = Answering(station, lambda unique_id: [3, unique_id, {"status": status}])
    response = post_command(company, token, {"action": "RemoteStartTransaction",
                                              "payload": payload})
    assert answering.join()[2:] == ["RemoteStartTransaction", payload]
    assert response.json()["status"] == status


def _auth_methods_in_api(company: OcppCompany, token: str) -> dict[int, str]:
    response = requests.get(f"http://127.0.0.1:{company.port}/api/v1/transactions",
                            headers={"Host": f"{company.slug}.localhost:{company.port}",
                                     "Authorization": f"Bearer {token}"}, timeout=10)
    return {t["transactionId"]: t["authMethod"] for t in response.json()["transactions"]}


def test_a_remote_start_makes_one_remote_session(company: OcppCompany,
                                                 booted: StationClient) -> None:
    token = new_token(company)
    _remote_start(company, booted, token, {"connectorId": 1, "idTag": "VALID"})
    remote = _start(booted, "VALID")["transactionId"]
    _stop(booted, remote, 2000)
    # The same card again, at the station: the remote start was used up.
    local = _start(booted, "VALID")["transactionId"]
    assert _auth_methods_in_api(company, token) == {remote: "remote", local: "rfid"}


def test_a_remote_start_on_an_open_outlet_is_remote(company: OcppCompany,
                                                    booted: StationClient) -> None:
    _modes(company, OPEN, OPEN)
    token = new_token(company)
    _remote_start(company, booted, token, {"idTag": "STRANGER"})  # any connector
    started = _start(booted, "STRANGER", connector=2)["transactionId"]
    assert _auth_methods_in_api(company, token) == {started: "remote"}


@pytest.mark.parametrize(("payload", "status", "started_on"), [
    ({"connectorId": 1, "idTag": "VALID"}, "Rejected", 1),  # the station refused it
    ({"connectorId": 2, "idTag": "VALID"}, "Accepted", 1),  # for another connector
    ({"connectorId": 1, "idTag": "FLEET"}, "Accepted", 1),  # for another card
])
def test_a_start_that_no_accepted_remote_start_asked_for_is_not_remote(
        company: OcppCompany, booted: StationClient, payload: dict[str, Any], status: str,
        started_on: int) -> None:
    token = new_token(company)
    _remote_start(company, booted, token, payload, status)
    started = _start(booted, "VALID", connector=started_on)["transactionId"]
    assert _auth_methods_in_api(company, token) == {started: "rfid"}


def test_outlet_modes_are_read_at_each_message(company: OcppCompany,
                                               booted: StationClient) -> None:
    """Staff switch an outlet to OPEN while the station is connected: it applies at once."""
    assert _authorize(booted, "STRANGER") == _accepted("Invalid")
    _modes(company, OPEN, OPEN)
    assert _authorize(booted, "STRANGER") == _accepted()
