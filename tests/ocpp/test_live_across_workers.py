"""The navigator's colours are live across workers: a station on one server, a browser on
another, the news carried by the company's live version in Redis."""

from __future__ import annotations

import time

import redis
from flask import Flask

from portal.models.base import utcnow
from portal.services import stations
from portal.timestamps import format_timestamp
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
from tests.ocpp.conftest import OcppCompany, seed
from tests.ocpp.remote import LivePortal, admin_email

REDIS = "redis://127.0.0.1:6379/12"


def _next_lights(browser: LivePortal, etag: str) -> tuple[str, dict]:
    """Poll as navigator.js does, until the answer is not 304 (at most 5 s)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        response = browser.get("/live/lights", headers={"If-None-Match": etag})
        if response.status_code == 200:
            return response.headers["ETag"], response.json()
        assert response.status_code == 304, response.text
        time.sleep(0.2)
    raise AssertionError("no change reached the other worker within 5 s")


def _status(status: str) -> dict:
    return {"connectorId": 1, "errorCode": "NoError", "status": status,
            "timestamp": format_timestamp(utcnow())}


def test_a_status_on_one_worker_recolours_a_browser_on_another(
        app: Flask, database_url: str) -> None:
    redis.Redis.from_url(REDIS).flushdb()
    made = make_tenant(app)
    holder_port, other_port = free_port(), free_port()
    with running_server(database_url, holder_port, REDIS_URL=REDIS), \
            running_server(database_url, other_port, REDIS_URL=REDIS):
        holding = OcppCompany(made.slug, made.tenant_id, app, holder_port)
        holding.change(seed)
        cp1_id = holding.query(lambda: stations.find("CP1").id)
        browser = LivePortal(OcppCompany(made.slug, made.tenant_id, app, other_port))
        browser.login(admin_email(holding))
        first = browser.get("/live/lights")
        assert first.json()["stations"][str(cp1_id)] == "offline"
        etag = first.headers["ETag"]
        assert browser.get("/live/lights", headers={"If-None-Match": etag}).status_code == 304

        with holding.station() as cp1:
            cp1.boot()
            etag, lights = _next_lights(browser, etag)
            assert lights["stations"][str(cp1_id)] == "available"
            cp1.result("StatusNotification", _status("Charging"))
            etag, lights = _next_lights(browser, etag)
            assert lights["stations"][str(cp1_id)] == "charging"
        _, lights = _next_lights(browser, etag)
        assert lights["stations"][str(cp1_id)] == "offline"
