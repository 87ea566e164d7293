"""Remote operations from the browser: the station control panel and the operations page
(many stations, results filling in), on the live server with real station sockets."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pytest
from ocpp.v16.enums import ChargingProfilePurposeType, RegistrationStatus
from sqlalchemy import select

from portal.extensions import db
from portal.models import Command, CommandOutcome, Station
from portal.services import stations
from tests.factories import make_charging_profile
from tests.ocpp.conftest import KEY, OcppCompany
from tests.ocpp.remote import Answering, LivePortal, admin_email
from tests.ocpp.station_client import Station as StationSocket

ACCEPTED = lambda unique_id: [3, unique_id, {"status": "Accepted"}]  # noqa: E731


def _commands(company: OcppCompany) -> list[Command]:
    def read() -> list[Command]:
        found = list(db.session.scalars(select(Command).order_by(Command.id)))
        db.session.expunge_all()
        return found
    return company.query(read)


def _panel(company: OcppCompany) -> LivePortal:
    return LivePortal(company).login(admin_email(company))


def _perform(browser: LivePortal, action: str, fields: dict[str, Any],
             charge_box_id: str = "CP1") -> Any:
    return browser.post(f"/stations/{charge_box_id}/control/{action}",
                        {f"{action}-{name}": value for name, value in fields.items()},
                        csrf_from=f"/stations/{charge_box_id}/control", prefix=action)


def _flash(browser: LivePortal, charge_box_id: str = "CP1") -> str:
    page = browser.get(f"/stations/{charge_box_id}/control").text
    return " ".join(re.findall(r'role="alert">([^<]*)<', page))


@pytest.fixture
def cp2(company: OcppCompany) -> None:
    company.change(lambda tenant: stations.add(tenant, "CP2", auth_key=KEY, connectors=1))


PANEL_CASES = [
    ("Reset", {"type": "Hard"}, {"type": "Hard"}),
    ("ChangeAvailability", {"connector_id": "2", "type": "Inoperative"},
     {"connectorId": 2, "type": "Inoperative"}),
    ("ChangeAvailability", {"connector_id": "0", "type": "Operative"},
     {"connectorId": 0, "type": "Operative"}),
    ("UnlockConnector", {"connector_id": "1"}, {"connectorId": 1}),
    ("RemoteStartTransaction", {"connector_id": "1", "id_tag": "VALID"},
     {"connectorId": 1, "idTag": "VALID"}),
    ("RemoteStartTransaction", {"connector_id": "", "id_tag": "VALID"}, {"idTag": "VALID"}),
    ("TriggerMessage", {"requested_message": "MeterValues", "connector_id": "2"},
     {"requestedMessage": "MeterValues", "connectorId": 2}),
    ("TriggerMessage", {"requested_message": "Heartbeat", "connector_id": ""},
     {"requestedMessage": "Heartbeat"}),
    ("ClearCache", {}, {}),
    ("GetLocalListVersion", {}, {}),
]


@pytest.mark.parametrize(("action", "fields", "payload"), PANEL_CASES,
                         ids=[f"{case[0]}-{n}" for n, case in enumerate(PANEL_CASES)])
def test_the_control_panel_sends_the_exact_payload_and_shows_the_answer(
    company: OcppCompany, cp1: StationSocket, action: str, fields: dict[str, Any],
    payload: dict[str, Any]
) -> None:
    browser = _panel(company)
    answering = Answering(cp1, ACCEPTED if action != "GetLocalListVersion"
                          else lambda unique_id: [3, unique_id, {"listVersion": 4}])
    response = _perform(browser, action, fields)
    call = answering.join()
    assert response.status_code == 302, response.text
    assert call[2:] == [action, payload]
    shown = _flash(browser)
    assert ("Accepted" if action != "GetLocalListVersion" else "version 4") in shown
    [command] = _commands(company)
    assert command.outcome is CommandOutcome.ANSWERED and command.payload == payload
    assert command.user_id is not None and command.unique_id == call[1]


def test_the_panel_lists_the_sessions_a_remote_stop_can_name(company: OcppCompany,
                                                            cp1: StationSocket) -> None:
    started = cp1.result("StartTransaction", {"connectorId": 2, "idTag": "VALID",
                                              "meterStart": 0,
                                              "timestamp": "2026-11-23T08:00:00Z"})
    transaction_id = started["transactionId"]
    browser = _panel(company)
    page = browser.get("/stations/CP1/control").text
    assert f'<option value="{transaction_id}">#{transaction_id} · connector 2 · VALID' in page
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Rejected"}])
    _perform(browser, "RemoteStopTransaction", {"transaction_id": str(transaction_id)})
    assert answering.join()[2:] == ["RemoteStopTransaction", {"transactionId": transaction_id}]
    assert "Remote stop: Rejected." in _flash(browser)


@pytest.mark.usefixtures("cp2")
def test_a_callerror_a_time_out_and_an_offline_station_each_say_so(
    company: OcppCompany, cp1: StationSocket
) -> None:
    browser = _panel(company)
    answering = Answering(cp1, lambda unique_id: [4, unique_id, "NotSupported", "no", {}])
    _perform(browser, "ClearCache", {})
    answering.join()
    assert "Clear the authorization cache: CALLERROR NotSupported." in _flash(browser)

    silent = Answering(cp1, None)  # takes the call, never answers
    _perform(browser, "Reset", {"type": "Soft"})
    silent.join()
    assert "Reset: No answer in time." in _flash(browser)

    _perform(browser, "Reset", {"type": "Soft"}, charge_box_id="CP2")
    assert "Reset: Station offline." in _flash(browser, "CP2")
    outcomes = [command.outcome for command in _commands(company)]
    assert outcomes == [CommandOutcome.CALL_ERROR, CommandOutcome.TIMED_OUT,
                        CommandOutcome.OFFLINE]


@pytest.mark.parametrize(("action", "fields", "error"), [
    ("UnlockConnector", {"connector_id": ""}, "This field is required."),
    ("UnlockConnector", {"connector_id": "0"}, "Number must be between 1 and 999."),
    ("UpdateFirmware", {"location": "http://files.example/fw.bin",
                        "retrieve_date": "yesterday"}, "Not a valid datetime value."),
    ("UpdateFirmware", {"location": "http://files.example/fw.bin", "retry_interval": "-5"},
     "Number must be at least 0."),
    ("GetDiagnostics", {"location": "not a url"}, "Invalid URL."),
    ("GetDiagnostics", {"location": "http://logs.example/", "start_time": "2026-11-02T00:00",
                        "stop_time": "2026-11-01T00:00"}, "must come after the oldest"),
    ("RemoteStartTransaction", {"id_tag": "T" * 21}, "Field cannot be longer than 20"),
])
def test_bad_parameters_are_shown_and_nothing_is_sent(
    company: OcppCompany, cp1: StationSocket, action: str, fields: dict[str, str], error: str
) -> None:
    """On the operations page; the control panel shares its forms (below)."""
    [cp1_id] = _station_ids(company, "CP1")
    response = _panel(company).post(f"/operations/send/{action}", [
        ("station", cp1_id), *((f"{action}-{name}", value) for name, value in fields.items())],
        csrf_from=f"/operations/send/{action}", prefix=action)
    assert response.status_code == 400
    assert error in response.text
    assert _commands(company) == []
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.3)


def test_the_control_panel_shows_a_bad_parameter_and_sends_nothing(
    company: OcppCompany, cp1: StationSocket
) -> None:
    response = _perform(_panel(company), "UnlockConnector", {"connector_id": "0"})
    assert response.status_code == 400
    assert "Number must be between 1 and 999." in response.text
    assert _commands(company) == []
    assert _panel(company).post("/stations/CP1/control/UpdateFirmware", {},
                                csrf_from="/stations/CP1/control").status_code == 404


def test_remote_start_and_stop_are_refused_while_the_station_is_pending(
    company: OcppCompany, cp1: StationSocket
) -> None:
    def make_pending(tenant: Any) -> None:
        station = db.session.scalar(select(Station).where(Station.charge_box_id == "CP1"))
        stations.set_registration(station, RegistrationStatus.pending)
    company.change(make_pending)
    browser = _panel(company)
    _perform(browser, "RemoteStartTransaction", {"connector_id": "1", "id_tag": "VALID"})
    assert "forbids RemoteStartTransaction until a station is Accepted" in _flash(browser)
    assert _commands(company) == []
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.3)


# --- The operations page: many stations at once ------------------------------------------

def _connect(company: OcppCompany, count: int, prefix: str = "OP") -> list[StationSocket]:
    def add(tenant: Any) -> None:
        for n in range(count):
            stations.add(tenant, f"{prefix}{n:03d}", auth_key=KEY, connectors=1)
    company.change(add)
    sockets = [company.station(f"{prefix}{n:03d}") for n in range(count)]
    for socket in sockets:
        assert socket.boot()["status"] == "Accepted"
    return sockets


def _station_ids(company: OcppCompany, prefix: str) -> list[int]:
    return company.query(lambda: list(db.session.scalars(
        select(Station.id).where(Station.charge_box_id.startswith(prefix)))))


def _results(browser: LivePortal, location: str, waiting_for: int = 0) -> dict[str, str]:
    """The result table as the page's script sees it: station -> result, once no more than
    `waiting_for` stations are still pending."""
    deadline = time.monotonic() + 30
    while True:
        rows = browser.get(location + "/rows").text
        results = dict(re.findall(r'<tr data-station="([^"]+)">.*?<td class="result">([^<]*)',
                                  rows, re.S))
        waiting = int(re.search(r'data-waiting="(\d+)"', rows).group(1))
        if waiting <= waiting_for or time.monotonic() > deadline:
            return results
        time.sleep(0.2)


def test_an_operation_on_several_stations_fills_in_per_station(company: OcppCompany) -> None:
    online = _connect(company, 2)
    company.change(lambda tenant: stations.add(tenant, "OP-OFF", auth_key=KEY))
    browser = _panel(company)
    page = browser.get("/operations/send/ChangeAvailability")
    assert page.status_code == 200 and "OP-OFF" in page.text and "Select all online" in page.text
    answers = [Answering(online[0], ACCEPTED),
               Answering(online[1], lambda unique_id: [3, unique_id, {"status": "Scheduled"}])]
    chosen = [("station", station_id) for station_id in _station_ids(company, "OP")]
    response = browser.post("/operations/send/ChangeAvailability", [
        *chosen, ("ChangeAvailability-connector_id", "0"),
        ("ChangeAvailability-type", "Inoperative")],
        csrf_from="/operations/send/ChangeAvailability", prefix="ChangeAvailability")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert [answer.join()[2:] for answer in answers] == [
        ["ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}]] * 2
    assert _results(browser, location) == {"OP000": "Accepted", "OP001": "Scheduled",
                                           "OP-OFF": "Station offline"}
    page = browser.get(location).text
    assert 'data-waiting="0"' in page and "on 3 stations" in page
    for socket in online:
        socket.close()


def test_an_operation_needs_a_station_and_valid_parameters(company: OcppCompany) -> None:
    browser = _panel(company)
    response = browser.post("/operations/send/Reset", {"Reset-type": "Soft"},
                            csrf_from="/operations/send/Reset", prefix="Reset")
    assert response.status_code == 400 and "Choose at least one station." in response.text
    [cp1_id] = _station_ids(company, "CP1")
    response = browser.post("/operations/send/Reset", [("station", cp1_id),
                                                        ("Reset-type", "Warm")],
                            csrf_from="/operations/send/Reset", prefix="Reset")
    assert response.status_code == 400 and "Not a valid choice." in response.text
    assert browser.get("/operations/send/NoSuchThing").status_code == 404
    assert _commands(company) == []


def test_another_companys_station_ids_are_ignored(company: OcppCompany,
                                                  other_company: OcppCompany) -> None:
    [foreign_id] = _station_ids(other_company, "CP1")
    browser = _panel(company)
    response = browser.post("/operations/send/ClearCache", [("station", foreign_id)],
                            csrf_from="/operations/send/ClearCache", prefix="ClearCache")
    assert response.status_code == 400 and "Choose at least one station." in response.text
    assert _commands(other_company) == [] and _commands(company) == []


def test_200_stations_answer_within_one_time_out(company: OcppCompany) -> None:
    """Each station takes a second to answer and the time-out is 5 s: one call after another
    would leave most of them timed out."""
    sockets = _connect(company, 200, prefix="MANY")

    def answer_slowly(socket: StationSocket) -> None:
        call = json.loads(socket.ws.recv(timeout=30))
        time.sleep(1)
        socket.ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))

    threads = [threading.Thread(target=answer_slowly, args=(socket,)) for socket in sockets]
    for thread in threads:
        thread.start()
    browser = _panel(company)
    chosen = [("station", station_id) for station_id in _station_ids(company, "MANY")]
    response = browser.post("/operations/send/ClearCache", chosen,
                            csrf_from="/operations/send/ClearCache", prefix="ClearCache")
    assert response.status_code == 302
    results = _results(browser, response.headers["Location"])
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 200
    assert set(results.values()) == {"Accepted"}
    for socket in sockets:
        socket.close()


PAGE_CASES = [
    ("DataTransfer", {"vendor_id": "com.example", "message_id": "Hello", "data": "x=1"},
     {"vendorId": "com.example", "messageId": "Hello", "data": "x=1"}),
    ("GetConfiguration", {"keys": "HeartbeatInterval, MeterValueSampleInterval"},
     {"key": ["HeartbeatInterval", "MeterValueSampleInterval"]}),
    ("GetConfiguration", {"keys": ""}, {}),
    ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"},
     {"key": "HeartbeatInterval", "value": "120"}),
    ("CancelReservation", {"reservation_id": "17"}, {"reservationId": 17}),
    ("ClearChargingProfile", {"profile_id": "", "connector_id": "1",
                              "purpose": "TxDefaultProfile", "stack_level": "2"},
     {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 2}),
    ("ClearChargingProfile", {"profile_id": "9"}, {"id": 9}),
    ("GetCompositeSchedule", {"connector_id": "0", "duration": "3600", "rate_unit": "W"},
     {"connectorId": 0, "duration": 3600, "chargingRateUnit": "W"}),
    ("Reset", {"type": "Soft"}, {"type": "Soft"}),
    ("RemoteStopTransaction", {"transaction_id": "5"}, {"transactionId": 5}),
    ("UpdateFirmware", {"location": "http://files.example/fw.bin",
                        "retrieve_date": "2030-01-02T03:04", "retries": "3",
                        "retry_interval": "60"},
     {"location": "http://files.example/fw.bin", "retrieveDate": "2030-01-02T03:04:00.000Z",
      "retries": 3, "retryInterval": 60}),
    ("GetDiagnostics", {"location": "https://user:pw@logs.example/in/", "retries": "2",
                        "retry_interval": "30", "start_time": "2026-11-01T00:00",
                        "stop_time": "2026-11-02T00:00"},
     {"location": "https://user:pw@logs.example/in/", "retries": 2, "retryInterval": 30,
      "startTime": "2026-11-01T00:00:00.000Z", "stopTime": "2026-11-02T00:00:00.000Z"}),
    ("GetDiagnostics", {"location": "ftp://logs.example/in/"},
     {"location": "ftp://logs.example/in/"}),
]


@pytest.mark.parametrize(("action", "fields", "payload"), PAGE_CASES,
                         ids=[f"{case[0]}-{n}" for n, case in enumerate(PAGE_CASES)])
def test_the_operations_page_sends_the_exact_payload(
    company: OcppCompany, cp1: StationSocket, action: str, fields: dict[str, str],
    payload: dict[str, Any]
) -> None:
    browser = _panel(company)
    answering = Answering(cp1, ACCEPTED)
    [cp1_id] = _station_ids(company, "CP1")
    response = browser.post(f"/operations/send/{action}", [
        ("station", cp1_id), *((f"{action}-{name}", value) for name, value in fields.items())],
        csrf_from=f"/operations/send/{action}", prefix=action)
    assert response.status_code == 302, response.text
    assert answering.join()[2:] == [action, payload]
    assert _results(browser, response.headers["Location"]) == {"CP1": "Accepted"}


def test_an_operation_naming_one_stations_session_takes_one_station(
    company: OcppCompany
) -> None:
    for socket in _connect(company, 2, prefix="ONE"):
        socket.close()
    browser = _panel(company)
    chosen = [("station", station_id) for station_id in _station_ids(company, "ONE")]
    response = browser.post("/operations/send/RemoteStopTransaction", [
        *chosen, ("RemoteStopTransaction-transaction_id", "5")],
        csrf_from="/operations/send/RemoteStopTransaction", prefix="RemoteStopTransaction")
    assert response.status_code == 400 and "choose only one" in response.text
    assert _commands(company) == []


def test_a_remote_start_can_carry_a_tx_profile(company: OcppCompany, cp1: StationSocket) -> None:
    company.change(lambda tenant: make_charging_profile(
        tenant, 7, purpose=ChargingProfilePurposeType.tx_profile, periods=((0, "10", 1),)))
    browser = _panel(company)
    assert '<option value="7">7</option>' in browser.get("/stations/CP1/control").text
    answering = Answering(cp1, ACCEPTED)
    _perform(browser, "RemoteStartTransaction",
             {"connector_id": "1", "id_tag": "VALID", "charging_profile": "7"})
    payload = answering.join()[3]
    assert payload["idTag"] == "VALID" and payload["connectorId"] == 1
    assert payload["chargingProfile"]["chargingProfileId"] == 7
    assert payload["chargingProfile"]["chargingProfilePurpose"] == "TxProfile"
    assert "transactionId" not in payload["chargingProfile"]
    response = _perform(browser, "RemoteStartTransaction",
                        {"id_tag": "VALID", "charging_profile": "999"})  # none such
    assert response.status_code == 400 and "Not a valid choice." in response.text
