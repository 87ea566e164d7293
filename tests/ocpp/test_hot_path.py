"""The OCPP message path does a fixed, small number of SQL statements per message."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from ocpp_ws import dispatcher
from portal.extensions import db
from portal.models import Tenant
from portal.models.base import utcnow
from portal.services import charging_sessions, stations
from tenants.scoping import tenant_scope
from tests.factories import make_tenant
from tests.scene import counted_queries


def _statements(app: Flask, tenant_id: int, station_id: int, frame: list) -> list[str]:
    with app.app_context(), tenant_scope(db.session.get(Tenant, tenant_id)):
        db.session.remove()
        with counted_queries(app) as statements:
            answer = dispatcher.handle_frame(station_id, json.dumps(frame), 65536)
    assert json.loads(answer)[0] == 3, answer
    return statements


@pytest.fixture
def station_ids(app: Flask) -> tuple[int, int, int]:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP1", connectors=1)
            station.last_seen_at = utcnow()
            session, _ = charging_sessions.start(station, 1, "TAG", 0, utcnow())
            db.session.commit()
            return company.tenant_id, station.id, session.transaction_id


def test_heartbeat_costs_at_most_four_statements(app: Flask, station_ids) -> None:
    tenant_id, station_id, _ = station_ids
    statements = _statements(app, tenant_id, station_id, [2, "1", "Heartbeat", {}])
    # station, heartbeat update, the two log rows (one insert each on SQLite, maybe batched)
    assert len(statements) <= 4, statements


def test_meter_values_cost_does_not_grow_with_samples(app: Flask, station_ids) -> None:
    tenant_id, station_id, transaction_id = station_ids
    samples = [{"value": str(n), "measurand": "Energy.Active.Import.Register"} for n in range(8)]
    frame = [2, "2", "MeterValues", {"connectorId": 1, "transactionId": transaction_id,
                                     "meterValue": [{"timestamp": "2026-11-23T10:00:00Z",
                                                     "sampledValue": samples}]}]
    statements = _statements(app, tenant_id, station_id, frame)
    # station, session, outlet, then the inserts: values and log rows batched where possible
    assert len(statements) <= 7, "\n".join(statements)
