"""Commands reach a station whichever worker holds its socket (Redis routing)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
from flask import Flask

from portal.config import PROJECT_ROOT
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
from tests.ocpp.conftest import OcppCompany, seed
from tests.ocpp.remote import Answering, LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station

REDIS = "redis://127.0.0.1:6379/13"
# Its tests flush that database: under pytest-xdist they run one after another, in one worker.
pytestmark = pytest.mark.xdist_group("redis-13")


def _refused_soon(station: Station) -> bool:
    """The station's Heartbeat is refused within a second (the news travels by pub/sub)."""
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        if station.call("Heartbeat")[0] == 4:
            return True
        time.sleep(0.05)
    return False


def test_commands_cross_workers_and_a_dead_worker_means_offline(
    app: Flask, database_url: str
) -> None:
    redis.Redis.from_url(REDIS).flushdb()
    made = make_tenant(app)
    holder_port, other_port = free_port(), free_port()
    with running_server(database_url, holder_port, REDIS_URL=REDIS) as holder, \
            running_server(database_url, other_port, REDIS_URL=REDIS):
        holding = OcppCompany(made.slug, made.tenant_id, app, holder_port)
        holding.change(seed)
        elsewhere = OcppCompany(made.slug, made.tenant_id, app, other_port)
        token = new_token(holding)
        with holding.station() as cp1:
            assert cp1.boot()["status"] == "Accepted"
            answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
            reset = {"action": "Reset", "payload": {"type": "Hard"}}
            response = post_command(elsewhere, token, reset)
            assert answering.join()[2:] == ["Reset", {"type": "Hard"}]
            assert response.status_code == 200, response.text
            assert response.json()["status"] == "Accepted"

            # Staff reject the station on the other worker: the holder hears of it at once.
            browser = LivePortal(elsewhere).login(admin_email(elsewhere))
            assert browser.post("/stations/CP1/registration", {"status": "Rejected"},
                                csrf_from="/stations/CP1").status_code == 302
            assert _refused_soon(cp1)

            holder.send_signal(signal.SIGKILL)  # the worker dies; its entry has not expired
            holder.wait(timeout=10)
            began = time.monotonic()
            response = post_command(elsewhere, token, {"action": "ClearCache", "payload": {}})
            assert response.status_code == 409, response.text
            assert time.monotonic() - began < 5


def test_gunicorn_workers_route_to_the_one_holding_the_station(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    """As deployed (Procfile): gunicorn, 2 gevent workers, Redis. HTTP requests land on
    either worker; every command reaches the station; the holder's death is 'offline'."""
    connection = redis.Redis.from_url(REDIS, decode_responses=True)
    connection.flushdb()
    made = make_tenant(app)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
           "PORTAL_DOMAIN": "localhost", "REDIS_URL": REDIS,
           "OCPP_GET_CONFIGURATION_AT_FIRST_BOOT": "false"}  # the station answers only ours
    server_log = tmp_path / "gunicorn.log"
    with server_log.open("w") as sink:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-k", "gevent", "-w", "2",
             "--graceful-timeout", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port)
        company = OcppCompany(made.slug, made.tenant_id, app, port)
        company.change(seed)
        token = new_token(company)
        with company.station() as cp1:
            assert cp1.boot()["status"] == "Accepted"
            holder = connection.get(f"plugboard:ocpp:station:{made.tenant_id}:CP1")
            assert holder is not None
            calls = 10
            answered = threading.Thread(target=_answer_calls, args=(cp1, calls))
            answered.start()
            statuses = [post_command(company, token, {"action": "ClearCache", "payload": {}})
                        .status_code for _ in range(calls)]  # each on a new TCP connection
            answered.join(timeout=30)
            assert statuses == [200] * calls, server_log.read_text()[-3000:]

            os.kill(int(holder.split(":")[1]), signal.SIGKILL)
            began = time.monotonic()
            response = post_command(company, token, {"action": "ClearCache", "payload": {}})
            assert response.status_code == 409, server_log.read_text()[-3000:]
            assert time.monotonic() - began < 5
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answer_calls(station: Station, count: int) -> None:
    for _ in range(count):
        call = json.loads(station.ws.recv(timeout=15))
        station.ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start within 30 s")
