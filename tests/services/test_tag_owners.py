"""A session belongs to whoever held its tag when it started; a card's unowned past goes
to the person it is first given to."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession, Role, Station, Tenant
from portal.models.base import utcnow
from portal.services import charging_sessions, stations, tags, users
from tenants.scoping import tenant_scope
from tests.factories import make_tenant


def test_a_moved_card_keeps_its_past_with_the_first_person(app: Flask) -> None:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP1", connectors=1)
            card = tags.add(tenant, "CARD1")
            first, second = (
                users.create(tenant, email=f"{name}@example.com", password="secret123",
                             role=Role.EV_USER) for name in ("ann", "bob"))

            def start_and_stop(meter: int) -> ChargingSession:
                session, _ = charging_sessions.start(db.session.get(Station, station.id), 1,
                                                     "CARD1", meter, utcnow())
                session.stopped_at, session.meter_stop = utcnow(), meter + 1000
                db.session.flush()
                return session

            before_any_owner = start_and_stop(0)
            tags.set_owner(card, first)
            with_first = start_and_stop(2000)
            tags.set_owner(card, second)
            with_second = start_and_stop(4000)
            db.session.commit()

            owners = dict(db.session.execute(
                select(ChargingSession.id, ChargingSession.user_id)).all())
            assert owners[before_any_owner.id] == first.id
            assert owners[with_first.id] == first.id
            assert owners[with_second.id] == second.id
