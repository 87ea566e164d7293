"""Commands reach a station whichever worker holds its socket (Redis routing)."""

from __future__ import annotations

import signal
import time

import redis
from flask import Flask

from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
from tests.ocpp.conftest import OcppCompany, seed
from tests.ocpp.test_remote_operations import Answering, new_token, post_command

REDIS = "redis://127.0.0.1:6379/13"


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

            holder.send_signal(signal.SIGKILL)  # the worker dies; its entry has not expired
            holder.wait(timeout=10)
            began = time.monotonic()
            response = post_command(elsewhere, token, {"action": "ClearCache", "payload": {}})
            assert response.status_code == 409, response.text
            assert time.monotonic() - began < 5
