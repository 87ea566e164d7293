"""Stations' OCPP configuration: real server, real station sockets, the browser's pages.

This module runs its own server, which fetches a station's configuration after its first
boot (the shared one does not) and waits COMMAND_TIMEOUT seconds for answers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
import requests
from flask import Flask
from ocpp.v16.enums import RegistrationStatus
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Alarm,
    AlarmKind,
    Command,
    CommandOutcome,
    OcppMessage,
    StationConfigurationKey,
)
from portal.services import stations, topology
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
from tests.ocpp.conftest import KEY, OcppCompany
from tests.ocpp.remote import Answering, LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station as StationClient
from tests.ocpp.station_client import basic_auth, open_socket

COMMAND_TIMEOUT = 5
CONFIGURATION = {
    "configurationKey": [
        {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
        {"key": "MeterValueSampleInterval", "readonly": False, "value": "0"},
        {"key": "NumberOfConnectors", "readonly": True, "value": "2"},
        {"key": "VendorMode", "readonly": False, "value": "eco"},
    ],
}
T = TypeVar("T")


@pytest.fixture(scope="module")
def live_server(database_url: str, app: Flask) -> Iterator[int]:
    port = free_port()
    with running_server(database_url, port, OCPP_GET_CONFIGURATION_AT_FIRST_BOOT="true",
                        OCPP_COMMAND_TIMEOUT=str(COMMAND_TIMEOUT)):
        yield port


def answer_call(station: StationClient, answer: Callable[[str], Any] | None) -> list[Any]:
    """Take the next CALL the station gets and answer it (None: leave it unanswered)."""
    call = json.loads(station.ws.recv(timeout=10))
    if answer is not None:
        station.ws.send(json.dumps(answer(call[1])))
    return call


def boot_first_time(station: StationClient,
                    configuration: dict[str, Any] = CONFIGURATION) -> list[Any]:
    """Boot, then answer the GetConfiguration that follows the first boot."""
    assert station.boot()["status"] == "Accepted"
    return answer_call(station, lambda unique_id: [3, unique_id, configuration])


@pytest.fixture
def cp1(company: OcppCompany) -> Iterator[StationClient]:
    """CP1 connected, booted, its configuration fetched."""
    with company.station() as station:
        boot_first_time(station)
        wait_for(company, lambda: _stored(company)["HeartbeatInterval"])
        yield station


@pytest.fixture
def browser(company: OcppCompany) -> LivePortal:
    return LivePortal(company).login(admin_email(company))


def wait_for(company: OcppCompany, read: Callable[[], T], seconds: float = 10) -> T:
    """What `read` returns once it is truthy (the hooks run as answers arrive)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = read()
        except KeyError:
            found = None
        if found or time.monotonic() > deadline:
            assert found, "not stored in time"
            return found
        time.sleep(0.05)


def _stored(company: OcppCompany, charge_box_id: str = "CP1") -> dict[str, StationConfigurationKey]:
    def read() -> dict[str, StationConfigurationKey]:
        station = stations.find(charge_box_id)
        found = db.session.scalars(select(StationConfigurationKey).where(
            StationConfigurationKey.station_id == station.id)).all()
        db.session.expunge_all()
        return {row.key: row for row in found}
    return company.query(read)


def _commands(company: OcppCompany, action: str | None = None) -> list[Command]:
    def read() -> list[Command]:
        query = select(Command).order_by(Command.id)
        if action:
            query = query.where(Command.action == action)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(found)
    return company.query(read)


def _change(browser: LivePortal, key: str, value: str, charge_box_id: str = "CP1"
            ) -> requests.Response:
    page = f"/stations/{charge_box_id}/configuration"
    return browser.post(page, {"key": key, "value": value}, csrf_from=page)


def _flash_after(browser: LivePortal, response: requests.Response) -> str:
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith("/stations/CP1/configuration")
    return browser.get("/stations/CP1/configuration").text


# --- Fetching the configuration --------------------------------------------------------

def test_configuration_is_fetched_after_the_first_boot_only(company: OcppCompany) -> None:
    with company.station() as station:
        call = boot_first_time(station)
        assert call[0] == 2 and call[2:] == ["GetConfiguration", {}]
        stored = wait_for(company, lambda: _stored(company))
        assert {key: (row.value, row.readonly) for key, row in stored.items()} == {
            "HeartbeatInterval": ("300", False), "MeterValueSampleInterval": ("0", False),
            "NumberOfConnectors": ("2", True), "VendorMode": ("eco", False)}
        assert station.boot()["status"] == "Accepted"
        with pytest.raises(TimeoutError):  # the second boot is answered, nothing follows
            station.ws.recv(timeout=1.5)
    assert len(_commands(company, "GetConfiguration")) == 1


def test_a_pending_station_is_not_asked_for_its_configuration(company: OcppCompany) -> None:
    company.change(lambda tenant: stations.set_registration(
        stations.find("CP1"), RegistrationStatus.pending))
    with company.station() as station:
        assert station.boot()["status"] == "Pending"
        with pytest.raises(TimeoutError):
            station.ws.recv(timeout=1.5)
    assert _commands(company) == []


def test_tc_019_1_retrieve_all_configuration_keys(company: OcppCompany, cp1: StationClient,
                                                  browser: LivePortal) -> None:
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"configurationKey": [
        {"key": "HeartbeatInterval", "readonly": False, "value": "120"},
        {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,Reservation"},
    ]}])
    page = "/stations/CP1/configuration"
    response = browser.post(page + "/upload", csrf_from=page)
    call = answering.join()
    assert call[2:] == ["GetConfiguration", {}]
    text = _flash_after(browser, response)
    assert "GetConfiguration to CP1 (the table shows what it sent): Answered." in text
    # The whole table is replaced: keys the station no longer reports are gone.
    stored = _stored(company)
    assert {key: (row.value, row.readonly) for key, row in stored.items()} == {
        "HeartbeatInterval": ("120", False),
        "SupportedFeatureProfiles": ("Core,Reservation", True)}
    assert "integer (seconds): interval between Heartbeats" in text
    assert "Core,Reservation" in text and "read-only" in text


def test_tc_019_2_retrieve_specific_configuration_key(company: OcppCompany,
                                                      cp1: StationClient) -> None:
    # Through the JSON API: the table follows the answer whoever sent the command.
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {
        "configurationKey": [{"key": "MeterValueSampleInterval", "readonly": False,
                              "value": "30"}],
        "unknownKey": ["NoSuchKey"]}])
    response = post_command(company, new_token(company), {
        "action": "GetConfiguration",
        "payload": {"key": ["MeterValueSampleInterval", "NoSuchKey"]}})
    assert answering.join()[2:] == ["GetConfiguration",
                                    {"key": ["MeterValueSampleInterval", "NoSuchKey"]}]
    assert response.status_code == 200, response.text
    stored = _stored(company)
    assert stored["MeterValueSampleInterval"].value == "30"
    assert stored["NoSuchKey"].unknown and stored["NoSuchKey"].value is None
    assert stored["HeartbeatInterval"].value == "300"  # the other keys stay as they were
    text = LivePortal(company).login(admin_email(company)).get(
        "/stations/CP1/configuration").text
    assert "unknown to the station" in text


def test_upload_of_an_offline_station_says_so(company: OcppCompany,
                                              browser: LivePortal) -> None:
    page = "/stations/CP1/configuration"
    text = _flash_after(browser, browser.post(page + "/upload", csrf_from=page))
    assert "GetConfiguration to CP1 (the table shows what it sent): Station offline." in text
    assert "Nothing reported yet." in text


# --- Changing a value ------------------------------------------------------------------

def test_tc_021_change_set_configuration(company: OcppCompany, cp1: StationClient,
                                         browser: LivePortal) -> None:
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    response = _change(browser, "MeterValueSampleInterval", "60")
    assert answering.join()[2:] == ["ChangeConfiguration",
                                    {"key": "MeterValueSampleInterval", "value": "60"}]
    assert "MeterValueSampleInterval = 60 on CP1: Accepted." in _flash_after(browser, response)
    assert _stored(company)["MeterValueSampleInterval"].value == "60"


def test_tc_040_1_configuration_keys_not_supported(company: OcppCompany, cp1: StationClient,
                                                   browser: LivePortal) -> None:
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "NotSupported"}])
    response = _change(browser, "NotARealSetting", "1")
    assert answering.join()[2:] == ["ChangeConfiguration", {"key": "NotARealSetting", "value": "1"}]
    assert "NotARealSetting = 1 on CP1: NotSupported." in _flash_after(browser, response)
    assert "NotARealSetting" not in _stored(company)


def test_tc_040_2_configuration_keys_invalid_value(company: OcppCompany, cp1: StationClient,
                                                   browser: LivePortal) -> None:
    # A value OCPP already rules out never leaves the browser...
    response = _change(browser, "MeterValueSampleInterval", "-1")
    assert response.status_code == 400
    assert "MeterValueSampleInterval takes a whole number of 0 or more seconds." in response.text
    # ...one only the station knows is wrong is sent, and its Rejected changes nothing.
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Rejected"}])
    response = _change(browser, "VendorMode", "turbo")
    assert answering.join()[2:] == ["ChangeConfiguration", {"key": "VendorMode",
                                                            "value": "turbo"}]
    assert "VendorMode = turbo on CP1: Rejected." in _flash_after(browser, response)
    assert _stored(company)["VendorMode"].value == "eco"
    assert [c.payload["value"] for c in _commands(company, "ChangeConfiguration")] == ["turbo"]


@pytest.mark.parametrize(("answer", "flash", "stored"), [
    ({"status": "Accepted"}, "HeartbeatInterval = 60 on CP1: Accepted.", ("60", False)),
    ({"status": "RebootRequired"},
     "HeartbeatInterval = 60 on CP1: RebootRequired. It applies when the station reboots.",
     ("60", True)),
    ({"status": "Rejected"}, "HeartbeatInterval = 60 on CP1: Rejected.", ("300", False)),
    ({"status": "NotSupported"}, "HeartbeatInterval = 60 on CP1: NotSupported.", ("300", False)),
    ("call error", "HeartbeatInterval = 60 on CP1: CALLERROR InternalError. out of memory",
     ("300", False)),
    (None, "HeartbeatInterval = 60 on CP1: No answer in time.", ("300", False)),
], ids=["Accepted", "RebootRequired", "Rejected", "NotSupported", "call error", "time-out"])
def test_each_outcome_of_an_edit_is_shown_and_the_stored_value_follows_the_station(
    company: OcppCompany, cp1: StationClient, browser: LivePortal, answer: Any, flash: str,
    stored: tuple[str, bool],
) -> None:
    def reply(unique_id: str) -> list[Any]:
        if answer == "call error":
            return [4, unique_id, "InternalError", "out of memory", {}]
        return [3, unique_id, answer]

    answering = Answering(cp1, None if answer is None else reply)
    response = _change(browser, "HeartbeatInterval", "60")
    assert answering.join()[2:] == ["ChangeConfiguration",
                                    {"key": "HeartbeatInterval", "value": "60"}]
    text = _flash_after(browser, response)
    assert flash in text
    row = _stored(company)["HeartbeatInterval"]
    assert (row.value, row.reboot_required) == stored
    if stored[1]:
        assert "applies when the station reboots" in text
        assert cp1.boot()["status"] == "Accepted"  # the reboot applies it
        assert not _stored(company)["HeartbeatInterval"].reboot_required


def test_an_edit_of_an_offline_station_says_offline(company: OcppCompany,
                                                   browser: LivePortal) -> None:
    text = _flash_after(browser, _change(browser, "HeartbeatInterval", "60"))
    assert "on CP1: Station offline." in text
    assert _commands(company)[0].outcome is CommandOutcome.OFFLINE


@pytest.mark.parametrize(("key", "value", "error"), [
    ("HeartbeatInterval", "1.5", "HeartbeatInterval takes a whole number of 0 or more seconds."),
    ("ConnectionTimeOut", "-30", "ConnectionTimeOut takes a whole number of 0 or more seconds."),
    ("LocalAuthorizeOffline", "yes", "LocalAuthorizeOffline takes true or false."),
    ("MeterValuesSampledData", "Energy.Active.Import.Register,Watts",
     "Not OCPP measurands: Watts."),
    ("NumberOfConnectors", "4", "NumberOfConnectors is read-only"),
    ("VendorMode", "x" * 501, "Field cannot be longer than 500 characters."),
    ("K" * 51, "1", "Field cannot be longer than 50 characters."),
    ("AuthorizationKey", "00", "Rotate the authorization key on the station"),
    ("authorizationkey", "00", "Rotate the authorization key on the station"),
])
def test_a_value_ocpp_rules_out_gets_a_form_error_and_nothing_is_sent(
    company: OcppCompany, cp1: StationClient, browser: LivePortal, key: str, value: str,
    error: str,
) -> None:
    response = _change(browser, key, value)
    assert response.status_code == 400
    assert error in response.text
    assert _commands(company, "ChangeConfiguration") == []
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.5)


# --- One key for many stations ---------------------------------------------------------

@pytest.mark.parametrize(("key", "value"), [
    ("MeterValuesSampledData", "Energy.Active.Import.Register,Power.Active.Import"),
    ("MeterValueSampleInterval", "60"),
])
def test_a_key_applied_to_many_stations_sends_each_the_exact_payload(
    company: OcppCompany, cp1: StationClient, browser: LivePortal, key: str, value: str,
) -> None:
    company.change(lambda tenant: stations.add(tenant, "CP2", auth_key=KEY, connectors=1))
    company.change(lambda tenant: stations.add(tenant, "CP3-OFF", auth_key=KEY))
    with company.station("CP2") as cp2:
        boot_first_time(cp2)
        wait_for(company, lambda: _stored(company, "CP2"))
        answering = [Answering(station, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
                     for station in (cp1, cp2)]
        response = browser.post("/configuration/apply", [
            ("key", key), ("value", value), ("stations", "CP1"), ("stations", "CP2"),
            ("stations", "CP3-OFF")], csrf_from="/configuration/apply")
        calls = [station.join() for station in answering]
    assert response.status_code == 302, response.text
    operation_id = response.headers["Location"].rsplit("/operations/", 1)[1]
    assert [call[2:] for call in calls] == [["ChangeConfiguration",
                                             {"key": key, "value": value}]] * 2
    sent = wait_for(company, lambda: _settled(company))
    assert {(c.charge_box_id, c.operation_id, c.outcome) for c in sent} == {
        ("CP1", operation_id, CommandOutcome.ANSWERED),
        ("CP2", operation_id, CommandOutcome.ANSWERED),
        ("CP3-OFF", operation_id, CommandOutcome.OFFLINE)}
    assert all(c.payload == {"key": key, "value": value} for c in sent)
    assert _stored(company, "CP1")[key].value == value
    assert _stored(company, "CP2")[key].value == value


def _settled(company: OcppCompany) -> list[Command] | None:
    found = _commands(company, "ChangeConfiguration")
    done = [c for c in found if c.outcome is not CommandOutcome.PENDING]
    return done if len(found) == 3 and len(done) == 3 else None


@pytest.mark.parametrize(("fields", "error"), [
    ([("key", "MeterValueSampleInterval"), ("value", "soon"), ("stations", "CP1")],
     "MeterValueSampleInterval takes a whole number of 0 or more seconds."),
    ([("key", "MeterValueSampleInterval"), ("value", "60")], "Choose at least one station."),
    ([("key", "MeterValueSampleInterval"), ("value", "60"), ("stations", "CP-FOREIGN")],
     "is not a valid choice"),
])
def test_apply_refuses_bad_input_and_sends_nothing(company: OcppCompany, browser: LivePortal,
                                                   fields: list[tuple[str, str]],
                                                   error: str) -> None:
    # CP-FOREIGN is another company's station: forging its id reaches nothing.
    foreign = make_tenant(company.app)
    OcppCompany(foreign.slug, foreign.tenant_id, company.app, company.port).change(
        lambda tenant: stations.add(tenant, "CP-FOREIGN", auth_key=KEY))
    response = browser.post("/configuration/apply", fields, csrf_from="/configuration/apply")
    assert response.status_code == 400
    assert error in response.text
    assert _commands(company) == []


# --- TC_073: a new authorization key ---------------------------------------------------

def _connect(company: OcppCompany, key: str) -> int:
    """The handshake's HTTP status for CP1 presenting `key` (101: let in)."""
    try:
        with open_socket(company.port, f"{company.slug}.localhost", "/ocpp/CP1",
                         authorization=basic_auth("CP1", key)):
            return 101
    except Exception as error:  # websockets' InvalidStatus carries the refusal
        return error.response.status_code  # type: ignore[attr-defined]


def test_tc_073_update_charge_point_password(company: OcppCompany, cp1: StationClient,
                                             browser: LivePortal) -> None:
    new_key = "fresh-key-0123456789-abc"
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    page = "/stations/CP1/configuration"
    response = browser.post("/stations/CP1/authorization-key", {"auth_key": new_key},
                           csrf_from=page)
    call = answering.join()
    # The whitepaper's AuthorizationKey is the key in hexadecimal.
    assert call[2:] == ["ChangeConfiguration", {"key": "AuthorizationKey",
                                                "value": new_key.encode().hex()}]
    assert response.status_code == 200
    assert "accepted its new authorization key" in response.text and new_key in response.text
    assert cp1.result("Heartbeat")  # the current connection stays
    assert _connect(company, KEY) == 401  # the old key is refused from the next connection
    with company.station(key=new_key) as again:
        assert again.boot()["status"] == "Accepted"
    [command] = _commands(company, "ChangeConfiguration")
    assert command.payload == {"key": "AuthorizationKey", "value": "********"}
    assert new_key not in browser.get(page).text  # shown once
    logged = company.query(lambda: db.session.scalar(
        select(OcppMessage.frame).where(OcppMessage.unique_id == call[1],
                                        OcppMessage.message_type == 2)))
    assert new_key.encode().hex() not in logged and '"value":"********"' in logged


def test_a_key_rotated_through_the_api_is_required_too(company: OcppCompany,
                                                      cp1: StationClient) -> None:
    new_key = "api-rotated-key-0123456789"
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    response = post_command(company, new_token(company), {
        "action": "ChangeConfiguration",
        "payload": {"key": "AuthorizationKey", "value": new_key.encode().hex()}})
    answering.join()
    assert response.status_code == 200, response.text
    assert _connect(company, KEY) == 401
    assert _connect(company, new_key) == 101


def test_a_standard_key_typed_in_any_case_is_stored_under_its_own_name(
    company: OcppCompany, cp1: StationClient, browser: LivePortal,
) -> None:
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    _change(browser, "heartbeatinterval", "90")
    assert answering.join()[3] == {"key": "HeartbeatInterval", "value": "90"}
    assert _stored(company)["HeartbeatInterval"].value == "90"


@pytest.mark.parametrize("answer", ["Rejected", None], ids=["rejected", "offline"])
def test_a_key_the_station_does_not_take_leaves_the_old_one(
    company: OcppCompany, browser: LivePortal, answer: str | None,
) -> None:
    page = "/stations/CP1/configuration"
    if answer is None:
        response = browser.post("/stations/CP1/authorization-key", {}, csrf_from=page)
        expected = "New authorization key for CP1 (the old key stays): Station offline."
    else:
        with company.station() as station:
            boot_first_time(station)
            answering = Answering(station, lambda unique_id: [3, unique_id, {"status": answer}])
            response = browser.post("/stations/CP1/authorization-key", {}, csrf_from=page)
            generated = bytes.fromhex(answering.join()[3]["value"]).decode()
            assert 16 <= len(generated) <= 40
        expected = "New authorization key for CP1 (the old key stays): Rejected."
    assert expected in _flash_after(browser, response)
    assert _connect(company, KEY) == 101


def test_a_typed_key_that_is_too_short_is_refused(company: OcppCompany, cp1: StationClient,
                                                  browser: LivePortal) -> None:
    response = browser.post("/stations/CP1/authorization-key", {"auth_key": "short"},
                           csrf_from="/stations/CP1/configuration")
    assert response.status_code == 400
    assert "The authorization key must be 16 to 40 printable characters" in response.text
    assert _commands(company, "ChangeConfiguration") == []


# --- What the configuration tells the alarms ---------------------------------------

def test_number_of_connectors_from_the_first_boots_configuration_is_checked(
        company: OcppCompany) -> None:
    reported = {"configurationKey": [
        {"key": "NumberOfConnectors", "readonly": True, "value": "3"}]}
    with company.station() as cp1:  # CP1 has 2 outlets configured
        boot_first_time(cp1, reported)
        wait_for(company, lambda: _open_alarms(company))
    [(kind, text)] = _open_alarms(company)
    assert kind is AlarmKind.HARDWARE_CONFIGURATION_MISMATCH
    assert "NumberOfConnectors = 3; 2 outlets are configured" in text
    company.change(lambda tenant: topology.add_outlet(stations.find("CP1")))  # now 3
    assert _open_alarms(company) == []


def _open_alarms(company: OcppCompany) -> list[tuple[AlarmKind, str]]:
    return company.query(lambda: [(alarm.kind, alarm.description) for alarm in db.session.scalars(
        select(Alarm).where(Alarm.cleared_at.is_(None)))])
