"""The clock ends the reservations no station used before their expiry."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from portal.extensions import db
from portal.jobs import JOBS, run_for_every_company
from portal.models import Reservation, ReservationStatus, Tenant
from portal.models.base import utcnow
from portal.services import stations
from tenants.scoping import tenant_scope
from tests.factories import make_tenant

S = ReservationStatus
EXPIRE = next(job for job in JOBS if job.name == "expire reservations")


def test_the_clock_expires_open_reservations_past_their_expiry(app: Flask) -> None:
    company = make_tenant(app)
    now = utcnow()
    cases = {  # (status, expires in) -> status after the job
        (S.ACCEPTED, -timedelta(seconds=1)): S.EXPIRED,
        (S.REQUESTED, -timedelta(minutes=5)): S.EXPIRED,
        (S.ACCEPTED, timedelta(minutes=5)): S.ACCEPTED,
        (S.USED, -timedelta(minutes=5)): S.USED,
        (S.CANCELLED, -timedelta(minutes=5)): S.CANCELLED,
        (S.REJECTED, -timedelta(minutes=5)): S.REJECTED,
    }
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP-CLOCK", connectors=1)
            made = {case: Reservation(tenant_id=tenant.id, station=station, connector_id=1,
                                      id_tag="ALPHA", status=case[0], expiry_at=now + case[1])
                    for case in cases}
            db.session.add_all(made.values())
            db.session.commit()
            ids = {case: reservation.id for case, reservation in made.items()}
        assert EXPIRE.every == timedelta(minutes=1)
        assert run_for_every_company(EXPIRE, now) >= 2
        with tenant_scope(db.session.get(Tenant, company.tenant_id)):
            after = {case: db.session.get(Reservation, ids[case]).status for case in cases}
    assert after == cases
