"""A station over a real socket starts and stops sessions (a stop replayed, one for an old
day, one left open): the summary of sessions per day and per month and the sessions page's
totals agree
with a raw COUNT / SUM of the sessions. Whatever path StartTransaction and StopTransaction
take to the database (the ORM today, Core tomorrow), this fails if it skips the summary."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ChargingSession, Role, SessionDay, SessionMonth, User
from portal.models.base import utcnow
from portal.services import session_table
from portal.services.scope import SYSTEM
from portal.services.session_table import SessionFilter
from portal.timestamps import format_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.station_client import Station


def test_a_station_over_a_socket_keeps_the_summary_exact(company: OcppCompany,
                                                         cp1: Station) -> None:
    now = utcnow()
    transactions = []
    for connector, (days_ago, meter_start) in enumerate([(0, 100), (3, 5000)], start=1):
        started = cp1.result("StartTransaction", {
            "connectorId": connector, "idTag": "VALID", "meterStart": meter_start,
            "timestamp": format_timestamp(now - timedelta(days=days_ago, minutes=90))})
        transactions.append((started["transactionId"], meter_start))
    for transaction_id, meter_start in transactions:
        stop = {"transactionId": transaction_id, "meterStop": meter_start + 4321,
                "timestamp": format_timestamp(now - timedelta(minutes=30))}
        assert cp1.result("StopTransaction", stop) == {}
        assert cp1.result("StopTransaction", stop) == {}  # replayed: its answer was lost
    cp1.result("StartTransaction", {"connectorId": 1, "idTag": "VALID", "meterStart": 9000,
                                    "timestamp": format_timestamp(now - timedelta(minutes=5))})

    def read() -> tuple[tuple[int, int], list[tuple[int, int]], session_table.Totals]:
        raw = db.session.execute(select(func.count(), func.coalesce(
            func.sum(ChargingSession.energy_wh), 0))).one()
        summaries = [tuple(db.session.execute(select(func.sum(model.sessions),
                                                     func.sum(model.energy_wh))).one())
                     for model in (SessionDay, SessionMonth)]
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
        return tuple(raw), summaries, session_table.totals(admin, SessionFilter(), SYSTEM)

    raw, summaries, totals = company.query(read)
    assert raw == (3, 2 * 4321)
    assert summaries == [raw, raw]
    assert (totals.sessions, totals.energy_wh) == raw
