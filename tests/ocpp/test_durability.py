"""Once a station has its answer, the data is on disk: even a SIGKILL right after loses nothing."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession
from portal.models.base import utcnow
from portal.services import stations
from portal.timestamps import format_timestamp
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
from tests.ocpp.conftest import KEY, OcppCompany


def test_session_survives_a_kill_right_after_the_answer(app: Flask, database_url: str) -> None:
    port = free_port()
    made = make_tenant(app)
    company = OcppCompany(made.slug, made.tenant_id, app, port)
    company.change(lambda tenant: stations.add(tenant, "CP1", auth_key=KEY))
    with running_server(database_url, port) as server:
        station = company.station()
        station.boot()
        started = station.result("StartTransaction", {
            "connectorId": 1, "idTag": "ANY", "meterStart": 42,
            "timestamp": format_timestamp(utcnow())})
        server.kill()  # SIGKILL: no shutdown, no flush, nothing more
        server.wait()
    with running_server(database_url, port), company.station() as station:
        station.boot()
        assert station.result("StopTransaction", {
            "transactionId": started["transactionId"], "meterStop": 99,
            "timestamp": format_timestamp(utcnow())}) == {}
    session = company.query(lambda: db.session.scalar(select(ChargingSession)))
    assert (session.transaction_id, session.meter_start, session.meter_stop) == (
        started["transactionId"], 42, 99)
