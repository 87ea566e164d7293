"""Protocol fixtures: a company with a station and tags, and stations that connect to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Tenant
from portal.models.base import utcnow
from portal.services import stations, tags
from tenants.scoping import tenant_scope
from tests.factories import make_tenant
from tests.ocpp.station_client import Station

KEY = "station-key-0123456789"
T = TypeVar("T")


@dataclass
class OcppCompany:
    slug: str
    tenant_id: int
    app: Flask
    port: int

    def query(self, read: Callable[[], T]) -> T:
        """Run `read` in this company's scope, against what the server committed."""
        with self.app.app_context():
            tenant = db.session.get(Tenant, self.tenant_id)
            with tenant_scope(tenant):
                return read()

    def change(self, write: Callable[[Tenant], Any]) -> None:
        with self.app.app_context():
            tenant = db.session.get(Tenant, self.tenant_id)
            with tenant_scope(tenant):
                write(tenant)
                db.session.commit()

    def station(self, charge_box_id: str = "CP1", key: str | None = KEY, *,
                bare_domain: bool = False) -> Station:
        return Station(self.port, self.slug, charge_box_id, key, bare_domain=bare_domain)


def seed(tenant: Tenant) -> None:
    stations.add(tenant, "CP1", auth_key=KEY, connectors=2)
    tags.add(tenant, "VALID", max_active_transactions=-1)
    tags.add(tenant, "ONCE")  # one session at a time
    tags.add(tenant, "BLOCKED", blocked=True)
    tags.add(tenant, "EXPIRED", expiry_at=utcnow() - timedelta(days=1))
    tags.add(tenant, "SOON", expiry_at=utcnow() + timedelta(days=30))
    tags.add(tenant, "FLEET", max_active_transactions=-1)
    tags.add(tenant, "FLEET-CAR", parent_id_tag="FLEET", max_active_transactions=-1)
    tags.add(tenant, "ZERO", max_active_transactions=0)


@pytest.fixture
def company(app: Flask, live_server: int) -> OcppCompany:
    made = make_tenant(app)
    company = OcppCompany(made.slug, made.tenant_id, app, live_server)
    company.change(seed)
    return company


@pytest.fixture
def other_company(app: Flask, live_server: int) -> OcppCompany:
    """A second company on the same server, seeded like the first."""
    made = make_tenant(app)
    company = OcppCompany(made.slug, made.tenant_id, app, live_server)
    company.change(seed)
    return company


@pytest.fixture
def cp1(company: OcppCompany) -> Iterator[Station]:
    """Station CP1, connected and booted (Accepted)."""
    with company.station() as station:
        assert station.boot()["status"] == "Accepted"
        yield station
