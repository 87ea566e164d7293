"""A StatusNotification that arrives late marks its station's rolled-up days stale, in the
transaction that stores it; one on time writes nothing more (portal.services.rollups)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Event, StaleRollup
from portal.models.base import utcnow
from portal.timestamps import format_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.station_client import Station as StationClient


def _marks(company: OcppCompany) -> list[tuple[str, int]]:
    return company.query(lambda: [
        (format_timestamp(mark.since), mark.version)
        for mark in db.session.scalars(select(StaleRollup))])


def test_a_status_on_time_leaves_no_mark_and_a_late_one_marks_from_its_time(
        company: OcppCompany, cp1: StationClient) -> None:
    status = {"connectorId": 1, "status": "Charging", "errorCode": "NoError"}
    assert cp1.result("StatusNotification", status) == {}
    assert cp1.result("StatusNotification", {**status,
                                             "timestamp": format_timestamp(utcnow())}) == {}
    assert _marks(company) == []

    queued = format_timestamp(utcnow() - timedelta(days=2))  # sent after a long outage
    for _ in range(2):  # and sent again: stored twice, the mark moved once more
        assert cp1.result("StatusNotification", {**status, "timestamp": queued}) == {}
    assert _marks(company) == [(queued, 2)]
    assert company.query(lambda: len(db.session.scalars(select(Event).where(
        Event.kind == "status", Event.occurred_at < utcnow() - timedelta(days=1))).all())) == 2
