"""Values a frame may spell but the database cannot hold (NUL characters, lone surrogates,
integers past 32 bits, times out of the calendar, NaN, nesting past Python's parser) get a
validation CALLERROR as OCPP-J 1.6 spells it, never InternalError: nothing is stored, the
frame is logged, the server prints no traceback and the connection answers on. A station's
answer to a command that holds such values ends the command as refused, storing nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from websockets.exceptions import InvalidStatus

from portal.extensions import db
from portal.models import (
    ChargingSession,
    ConnectionAttempt,
    MeterValue,
    OcppMessage,
    Station,
    StationConfigurationKey,
)
from portal.models.base import Base
from tests.ocpp.conftest import KEY, OcppCompany, ServerLog
from tests.ocpp.remote import Answering, new_token, post_command
from tests.ocpp.station_client import Station as StationClient
from tests.ocpp.station_client import basic_auth, open_socket

START = {"connectorId": 1, "idTag": "VALID", "meterStart": 0,
         "timestamp": "2026-11-23T10:00:00Z"}
STOP = {"transactionId": 1, "meterStop": 10, "timestamp": "2026-11-23T11:00:00Z"}
METER = {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-23T10:30:00Z",
                                           "sampledValue": [{"value": "12.5"}]}]}
STORED = (ChargingSession, MeterValue, Station, ConnectionAttempt)


@pytest.fixture
def station(watched_company: OcppCompany) -> Iterator[StationClient]:
    with watched_company.station() as station:
        assert station.boot()["status"] == "Accepted"
        yield station


def _counts(company: OcppCompany) -> dict[str, int]:
    def count(model: type[Base]) -> int:
        return db.session.scalar(select(func.count()).select_from(model)) or 0
    return company.query(lambda: {model.__name__: count(model) for model in STORED})


def _no_traceback(logged_server: tuple[int, ServerLog]) -> None:
    printed = logged_server[1].new()
    assert "Traceback" not in printed and "ERROR" not in printed, printed


@pytest.mark.parametrize(("action", "payload"), [
    ("StartTransaction", {**START, "idTag": "VA\u0000LID"}),
    ("BootNotification", {"chargePointVendor": "V\u0000", "chargePointModel": "M"}),
    ("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                            "status": "Available", "info": "\u0000"}),
    ("DataTransfer", {"vendorId": "v", "data": "a\u0000b"}),
    ("MeterValues", {**METER, "meterValue": [{"timestamp": "2026-11-23T10:30:00Z",
                                              "sampledValue": [{"value": "1\u0000"}]}]}),
    ("Authorize", {"idTag": "\ud800"}),
    ("SecurityEventNotification", {"type": "x", "timestamp": "2026-11-23T10:00:00Z",
                                   "techInfo": "\udfff\ud800"}),
])
def test_a_nul_or_lone_surrogate_in_a_string_is_a_property_constraint_violation(
    watched_company: OcppCompany, station: StationClient, logged_server, action: str,
    payload: dict
) -> None:
    before = _counts(watched_company)
    answer = station.call(action, payload)
    assert answer[0] == 4 and answer[2] == "PropertyConstraintViolation", answer
    assert "holds a NUL character or a lone surrogate" in answer[3]
    assert _counts(watched_company) == before
    assert station.result("Heartbeat")["currentTime"]
    _no_traceback(logged_server)


@pytest.mark.parametrize(("action", "payload", "field"), [
    ("StopTransaction", {**STOP, "transactionId": 99999999999999}, "transactionId"),
    ("MeterValues", {**METER, "transactionId": 99999999999999}, "transactionId"),
    ("MeterValues", {**METER, "connectorId": 2**31}, "connectorId"),
    ("StatusNotification", {"connectorId": 2**31, "errorCode": "NoError",
                            "status": "Available"}, "connectorId"),
    ("StartTransaction", {**START, "connectorId": 2**31}, "connectorId"),
    ("StartTransaction", {**START, "meterStart": 10**14}, "meterStart"),
    ("StartTransaction", {**START, "meterStart": -(10**14)}, "meterStart"),
    ("StartTransaction", {**START, "reservationId": 10**30}, "reservationId"),
    ("StopTransaction", {**STOP, "meterStop": 10**14}, "meterStop"),
    ("LogStatusNotification", {"status": "Idle", "requestId": 2**63}, "requestId"),
])
def test_an_integer_past_32_bits_is_a_property_constraint_violation(
    watched_company: OcppCompany, station: StationClient, logged_server, action: str,
    payload: dict, field: str
) -> None:
    before = _counts(watched_company)
    answer = station.call(action, payload)
    assert answer[:3] == [4, answer[1], "PropertyConstraintViolation"], answer
    assert answer[3].startswith(f"payload.{field} must be"), answer
    assert _counts(watched_company) == before
    assert station.result("Heartbeat")["currentTime"]
    _no_traceback(logged_server)


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00+01:00",
                                       "9999-12-31T23:59:59-01:00"])
def test_a_time_out_of_the_calendar_in_utc_is_a_property_constraint_violation(
    watched_company: OcppCompany, station: StationClient, logged_server, timestamp: str
) -> None:
    for action, payload in [("StartTransaction", {**START, "timestamp": timestamp}),
                            ("MeterValues", {**METER, "meterValue": [
                                {"timestamp": timestamp, "sampledValue": [{"value": "1"}]}]})]:
        answer = station.call(action, payload)
        assert answer[2] == "PropertyConstraintViolation", answer
        assert answer[3].endswith("timestamp must be date-time"), answer
    assert _counts(watched_company)["ChargingSession"] == 0
    _no_traceback(logged_server)


@pytest.mark.parametrize(("frame", "answer"), [
    ("\x00\x00\x00", [4, "-1", "FormationViolation"]),
    ('[2, "5", "Heartbeat", {"x": "\x00"}]', [4, "5", "FormationViolation"]),
    ('[2, "6", "StartTransaction", {"connectorId": 1, "idTag": "VALID", "meterStart": NaN, '
     '"timestamp": "2026-11-23T10:00:00Z"}]', [4, "6", "FormationViolation"]),
    ('[2, "7", "DataTransfer", {"vendorId": "v", "data": ' + "[" * 30_000 + "]" * 30_000
     + "}]", [4, "7", "FormationViolation"]),
    ('[2, "\\u0000", "Heartbeat", {}]', [4, "-1", "FormationViolation"]),
    ('[2, "\\ud800", "Heartbeat", {}]', [4, "-1", "FormationViolation"]),
    ('[2, "8", "Make\\ud800Coffee", {}]', [4, "8", "NotImplemented"]),
    ('[2, "9", "' + "A" * 300 + '", {}]', [4, "9", "NotImplemented"]),
])
def test_a_frame_that_is_no_storable_json_is_answered_and_logged(
    watched_company: OcppCompany, station: StationClient, logged_server, frame: str,
    answer: list
) -> None:
    assert station.send_raw(frame)[:3] == answer
    assert station.result("Heartbeat")["currentTime"]
    logged = watched_company.query(lambda: [message.frame for message in
                                            watched_company.app.extensions["sqlalchemy"]
                                            .session.scalars(select(OcppMessage)
                                                             .order_by(OcppMessage.id))])
    assert logged[2] == frame.replace("\x00", "\N{SYMBOL FOR NULL}")  # after the boot
    assert json.loads(logged[3])[:3] == answer
    _no_traceback(logged_server)


@pytest.mark.parametrize("value", ["1e30", "-1e30", "NaN", "Infinity", "1e999999"])
def test_a_sampled_value_past_the_numeric_column_is_kept_as_text(
    watched_company: OcppCompany, station: StationClient, logged_server, value: str
) -> None:
    sample = {**METER, "meterValue": [{"timestamp": "2026-11-23T10:30:00Z",
                                       "sampledValue": [{"value": value}]}]}
    assert station.result("MeterValues", sample) == {}
    stored = watched_company.query(lambda: [
        (row.value, row.numeric_value) for row in watched_company.app.extensions["sqlalchemy"]
        .session.scalars(select(MeterValue))])
    assert stored == [(value, None)]
    _no_traceback(logged_server)


@pytest.mark.parametrize("charge_box_id", ["CP%00", "C" * 256, "CP%20ONE", "%C3%A9"])
def test_an_unusable_charge_box_id_is_refused_at_the_handshake_and_nothing_stored(
    watched_company: OcppCompany, logged_server, charge_box_id: str
) -> None:
    watched_company.change(lambda tenant: setattr(tenant, "auto_register_stations", True))
    before = _counts(watched_company)
    with pytest.raises(InvalidStatus) as refused, open_socket(
        watched_company.port, f"{watched_company.slug}.localhost", f"/ocpp/{charge_box_id}",
        authorization=basic_auth(charge_box_id, KEY),
    ):
        pass
    assert refused.value.response.status_code == 400
    assert _counts(watched_company) == before
    _no_traceback(logged_server)


@pytest.mark.parametrize(("action", "answer", "description"), [
    ("GetConfiguration", {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False,
                                                "value": "6\u00000"}]},
     "payload.configurationKey[0].value holds a NUL character or a lone surrogate"),
    ("GetLocalListVersion", {"listVersion": 10**30},
     "payload.listVersion is out of range (-2147483648 to 2147483647)"),
])
def test_an_answer_the_database_cannot_hold_ends_its_command_refused_and_stores_nothing(
    watched_company: OcppCompany, station: StationClient, logged_server, action: str,
    answer: dict, description: str
) -> None:
    token = new_token(watched_company)
    before = _counts(watched_company)
    answering = Answering(station, lambda unique_id: [3, unique_id, answer])
    response = post_command(watched_company, token, {"action": action, "payload": {}})
    answering.join()
    assert response.status_code == 502, response.text
    assert (response.json()["code"], response.json()["description"]) == (
        "PropertyConstraintViolation", f"The answer cannot be stored: {description}.")
    assert _counts(watched_company) == before
    assert watched_company.query(lambda: db.session.scalar(
        select(func.count()).select_from(StationConfigurationKey))) == 0
    _no_traceback(logged_server)


def test_a_call_error_too_long_or_with_nul_to_store_is_kept_readable(
    watched_company: OcppCompany, station: StationClient, logged_server
) -> None:
    answering = Answering(station, lambda unique_id: [4, unique_id, "E" * 80, "a\u0000b", {}])
    response = post_command(watched_company, new_token(watched_company),
                            {"action": "ClearCache", "payload": {}})
    answering.join()
    assert response.status_code == 502, response.text
    assert (response.json()["code"], response.json()["description"]) == (
        "E" * 50, "a\N{SYMBOL FOR NULL}b")
    _no_traceback(logged_server)
