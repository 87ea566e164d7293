"""Transactions in the real world: lost answers, replays, stale and abandoned sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession, Event, MeterValue
from portal.models.base import utcnow
from portal.timestamps import format_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.station_client import Station


def _sessions(company: OcppCompany) -> list[ChargingSession]:
    def read() -> list[ChargingSession]:
        rows = list(db.session.scalars(select(ChargingSession).order_by(ChargingSession.id)))
        db.session.expunge_all()
        return rows

    return company.query(read)


def _start_payload(minutes_ago: int = 5, connector: int = 1) -> dict:
    return {"connectorId": connector, "idTag": "VALID", "meterStart": 123,
            "timestamp": format_timestamp(utcnow() - timedelta(minutes=minutes_ago))}


def test_retransmitted_start_transaction_returns_same_id(company: OcppCompany,
                                                         cp1: Station) -> None:
    payload = _start_payload()
    first = cp1.result("StartTransaction", payload)
    again = cp1.result("StartTransaction", payload)  # the first answer was lost
    assert again == first
    assert len(_sessions(company)) == 1


def test_stop_for_unknown_or_stopped_transaction_is_answered_and_recorded(
    company: OcppCompany, cp1: Station
) -> None:
    stop = {"transactionId": 987654, "meterStop": 10, "timestamp": format_timestamp(utcnow())}
    assert cp1.result("StopTransaction", stop) == {}
    started = cp1.result("StartTransaction", _start_payload())
    stop = {**stop, "transactionId": started["transactionId"], "meterStop": 500}
    assert cp1.result("StopTransaction", stop) == {}
    assert cp1.result("StopTransaction", {**stop, "meterStop": 999}) == {}
    assert _sessions(company)[0].meter_stop == 500
    kinds = company.query(lambda: list(db.session.scalars(select(Event.kind).order_by(Event.id))))
    assert "stop_unknown_transaction" in kinds and "stop_repeated" in kinds


def test_another_stations_transaction_cannot_be_stopped(company: OcppCompany,
                                                        cp1: Station) -> None:
    from portal.services import stations

    company.change(lambda tenant: stations.add(tenant, "CP2", auth_key="second-station-key-01"))
    started = cp1.result("StartTransaction", _start_payload())
    with company.station("CP2", key="second-station-key-01") as cp2:
        cp2.boot()
        cp2.result("StopTransaction", {"transactionId": started["transactionId"],
                                       "meterStop": 1, "timestamp": format_timestamp(utcnow())})
    assert _sessions(company)[0].stopped_at is None


def test_new_start_on_an_outlet_closes_its_stale_session_for_review(company: OcppCompany,
                                                                    cp1: Station) -> None:
    cp1.result("StartTransaction", _start_payload(minutes_ago=60))
    cp1.result("StartTransaction", {**_start_payload(minutes_ago=1), "meterStart": 9000})
    stale, fresh = _sessions(company)
    assert stale.stopped_at is not None and stale.needs_review
    assert "without a StopTransaction" in stale.review_note
    assert fresh.stopped_at is None


def test_session_left_open_across_a_reboot_is_closed_for_review_then_corrected(
    company: OcppCompany, cp1: Station
) -> None:
    started = cp1.result("StartTransaction", _start_payload(minutes_ago=30))
    cp1.close()
    with company.station() as rebooted:
        rebooted.boot()
        rebooted.result("StatusNotification", {"connectorId": 1, "status": "Available",
                                               "errorCode": "NoError"})
        [abandoned] = _sessions(company)
        assert abandoned.stopped_at is not None and abandoned.needs_review
        # The queued StopTransaction arrives after all: the station's word wins.
        rebooted.result("StopTransaction", {"transactionId": started["transactionId"],
                                            "meterStop": 4000, "reason": "Reboot",
                                            "timestamp": format_timestamp(utcnow())})
    [corrected] = _sessions(company)
    assert (corrected.meter_stop, corrected.stop_reason, corrected.needs_review) == (
        4000, "Reboot", False)


def test_replayed_messages_with_old_timestamps_are_kept_in_order(company: OcppCompany,
                                                                 cp1: Station) -> None:
    day = utcnow() - timedelta(days=1)
    for hour in (1, 3):
        started = cp1.result("StartTransaction", {
            "connectorId": 1, "idTag": "VALID", "meterStart": hour * 1000,
            "timestamp": format_timestamp(day + timedelta(hours=hour))})
        cp1.result("StopTransaction", {
            "transactionId": started["transactionId"], "meterStop": hour * 1000 + 500,
            "timestamp": format_timestamp(day + timedelta(hours=hour + 1))})
    first, second = _sessions(company)
    assert first.started_at < first.stopped_at < second.started_at < second.stopped_at
    assert not first.needs_review and not second.needs_review


def _readings(company: OcppCompany) -> list[tuple[str, str]]:
    return company.query(lambda: [tuple(row) for row in db.session.execute(
        select(MeterValue.context, MeterValue.value).order_by(MeterValue.id))])


def _meter_values(transaction_id: int, at: datetime, value: str,
                  context: str = "Sample.Periodic") -> dict:
    return {"connectorId": 1, "transactionId": transaction_id, "meterValue": [{
        "timestamp": format_timestamp(at),
        "sampledValue": [{"value": value, "context": context}]}]}


def _charging_with_a_reading(company: OcppCompany, at: datetime, value: str) -> int:
    """A transaction with one reading, on a connection then closed; its transactionId."""
    with company.station() as station:
        station.boot()
        transaction_id = station.result("StartTransaction", _start_payload())["transactionId"]
        station.result("MeterValues", _meter_values(transaction_id, at, value))
    return transaction_id


def test_meter_values_sent_again_after_a_lost_connection_are_taken_once(
        company: OcppCompany) -> None:
    now = utcnow().replace(microsecond=0)
    transaction_id = _charging_with_a_reading(company, now, "100")
    # The connection was lost before the station read its answer: on the next one it sends
    # the message again, then new ones, in order.
    with company.station() as station:
        station.boot()
        assert station.result("MeterValues", _meter_values(transaction_id, now, "100")) == {}
        # the same time, another reading: not a repeat
        station.result("MeterValues", _meter_values(transaction_id, now, "100", "Sample.Clock"))
        station.result("MeterValues", _meter_values(transaction_id, now + timedelta(minutes=1),
                                                    "200"))
    assert _readings(company) == [("Sample.Periodic", "100"), ("Sample.Clock", "100"),
                                  ("Sample.Periodic", "200")]


def test_readings_older_than_the_stored_ones_are_kept_when_they_are_new(
        company: OcppCompany) -> None:
    now = utcnow().replace(microsecond=0)
    transaction_id = _charging_with_a_reading(company, now, "300")
    with company.station() as station:  # its clock was set back meanwhile
        station.boot()
        station.result("MeterValues", _meter_values(transaction_id, now - timedelta(hours=1),
                                                    "310"))
    assert _readings(company) == [("Sample.Periodic", "300"), ("Sample.Periodic", "310")]
