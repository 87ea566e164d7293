"""Restarts lose nothing, in the production shape (gunicorn, gevent, two workers). While
stations charge and send meter values, one worker is killed with SIGKILL, then the whole
service is stopped and started again, as a deploy does. The stations reconnect and send
again the message they had no answer for (which may have been committed already); in the
end every reading each station sent is stored, and stored once."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidStatus

from portal.extensions import db
from portal.models import ChargingSession, MeterValue, Station
from portal.models.base import utcnow
from portal.services import stations, tags
from portal.timestamps import format_timestamp
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_gunicorn
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.fleet import call, open_station

STATIONS = 40
INTERVAL = 0.2  # seconds between a station's meter values
KEY_PREFIX = "restart-key-0123-"
ID_TAG = "RESTART"
LOST = (ConnectionClosed, InvalidStatus, OSError, asyncio.TimeoutError)  # reconnect


@dataclass
class Fleet:
    """What the stations have been answered, shared with the test's thread."""

    answered: dict[str, int] = field(default_factory=dict)  # readings answered per station
    connections: dict[str, int] = field(default_factory=dict)  # opened per station
    charging: bool = True
    errors: list[str] = field(default_factory=list)

    def all_past(self, readings: int) -> bool:
        return len(self.answered) == STATIONS and min(self.answered.values()) >= readings


async def _call(ws: ClientConnection, unique_id: str, action: str, payload: dict) -> dict:
    return await call(ws, unique_id, action, payload, timeout=30)


async def _station(port: int, slug: str, charge_box_id: str, fleet: Fleet) -> None:
    """Charge until told to stop, sending reading after reading; a lost connection is
    opened again and the unanswered message sent again, as it was."""
    started_at = utcnow().replace(microsecond=0)
    start = {"connectorId": 1, "idTag": ID_TAG, "meterStart": 0,
             "timestamp": format_timestamp(started_at)}
    transaction_id, reading = None, 0
    while True:
        try:
            async with await open_station(port, slug, charge_box_id,
                                          KEY_PREFIX + charge_box_id, timeout=30) as ws:
                fleet.connections[charge_box_id] = fleet.connections.get(charge_box_id, 0) + 1
                await _call(ws, "boot", "BootNotification", {"chargePointVendor": "Restart",
                                                             "chargePointModel": "R"})
                if transaction_id is None:
                    transaction_id = (await _call(ws, "start", "StartTransaction",
                                                  start))["transactionId"]
                while fleet.charging:
                    await _call(ws, f"mv{reading}", "MeterValues", {
                        "connectorId": 1, "transactionId": transaction_id, "meterValue": [{
                            "timestamp": format_timestamp(
                                started_at + timedelta(seconds=reading + 1)),
                            "sampledValue": [{"value": str(reading)}]}]})
                    reading += 1
                    fleet.answered[charge_box_id] = reading
                    await asyncio.sleep(INTERVAL)
                await _call(ws, "stop", "StopTransaction", {
                    "transactionId": transaction_id, "meterStop": reading,
                    "timestamp": format_timestamp(started_at + timedelta(seconds=reading + 1))})
                return
        except LOST:
            await asyncio.sleep(0.5)
        except Exception as error:  # every other failure is the test's finding
            fleet.errors.append(f"{charge_box_id}: {type(error).__name__} {error}"[:200])
            return


async def _charge(port: int, slug: str, fleet: Fleet) -> None:
    await asyncio.gather(*(_station(port, slug, f"R{number:02}", fleet)
                           for number in range(STATIONS)))


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.1)


def _workers(master: int) -> list[int]:
    with open(f"/proc/{master}/task/{master}/children") as children:
        return [int(pid) for pid in children.read().split()]


def test_a_killed_worker_and_a_restarted_service_lose_and_double_no_reading(
        app: Flask, database_url: str) -> None:
    made = make_tenant(app)
    company = OcppCompany(made.slug, made.tenant_id, app, 0)

    def add(tenant) -> None:
        tags.add(tenant, ID_TAG, max_active_transactions=-1)
        for number in range(STATIONS):
            stations.add(tenant, f"R{number:02}", auth_key=f"{KEY_PREFIX}R{number:02}",
                         connectors=1)

    company.change(add)
    port, fleet = free_port(), Fleet()
    with ThreadPoolExecutor(1) as thread, tempfile.TemporaryFile() as log:
        with running_gunicorn(database_url, port, log, workers=2) as service:
            charging = thread.submit(asyncio.run, _charge(port, made.slug, fleet))
            _wait_for(lambda: fleet.all_past(5), "every station charging")
            _wait_for(lambda: len(_workers(service.pid)) == 2, "both workers")
            os.kill(_workers(service.pid)[0], signal.SIGKILL)
            killed_at, connections = dict(fleet.answered), dict(fleet.connections)
            _wait_for(lambda: all(fleet.answered[station] >= readings + 5
                                  for station, readings in killed_at.items()),
                      "every station going on after the kill")
            # the killed worker's stations came back
            assert fleet.connections != connections
            connections = dict(fleet.connections)
        with running_gunicorn(database_url, port, log, workers=2):
            restarted_at = dict(fleet.answered)
            _wait_for(lambda: all(fleet.answered[station] >= readings + 5
                                  for station, readings in restarted_at.items()),
                      "every station going on after the restart")
            fleet.charging = False
            charging.result(timeout=60)
        log.seek(0)
        printed = log.read().decode(errors="replace")
    assert fleet.errors == []
    # every station came back after the restart
    assert all(fleet.connections[station] > opened
               for station, opened in connections.items())
    assert "Traceback" not in printed, printed[-3000:]
    stored = company.query(lambda: db.session.execute(
        select(Station.charge_box_id, ChargingSession.meter_stop, MeterValue.value)
        .join(ChargingSession, ChargingSession.station_id == Station.id)
        .join(MeterValue, MeterValue.charging_session_id == ChargingSession.id)
        .order_by(MeterValue.sampled_at)).all())
    readings: dict[str, list[str]] = {}
    for charge_box_id, meter_stop, value in stored:
        assert meter_stop == fleet.answered[charge_box_id]
        readings.setdefault(charge_box_id, []).append(value)
    assert readings == {station: [str(n) for n in range(count)]
                        for station, count in fleet.answered.items()}
