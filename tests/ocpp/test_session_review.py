"""A station whose meter resets mid-session, over a real socket: the energy comes from its
samples and the session waits in the review queue; a person's review outlasts a late stop."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession, Event, Tenant, User
from portal.models.base import utcnow
from portal.services import charging_sessions, session_review
from portal.timestamps import format_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.station_client import Station
from tests.portal_client import PortalClient
from tests.scene import table_rows

STARTED = utcnow().replace(microsecond=0) - timedelta(hours=2)


def _at(minutes: int) -> str:
    return format_timestamp(STARTED + timedelta(minutes=minutes))


def _register(minutes: int, wh: int, context: str = "Sample.Periodic") -> dict:
    return {"timestamp": _at(minutes), "sampledValue": [
        {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh",
         "context": context}]}


def _session(company: OcppCompany, transaction_id: int) -> ChargingSession:
    def read() -> ChargingSession:
        found = db.session.scalar(select(ChargingSession).where(
            ChargingSession.transaction_id == transaction_id))
        db.session.expunge(found)
        return found
    return company.query(read)


def test_a_meter_that_resets_mid_session_counts_its_samples_and_is_reviewed(
        app: Flask, company: OcppCompany, cp1: Station) -> None:
    started = cp1.result("StartTransaction", {"connectorId": 1, "idTag": "VALID",
                                              "meterStart": 50_000, "timestamp": _at(0)})
    transaction_id = started["transactionId"]
    for minutes, wh in ((15, 52_000), (30, 55_000), (45, 300), (60, 1_800)):  # reset at ~40
        assert cp1.result("MeterValues", {"connectorId": 1, "transactionId": transaction_id,
                                          "meterValue": [_register(minutes, wh)]}) == {}
    assert cp1.result("StopTransaction", {
        "transactionId": transaction_id, "meterStop": 2_400, "timestamp": _at(80),
        "transactionData": [_register(70, 2_100)]}) == {}

    session = _session(company, transaction_id)
    # 2 000 + 3 000 before the reset, 300 since it, then 1 500 + 300 + 300
    assert (session.meter_stop, session.energy_wh, session.energy_from_samples,
            session.anomaly) == (2_400, 7_400, True, "meter_reset")
    client = PortalClient(app, company.slug)
    assert client.login(f"admin@{company.slug}.example").status_code == 302
    rows = table_rows(client.get("/sessions/review").get_data(as_text=True), "review")
    [row] = [row for row in rows if row.startswith(f"{session.id} |")]
    assert "| 50000 | 2400 | 7.400 |" in row
    assert "Energy from the meter values (samples)" in row
    assert session_review.SessionAnomaly.METER_RESET.words in row


def test_a_stop_after_a_persons_review_does_not_undo_it(company: OcppCompany,
                                                        cp1: Station) -> None:
    started = cp1.result("StartTransaction", {"connectorId": 1, "idTag": "VALID",
                                              "meterStart": 1_000, "timestamp": _at(0)})
    transaction_id = started["transactionId"]

    def close_and_accept(tenant: Tenant) -> None:
        session = db.session.scalar(select(ChargingSession).where(
            ChargingSession.transaction_id == transaction_id))
        charging_sessions.close_for_review(session, STARTED + timedelta(minutes=30),
                                           "The station rebooted.")
        session_review.accept(session, db.session.scalar(select(User)), utcnow())

    company.change(close_and_accept)
    cp1.result("StopTransaction", {"transactionId": transaction_id, "meterStop": 9_000,
                                   "timestamp": _at(50)})
    session = _session(company, transaction_id)
    assert (session.meter_stop, session.review_action, session.needs_review) == (
        None, "accepted", True)
    kinds = company.query(lambda: list(db.session.scalars(select(Event.kind))))
    assert "stop_repeated" in kinds
