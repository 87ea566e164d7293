"""Bad frames get the CALLERROR OCPP-J 1.6 names, nothing is stored, the connection lives on."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ChargingSession, Direction, OcppMessage
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.station_client import Station

START = {"connectorId": 1, "idTag": "VALID", "meterStart": 0,
         "timestamp": "2026-11-23T10:00:00Z"}


@pytest.mark.parametrize(("frame", "answer"), [
    ("this is not json", [4, "-1", "FormationViolation"]),
    ('[2, "7", "Heartbeat", {}', [4, "7", "FormationViolation"]),
    ('{"not": "an array"}', [4, "-1", "FormationViolation"]),
    ('[9, "7", "Heartbeat", {}]', [4, "-1", "FormationViolation"]),
    ('[2, 7, "Heartbeat", {}]', [4, "-1", "FormationViolation"]),
    ('[2, "' + "x" * 37 + '", "Heartbeat", {}]', [4, "-1", "FormationViolation"]),
    ('[2, "7", "Heartbeat"]', [4, "7", "ProtocolError"]),
    ('[2, "7", "Heartbeat", {}, "extra"]', [4, "7", "FormationViolation"]),
    ('[2, "7", "Heartbeat", []]', [4, "7", "FormationViolation"]),
    ('[2, "7", 42, {}]', [4, "7", "FormationViolation"]),
    ('[2, "7", "MakeCoffee", {}]', [4, "7", "NotImplemented"]),
    ('[2, "7", "RemoteStartTransaction", {"idTag": "VALID"}]', [4, "7", "NotSupported"]),
])
def test_malformed_frame_gets_the_right_call_error(cp1: Station, frame: str,
                                                   answer: list) -> None:
    assert cp1.send_raw(frame)[:3] == answer
    assert cp1.result("Heartbeat")["currentTime"]  # still usable


@pytest.mark.parametrize(("payload", "code"), [
    ({k: v for k, v in START.items() if k != "meterStart"}, "OccurenceConstraintViolation"),
    ({**START, "meterStart": "lots"}, "TypeConstraintViolation"),
    ({**START, "connectorId": 1.5}, "TypeConstraintViolation"),
    ({**START, "surprise": 1}, "PropertyConstraintViolation"),
    ({**START, "idTag": "X" * 21}, "PropertyConstraintViolation"),
    ({**START, "timestamp": "yesterday"}, "PropertyConstraintViolation"),
])
def test_schema_violations_are_refused_and_store_nothing(company: OcppCompany, cp1: Station,
                                                         payload: dict, code: str) -> None:
    answer = cp1.call("StartTransaction", payload)
    assert answer[0] == 4 and answer[2] == code and answer[3]
    assert company.query(lambda: db.session.scalar(
        select(func.count()).select_from(ChargingSession))) == 0


def test_bad_enum_value_is_a_property_constraint_violation(cp1: Station) -> None:
    answer = cp1.call("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                             "status": "Exploded"})
    assert answer[2] == "PropertyConstraintViolation"


def test_timestamp_without_zone_is_read_as_utc(company: OcppCompany, cp1: Station) -> None:
    started = cp1.result("StartTransaction", {**START, "timestamp": "2026-11-23T10:00:00"})
    session = company.query(lambda: db.session.scalar(select(ChargingSession).where(
        ChargingSession.transaction_id == started["transactionId"])))
    assert session.started_at.isoformat() == "2026-11-23T10:00:00+00:00"


def test_oversized_frame_is_refused_and_the_connection_stays(cp1: Station) -> None:
    big = json.dumps([2, "big", "DataTransfer", {"vendorId": "v", "data": "x" * 70_000}])
    assert cp1.send_raw(big)[:3] == [4, "big", "FormationViolation"]
    assert cp1.result("Heartbeat")["currentTime"]


def test_stray_call_result_gets_no_answer(cp1: Station) -> None:
    cp1.ws.send('[3, "nobody-asked", {}]')
    cp1.ws.send('[4, "nobody-asked", "GenericError", "", {}]')
    assert cp1.call("Heartbeat")[0] == 3  # the next frame answers the Heartbeat


def test_every_frame_goes_to_the_message_log(company: OcppCompany, cp1: Station) -> None:
    cp1.result("Heartbeat")
    cp1.send_raw("nonsense")
    log = company.query(lambda: [
        (m.direction, m.message_type, m.action, m.unique_id) for m in db.session.scalars(
            select(OcppMessage).order_by(OcppMessage.id))])
    assert log == [
        (Direction.FROM_STATION, 2, "BootNotification", "1"),
        (Direction.TO_STATION, 3, "BootNotification", "1"),
        (Direction.FROM_STATION, 2, "Heartbeat", "2"),
        (Direction.TO_STATION, 3, "Heartbeat", "2"),
        (Direction.FROM_STATION, 0, None, "-1"),
        (Direction.TO_STATION, 4, None, "-1"),
    ]
