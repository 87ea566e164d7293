"""What staff change reaches a connected station: at once where its worker hears of it,
at its next boot, or after STATE_TTL at the latest."""

from __future__ import annotations

import json
import time

from flask import Flask
from ocpp.v16.enums import RegistrationStatus
from sqlalchemy import select

from ocpp_ws import dispatcher
from ocpp_ws.station_state import STATE_TTL, StationState
from portal.extensions import db
from portal.models import MeterValue, Outlet, Station, Tenant
from portal.services import stations
from tenants.scoping import tenant_scope
from tests.factories import Company, make_tenant
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import LivePortal, admin_email
from tests.ocpp.station_client import Station as StationClient

BOOT = {"chargePointVendor": "Test", "chargePointModel": "T1"}


def _connected(app: Flask, status: RegistrationStatus) -> tuple[Company, StationState]:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP1", connectors=1)
            station.registration_status = status
            db.session.commit()
            state = StationState(company.tenant_id, station.id, "CP1")
            state.load()
        db.session.remove()
    return company, state


def _send(app: Flask, company: Company, state: StationState, action: str,
          payload: dict | None = None) -> list:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        frame = json.dumps([2, "1", action, payload or {}])
        return json.loads(dispatcher.handle_frame(state, frame, 65536))


def _set_registration(app: Flask, company: Company, status: RegistrationStatus) -> None:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        stations.set_registration(stations.find("CP1"), status)
        db.session.commit()


def test_a_station_accepted_by_staff_hears_it_at_its_next_boot(app: Flask) -> None:
    company, state = _connected(app, RegistrationStatus.pending)
    assert _send(app, company, state, "Heartbeat")[2] == "SecurityError"
    _set_registration(app, company, RegistrationStatus.accepted)
    assert _send(app, company, state, "BootNotification", BOOT)[2]["status"] == "Accepted"
    assert _send(app, company, state, "Heartbeat")[0] == 3


def test_a_rejection_reaches_a_connected_station_once_its_state_is_stale(app: Flask) -> None:
    company, state = _connected(app, RegistrationStatus.accepted)
    _set_registration(app, company, RegistrationStatus.rejected)
    assert _send(app, company, state, "Heartbeat")[0] == 3  # still the state it connected with
    state.loaded_at = time.monotonic() - STATE_TTL - 1  # as STATE_TTL seconds later
    assert _send(app, company, state, "Heartbeat")[2] == "SecurityError"
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        assert db.session.get(Station, state.station_id).last_heartbeat_at is not None


def test_a_rejection_by_staff_applies_to_the_connected_stations_next_message(
    company: OcppCompany, cp1: StationClient
) -> None:
    browser = LivePortal(company).login(admin_email(company))
    response = browser.post("/stations/CP1/registration", {"status": "Rejected"},
                            csrf_from="/stations/CP1")
    assert response.status_code == 302
    assert cp1.call("Heartbeat")[2] == "SecurityError"  # not STATE_TTL later: at once


def test_meter_values_of_a_connector_never_reported_create_its_outlet_once(app: Flask) -> None:
    company, state = _connected(app, RegistrationStatus.accepted)  # CP1 knows connector 1
    meter_values = {"connectorId": 2, "meterValue": [
        {"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "5"}]}]}
    assert _send(app, company, state, "MeterValues", meter_values) == [3, "1", {}]
    assert _send(app, company, state, "MeterValues", meter_values) == [3, "1", {}]
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        [outlet_id] = db.session.scalars(select(Outlet.id).where(
            Outlet.station_id == state.station_id, Outlet.connector_id == 2)).all()
        assert db.session.scalars(select(MeterValue.outlet_id)).all() == [outlet_id] * 2
    assert state.outlet_ids[2] == outlet_id
