"""A reconnect storm at a small scale, in the production shape (gunicorn, gevent) with a
pool of two database connections: 300 stations, each with its key, connect at once, boot
and start a transaction, then all stop at once. Nothing fails, no connection drops, and
the server logs no error: a storm is slow at worst."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection
from websockets.protocol import State

from portal.extensions import db
from portal.models import ChargingSession
from portal.models.base import utcnow
from portal.services import stations, tags
from portal.timestamps import format_timestamp
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_gunicorn
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.fleet import call, open_station

STATIONS = 300
IN_FLIGHT = 100  # handshakes at once
KEY_PREFIX = "storm-key-0123-"
ID_TAG = "STORM"


@dataclass
class Storm:
    started: int = 0
    stopped: int = 0
    held_until_stop: int = 0
    errors: list[str] = field(default_factory=list)


async def _call(ws: ClientConnection, unique_id: str, action: str, payload: dict) -> dict:
    return await call(ws, unique_id, action, payload, timeout=60)


async def _station(port: int, slug: str, charge_box_id: str, gate: asyncio.Semaphore,
                   all_started: asyncio.Barrier, storm: Storm) -> None:
    try:
        async with gate:
            ws = await open_station(port, slug, charge_box_id, KEY_PREFIX + charge_box_id,
                                    timeout=60)
        async with ws:
            boot = await _call(ws, "1", "BootNotification", {"chargePointVendor": "Storm",
                                                             "chargePointModel": "S"})
            assert boot["status"] == "Accepted", boot
            start = await _call(ws, "2", "StartTransaction", {
                "connectorId": 1, "idTag": ID_TAG, "meterStart": 0,
                "timestamp": format_timestamp(utcnow())})
            storm.started += 1
            await all_started.wait()
            storm.held_until_stop += ws.state is State.OPEN
            await _call(ws, "3", "StopTransaction", {
                "transactionId": start["transactionId"], "meterStop": 1000,
                "timestamp": format_timestamp(utcnow())})
            storm.stopped += 1
    except Exception as error:  # every failure is the test's finding
        storm.errors.append(f"{charge_box_id}: {type(error).__name__} {error}"[:200])
        all_started.abort()


async def _storm(port: int, slug: str) -> Storm:
    storm, gate = Storm(), asyncio.Semaphore(IN_FLIGHT)
    all_started = asyncio.Barrier(STATIONS)
    await asyncio.gather(*(_station(port, slug, f"S{number:03}", gate, all_started, storm)
                           for number in range(STATIONS)))
    return storm


@pytest.fixture(scope="module")
def fleet(app: Flask) -> Iterator[OcppCompany]:
    made = make_tenant(app)
    company = OcppCompany(made.slug, made.tenant_id, app, 0)

    def add(tenant) -> None:
        tags.add(tenant, ID_TAG, max_active_transactions=-1)
        for number in range(STATIONS):
            charge_box_id = f"S{number:03}"
            stations.add(tenant, charge_box_id, auth_key=KEY_PREFIX + charge_box_id,
                         connectors=1)

    company.change(add)
    yield company


def test_a_storm_of_300_stations_on_two_connections_is_taken_in_without_an_error(
        database_url: str, fleet: OcppCompany) -> None:
    port = free_port()
    with tempfile.TemporaryFile() as log, running_gunicorn(
            database_url, port, log, OCPP_DATABASE_POOL_SIZE="2", DATABASE_POOL_SIZE="2"):
        # A thread of its own: this one may hold Playwright's event loop already.
        with ThreadPoolExecutor(1) as thread:
            storm = thread.submit(asyncio.run, _storm(port, fleet.slug)).result()
        log.seek(0)
        printed = log.read().decode(errors="replace")
    assert storm.errors == []
    assert (storm.started, storm.held_until_stop, storm.stopped) == (STATIONS,) * 3
    assert "Traceback" not in printed and "ERROR" not in printed, printed[-3000:]
    stopped = fleet.query(lambda: db.session.scalar(
        select(func.count()).select_from(ChargingSession)
        .where(ChargingSession.meter_stop == 1000)))
    assert stopped == STATIONS
