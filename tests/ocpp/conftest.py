"""Protocol fixtures: a company with a station and tags, and stations that connect to it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any, TypeVar

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Tenant
from portal.models.base import utcnow
from portal.services import stations, tags
from tenants.scoping import tenant_scope
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
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


@dataclass
class ServerLog:
    """What a server printed, read a test at a time."""

    output: IO[bytes]
    read_up_to: int = 0

    def new(self) -> str:
        """What it printed since the last call."""
        self.output.seek(self.read_up_to)
        printed = self.output.read()
        self.read_up_to += len(printed)
        return printed.decode(errors="replace")


@pytest.fixture(scope="module")
def logged_server(database_url: str, app: Flask) -> Iterator[tuple[int, ServerLog]]:
    """A server of the module's own, whose output its tests read (no traceback, ever)."""
    port = free_port()
    with tempfile.TemporaryFile() as output, running_server(database_url, port, output):
        yield port, ServerLog(output)


@pytest.fixture
def watched_company(app: Flask, logged_server: tuple[int, ServerLog]) -> OcppCompany:
    """A company like `company`, on the module's logged server."""
    made = make_tenant(app)
    company = OcppCompany(made.slug, made.tenant_id, app, logged_server[0])
    company.change(seed)
    logged_server[1].new()  # what came before this test is not its concern
    return company


@pytest.fixture
def cp1(company: OcppCompany) -> Iterator[Station]:
    """Station CP1, connected and booted (Accepted)."""
    with company.station() as station:
        assert station.boot()["status"] == "Accepted"
        yield station
