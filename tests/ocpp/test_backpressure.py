"""Busy is answered 503 with Retry-After, never 500: a worker holding as many stations as
it may, and a worker out of database connections. Pages and stations draw on separate
pools on PostgreSQL."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text
from websockets.exceptions import InvalidStatus

from portal import config, create_app, lanes
from portal.extensions import db
from portal.models.base import utcnow
from portal.services import stations
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
from tests.ocpp.conftest import KEY, OcppCompany, seed
from tests.ocpp.station_client import Station

LIMIT = 2


@pytest.fixture(scope="module")
def crowded_server(database_url: str) -> Iterator[int]:
    """A server whose worker holds at most LIMIT stations."""
    port = free_port()
    with running_server(database_url, port, OCPP_MAX_CONNECTIONS_PER_WORKER=str(LIMIT)):
        yield port


def _refusal(company: OcppCompany, charge_box_id: str) -> tuple[int, str | None]:
    with pytest.raises(InvalidStatus) as refused:
        company.station(charge_box_id)
    response = refused.value.response
    return response.status_code, response.headers.get("Retry-After")


def test_a_full_worker_answers_503_with_retry_after_and_keeps_its_stations(
        app: Flask, crowded_server: int) -> None:
    made = make_tenant(app)
    company = OcppCompany(made.slug, made.tenant_id, app, crowded_server)

    def more_stations(tenant) -> None:
        seed(tenant)
        for charge_box_id in ("CP2", "CP3"):
            stations.add(tenant, charge_box_id, auth_key=KEY)

    company.change(more_stations)
    with company.station("CP1") as first, company.station("CP2") as second:
        assert first.boot()["status"] == second.boot()["status"] == "Accepted"
        status, retry_after = _refusal(company, "CP3")
        assert status == 503 and retry_after is not None and 10 <= int(retry_after) <= 30
        assert first.result("Heartbeat")["currentTime"]  # the stations it holds stay
        assert second.result("Heartbeat")["currentTime"]
    with _retrying(company, "CP3") as third:  # room again once they have left
        assert third.boot()["status"] == "Accepted"


def _retrying(company: OcppCompany, charge_box_id: str) -> Station:
    """Connect as a refused station does: again after a while (the server counts a socket
    out once its closing is over)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return company.station(charge_box_id)
        except InvalidStatus as refused:
            if refused.response.status_code != 503 or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def starved_app(database_url: str) -> Iterator[Flask]:
    """An app of its own whose station connections time out after a second."""
    options = {**config.engine_options(database_url), "pool_timeout": 1}
    app = create_app({"DATABASE_URL": database_url, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SQLALCHEMY_ENGINE_OPTIONS": options, "OCPP_ENGINE_OPTIONS": options,
                      "SECRET_KEY": "test-secret-key", "PORTAL_DOMAIN": "localhost",
                      "TESTING": True})
    yield app
    with app.app_context():
        db.engine.dispose()
        if (engine := lanes.ocpp_engine(app)) is not None:
            engine.dispose()


def _handshake(app: Flask, slug: str):
    return app.test_client().get("/ocpp/CP1", headers={
        "Host": f"{slug}.localhost", "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Protocol": "ocpp1.6",
        "Authorization": "Basic " + base64.b64encode(f"CP1:{KEY}".encode()).decode()})


def test_a_worker_out_of_database_connections_answers_503_and_pages_keep_theirs(
        app: Flask, starved_app: Flask) -> None:
    made = make_tenant(app)
    OcppCompany(made.slug, made.tenant_id, app, 0).change(seed)
    with starved_app.app_context():
        engine = lanes.ocpp_engine(starved_app) or db.engine
        held = []
        try:
            while True:  # every connection of the stations' pool, held by "other stations"
                held.append(engine.connect())
                held[-1].execute(text("SELECT 1"))
        except Exception:  # the pool's time-out: it is empty
            pass
        began = utcnow()
        answer = _handshake(starved_app, made.slug)
        assert answer.status_code == 503, answer.get_data(as_text=True)
        assert 10 <= int(answer.headers["Retry-After"]) <= 30
        assert "busy" in answer.get_data(as_text=True)
        assert (utcnow() - began).total_seconds() < 10  # it waited its bounded turn
        # PostgreSQL: the pages' pool is another; SQLite has one connection for all.
        assert _login_page(starved_app, made.slug) == (503 if engine is db.engine else 200)
        for connection in held:
            connection.close()
        assert _login_page(starved_app, made.slug) == 200  # and it is over


def _login_page(app: Flask, slug: str) -> int:
    return app.test_client().get("/login", headers={"Host": f"{slug}.localhost"}).status_code
