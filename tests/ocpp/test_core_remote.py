"""The Core and Remote Trigger cases the central system starts, named after the OCTT cases.

Each case runs through both doors staff and platforms use: the station's control panel
in the browser and the JSON API. The station is a real socket on the live server; it
receives the exact CALL, answers as the case says, and carries on as a station would.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession, Command, CommandOutcome, Station
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station as StationClient
from tests.ocpp.test_core import _session, _start, _status, _stop

DOORS = ("form", "api")


class Door:
    """Sends an operation the way staff (control panel) or a platform (API) would, and
    returns what they are shown: the station's status, or why there is none."""

    def __init__(self, name: str, company: OcppCompany) -> None:
        self.name, self.company = name, company
        self.browser = LivePortal(company).login(admin_email(company)) if name == "form" else None
        self.token = new_token(company) if name == "api" else None

    def send(self, station: StationClient, answer: Any, action: str, payload: dict[str, Any],
             fields: dict[str, Any]) -> tuple[list[Any], str]:
        """The CALL the station received, and the result as shown."""
        answering = Answering(station, answer)
        if self.browser is None:
            response = post_command(self.company, self.token, {"action": action,
                                                               "payload": payload})
            shown = response.json().get("status") or response.json().get("code")
        else:
            self.browser.post(f"/stations/CP1/control/{action}",
                              {f"{action}-{name}": value for name, value in fields.items()},
                              csrf_from="/stations/CP1/control", prefix=action)
            flashed = re.search(r'role="alert">[^:<]*: ([^<]*)\.<',
                                self.browser.get("/stations/CP1/control").text)
            shown = flashed.group(1) if flashed else ""
        return answering.join(), shown


@pytest.fixture(params=DOORS)
def door(request: pytest.FixtureRequest, company: OcppCompany) -> Door:
    return Door(request.param, company)


def answer(payload: dict[str, Any]) -> Any:
    return lambda unique_id: [3, unique_id, payload]


def _last_command(company: OcppCompany) -> Command:
    def read() -> Command:
        command = db.session.scalar(select(Command).order_by(Command.id.desc()))
        db.session.expunge(command)
        return command
    return company.query(read)


def _remote_start(door: Door, cp1: StationClient, status: str = "Accepted") -> str:
    call, shown = door.send(cp1, answer({"status": status}), "RemoteStartTransaction",
                            {"connectorId": 1, "idTag": "VALID"},
                            {"connector_id": "1", "id_tag": "VALID"})
    assert call[2:] == ["RemoteStartTransaction", {"connectorId": 1, "idTag": "VALID"}]
    return shown


def test_tc_010_remote_start_cable_plugged_in_first(door: Door, company: OcppCompany,
                                                     cp1: StationClient) -> None:
    _status(cp1, 1, "Preparing")
    assert _remote_start(door, cp1) == "Accepted"
    assert cp1.result("Authorize", {"idTag": "VALID"})["idTagInfo"]["status"] == "Accepted"
    started = _start(cp1, "VALID")
    assert started["idTagInfo"]["status"] == "Accepted"
    _status(cp1, 1, "Charging")
    session = _session(company, started["transactionId"])
    assert session.stopped_at is None and session.id_tag == "VALID"


def test_tc_011_1_remote_start_remote_start_first(door: Door, company: OcppCompany,
                                                  cp1: StationClient) -> None:
    assert _remote_start(door, cp1) == "Accepted"
    _status(cp1, 1, "Preparing")
    started = _start(cp1, "VALID")
    _status(cp1, 1, "Charging")
    assert _session(company, started["transactionId"]).stopped_at is None


def test_tc_011_2_remote_start_time_out(door: Door, company: OcppCompany,
                                        cp1: StationClient) -> None:
    assert _remote_start(door, cp1) == "Accepted"
    _status(cp1, 1, "Preparing")
    _status(cp1, 1, "Available")  # nobody plugged in within ConnectionTimeOut
    assert company.query(lambda: db.session.scalar(  # no session was started
        select(ChargingSession.id).join(ChargingSession.station)
        .where(Station.charge_box_id == "CP1"))) is None
    assert _last_command(company).outcome is CommandOutcome.ANSWERED


def test_tc_012_remote_stop_charging_session(door: Door, company: OcppCompany,
                                             cp1: StationClient) -> None:
    started = _start(cp1, "VALID")
    _status(cp1, 1, "Charging")
    transaction_id = started["transactionId"]
    call, shown = door.send(cp1, answer({"status": "Accepted"}), "RemoteStopTransaction",
                            {"transactionId": transaction_id},
                            {"transaction_id": str(transaction_id)})
    assert call[2:] == ["RemoteStopTransaction", {"transactionId": transaction_id}]
    assert shown == "Accepted"
    _status(cp1, 1, "Finishing")
    _stop(cp1, transaction_id, 5000, reason="Remote")
    _status(cp1, 1, "Available")
    session = _session(company, transaction_id)
    assert session.stopped_at is not None and session.stop_reason == "Remote"


@pytest.mark.parametrize(("case", "reset_type"), [("tc_013", "Hard"), ("tc_014", "Soft")])
def test_tc_013_hard_reset_and_tc_014_soft_reset(door: Door, company: OcppCompany,
                                                 cp1: StationClient, case: str,
                                                 reset_type: str) -> None:
    call, shown = door.send(cp1, answer({"status": "Accepted"}), "Reset",
                            {"type": reset_type}, {"type": reset_type})
    assert call[2:] == ["Reset", {"type": reset_type}] and shown == "Accepted"
    cp1.close()  # the station restarts
    with company.station() as rebooted:
        assert rebooted.boot()["status"] == "Accepted"
        for connector in (0, 1, 2):
            _status(rebooted, connector, "Available")
    booted = company.query(lambda: db.session.scalar(select(Station.last_boot_at).where(
        Station.charge_box_id == "CP1")))
    assert booted is not None and booted >= _last_command(company).issued_at


@pytest.mark.parametrize(("case", "status"), [
    ("tc_017_1 no session, not a fixed cable", "Unlocked"),
    ("tc_017_2 no session, a fixed cable", "NotSupported"),
    ("tc_030 unlock failure", "UnlockFailed"),
])
def test_tc_017_1_tc_017_2_tc_030_unlock_connector(door: Door, company: OcppCompany,
                                                   cp1: StationClient, case: str,
                                                   status: str) -> None:
    call, shown = door.send(cp1, answer({"status": status}), "UnlockConnector",
                            {"connectorId": 1}, {"connector_id": "1"})
    assert call[2:] == ["UnlockConnector", {"connectorId": 1}] and shown == status
    assert _last_command(company).response == {"status": status}


def test_tc_018_1_unlock_connector_with_charging_session(door: Door, company: OcppCompany,
                                                         cp1: StationClient) -> None:
    started = _start(cp1, "VALID")
    _status(cp1, 1, "Charging")
    call, shown = door.send(cp1, answer({"status": "Unlocked"}), "UnlockConnector",
                            {"connectorId": 1}, {"connector_id": "1"})
    assert call[2:] == ["UnlockConnector", {"connectorId": 1}] and shown == "Unlocked"
    _stop(cp1, started["transactionId"], 3000, reason="UnlockCommand")
    _status(cp1, 1, "Finishing")
    assert _session(company, started["transactionId"]).stop_reason == "UnlockCommand"


def test_tc_026_remote_start_charging_session_rejected(door: Door, company: OcppCompany,
                                                       cp1: StationClient) -> None:
    assert _remote_start(door, cp1, status="Rejected") == "Rejected"
    assert _last_command(company).response == {"status": "Rejected"}


def test_tc_028_remote_stop_transaction_rejected(door: Door, company: OcppCompany,
                                                 cp1: StationClient) -> None:
    call, shown = door.send(cp1, answer({"status": "Rejected"}), "RemoteStopTransaction",
                            {"transactionId": 987654}, {"transaction_id": "987654"})
    assert call[2:] == ["RemoteStopTransaction", {"transactionId": 987654}]
    assert shown == "Rejected"


def test_tc_031_unlock_connector_unknown_connector(door: Door, company: OcppCompany,
                                                   cp1: StationClient) -> None:
    call, shown = door.send(cp1, answer({"status": "NotSupported"}), "UnlockConnector",
                            {"connectorId": 3}, {"connector_id": "3"})
    assert call[2:] == ["UnlockConnector", {"connectorId": 3}] and shown == "NotSupported"


def test_tc_061_clear_authorization_data_in_authorization_cache(
    door: Door, company: OcppCompany, cp1: StationClient
) -> None:
    call, shown = door.send(cp1, answer({"status": "Accepted"}), "ClearCache", {}, {})
    assert call[2:] == ["ClearCache", {}] and shown == "Accepted"


TRIGGERED = [
    ("BootNotification", None, {"chargePointVendor": "TestVendor", "chargePointModel": "TM-1"}),
    ("DiagnosticsStatusNotification", None, {"status": "Idle"}),
    ("FirmwareStatusNotification", None, {"status": "Idle"}),
    ("Heartbeat", None, {}),
    ("MeterValues", 1, {"connectorId": 1, "meterValue": [
        {"timestamp": "2026-11-23T08:00:00Z", "sampledValue": [{"value": "1234"}]}]}),
    ("StatusNotification", 1, {"connectorId": 1, "status": "Available",
                               "errorCode": "NoError"}),
]


@pytest.mark.parametrize(("requested", "connector", "message"), TRIGGERED,
                         ids=[case[0] for case in TRIGGERED])
def test_tc_054_trigger_message(door: Door, company: OcppCompany, cp1: StationClient,
                                requested: str, connector: int | None,
                                message: dict[str, Any]) -> None:
    payload = {"requestedMessage": requested}
    if connector is not None:
        payload["connectorId"] = connector
    call, shown = door.send(cp1, answer({"status": "Accepted"}), "TriggerMessage", payload,
                            {"requested_message": requested,
                             "connector_id": "" if connector is None else str(connector)})
    assert call[2:] == ["TriggerMessage", payload] and shown == "Accepted"
    reply = cp1.call(requested, message)  # the station sends what was asked for
    assert reply[0] == 3, reply


def test_tc_055_trigger_message_rejected(door: Door, company: OcppCompany,
                                         cp1: StationClient) -> None:
    call, shown = door.send(cp1, answer({"status": "Rejected"}), "TriggerMessage",
                            {"requestedMessage": "MeterValues", "connectorId": 1},
                            {"requested_message": "MeterValues", "connector_id": "1"})
    assert call[2:] == ["TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1}]
    assert shown == "Rejected"
