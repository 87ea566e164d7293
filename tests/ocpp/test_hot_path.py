"""The frequent messages cost a fixed, small number of SQL statements and no ORM load."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from ocpp_ws import dispatcher
from ocpp_ws.station_state import StationState
from portal.extensions import db
from portal.models import Tenant
from portal.models.base import utcnow
from portal.services import charging_sessions, stations
from tenants.scoping import tenant_scope
from tests.factories import make_tenant
from tests.scene import counted_queries


@pytest.fixture
def connected(app: Flask) -> tuple[StationState, int]:
    """A connected station's state (as the endpoint loads it) and its open transaction."""
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP1", connectors=1)
            station.last_seen_at = utcnow()
            session, _ = charging_sessions.start(station, 1, "TAG", 0, utcnow())
            db.session.commit()
            state = StationState(tenant.id, station.id, "CP1")
            state.load()
            return state, session.transaction_id


def _statements(app: Flask, state: StationState, frame: list) -> list[str]:
    with app.app_context(), tenant_scope(db.session.get(Tenant, state.tenant_id)):
        db.session.remove()
        with counted_queries(app) as statements:
            answer = dispatcher.handle_frame(state, json.dumps(frame), 65536)
    assert json.loads(answer)[0] == 3, answer
    return statements


def _kinds(statements: list[str]) -> list[str]:
    """INSERT/UPDATE/SELECT... of each statement; on PostgreSQL inserts are COPYs, which
    bypass SQLAlchemy's events, so they do not show."""
    return [statement.split()[0] for statement in statements]


def test_heartbeat_is_one_update_and_one_log_insert(app: Flask, connected) -> None:
    state, _ = connected
    kinds = _kinds(_statements(app, state, [2, "1", "Heartbeat", {}]))
    assert kinds in (["UPDATE", "INSERT"], ["UPDATE"]), kinds
    # last_heartbeat_at was just written: the next heartbeat only adds its log rows
    assert _kinds(_statements(app, state, [2, "2", "Heartbeat", {}])) in (["INSERT"], [])


def test_meter_values_cost_does_not_grow_with_samples(app: Flask, connected) -> None:
    state, transaction_id = connected
    samples = [{"value": str(n), "measurand": "Energy.Active.Import.Register"} for n in range(8)]
    frame = [2, "2", "MeterValues", {"connectorId": 1, "transactionId": transaction_id,
                                     "meterValue": [{"timestamp": "2026-11-23T10:00:00Z",
                                                     "sampledValue": samples}]}]
    # one executemany for the eight values, one for the two log rows, nothing read
    assert _kinds(_statements(app, state, frame)) in (["INSERT", "INSERT"], [])
