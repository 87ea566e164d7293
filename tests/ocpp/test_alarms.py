"""Alarms a station's messages raise, as staff see them on the dashboard."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Alarm, AlarmKind, AlarmSeverity
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.station_client import Station
from tests.scene import table_rows


def test_a_faulted_connector_raises_one_critical_hardware_failure_shown_on_the_dashboard(
        company: OcppCompany, cp1: Station, portal) -> None:
    for _ in range(2):  # the same cause, reported again, is the same open alarm
        assert cp1.result("StatusNotification", {
            "connectorId": 2, "status": "Faulted", "errorCode": "GroundFailure"}) == {}
    alarms = company.query(lambda: [(alarm.kind, alarm.severity, alarm.node)
                                    for alarm in db.session.scalars(select(Alarm))])
    assert alarms == [(AlarmKind.HARDWARE_FAILURE, AlarmSeverity.CRITICAL, "CP1/2")]
    client = portal(company.slug)
    client.login(f"admin@{company.slug}.example")
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'id="count-active-alarms">1<' in html
    assert table_rows(html, "alarms-by-kind") == ["Hardware failure | critical | 1"]
