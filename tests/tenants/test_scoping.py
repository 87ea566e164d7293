"""The one scoping mechanism: no query can see or touch another tenant's rows."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import ChargingSession, Outlet, Station, Tenant
from tenants.scoping import CrossTenantWrite, UnscopedQuery, tenant_scope
from tests.factories import World


def _tenant(tenant_id: int) -> Tenant:
    return db.session.get(Tenant, tenant_id)


def test_query_on_tenant_rows_without_a_scope_raises(app: Flask, world: World) -> None:
    with app.app_context(), pytest.raises(UnscopedQuery):
        db.session.scalars(select(Station)).all()


def test_scoped_query_sees_only_own_rows_even_for_a_shared_charge_box_id(
    app: Flask, world: World
) -> None:
    with app.app_context(), tenant_scope(_tenant(world.a.tenant_id)):
        shared = db.session.scalars(
            select(Station).where(Station.charge_box_id == world.a.shared_station)
        ).all()
        every_station = db.session.scalars(select(Station)).all()
    assert [station.name for station in shared] == [world.a.shared_station_name]
    assert {station.tenant_id for station in every_station} == {world.a.tenant_id}


def test_joins_and_aggregates_are_scoped_too(app: Flask, world: World) -> None:
    with app.app_context(), tenant_scope(_tenant(world.a.tenant_id)):
        joined = db.session.execute(
            select(ChargingSession.tenant_id, Station.tenant_id).join(ChargingSession.station)
        ).all()
        outlets = db.session.scalar(select(func.count()).select_from(Outlet))
    assert joined and set(joined) == {(world.a.tenant_id, world.a.tenant_id)}
    assert outlets == 5  # 2 + 2 + 1 of company A only


def test_get_by_primary_key_of_another_tenant_finds_nothing(app: Flask, world: World) -> None:
    with app.app_context():
        with tenant_scope(_tenant(world.b.tenant_id)):
            foreign_id = db.session.scalar(select(Station.id))
        db.session.expunge_all()
        with tenant_scope(_tenant(world.a.tenant_id)):
            assert db.session.get(Station, foreign_id) is None


def test_bulk_update_changes_only_own_rows(app: Flask, world: World) -> None:
    with app.app_context():
        with tenant_scope(_tenant(world.a.tenant_id)):
            db.session.execute(update(Station).values(note="touched by A"))
            db.session.commit()
        with tenant_scope(_tenant(world.b.tenant_id)):
            notes = set(db.session.scalars(select(Station.note)))
    assert notes == {""}


def test_writing_a_row_of_another_tenant_inside_a_scope_raises(app: Flask, world: World) -> None:
    with app.app_context(), tenant_scope(_tenant(world.a.tenant_id)):
        db.session.add(Station(tenant_id=world.b.tenant_id, charge_box_id="SMUGGLED"))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_new_rows_take_the_tenant_of_the_scope(app: Flask, world: World) -> None:
    with app.app_context(), tenant_scope(_tenant(world.a.tenant_id)):
        station = Station(charge_box_id="STAMPED")
        db.session.add(station)
        db.session.flush()
        assert station.tenant_id == world.a.tenant_id
        db.session.rollback()


def test_every_tenant_only_when_asked_in_so_many_words(app: Flask, world: World) -> None:
    with app.app_context():
        tenants = set(db.session.scalars(
            select(Station.tenant_id).execution_options(all_tenants=True)
        ))
    assert {world.a.tenant_id, world.b.tenant_id} <= tenants
