"""Two copies of one StartTransaction handled at the same moment make one session."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ChargingSession, Station, Tenant
from portal.models.base import utcnow
from portal.services import charging_sessions, stations
from tenants.scoping import tenant_scope
from tests.factories import make_tenant


def test_concurrent_copies_of_a_start_transaction_make_one_session(app: Flask) -> None:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station_id = stations.add(tenant, "CP1", connectors=1).id
            db.session.commit()
    started_at = utcnow().replace(microsecond=0)
    barrier = threading.Barrier(2)
    transaction_ids: list[int] = []

    def handle_copy() -> None:
        barrier.wait()  # on PostgreSQL both race; SQLite's single connection queues them
        with app.app_context():
            tenant = db.session.get(Tenant, company.tenant_id)
            with tenant_scope(tenant):
                station = db.session.get(Station, station_id)
                session, _ = charging_sessions.start(station, 1, "TAG", 100, started_at)
                transaction_ids.append(session.transaction_id)
                db.session.commit()

    copies = [threading.Thread(target=handle_copy) for _ in range(2)]
    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join(timeout=60)
    assert len(transaction_ids) == 2 and transaction_ids[0] == transaction_ids[1]
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        assert db.session.scalar(select(func.count()).select_from(ChargingSession)) == 1
