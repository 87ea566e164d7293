"""Connections: online while open, replaced by a newer one, offline when pings go unanswered."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
from flask import Flask
from ocpp.v16.enums import RegistrationStatus
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed

from portal.extensions import db
from portal.models import ChargingSession, Event, Station
from portal.services import stations
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
from tests.ocpp.conftest import KEY, OcppCompany
from tests.ocpp.station_client import basic_auth


def _online(company: OcppCompany, charge_box_id: str = "CP1") -> bool:
    return company.query(lambda: stations.find(charge_box_id).online)


def _eventually(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_station_is_online_while_connected_and_offline_after(company: OcppCompany) -> None:
    assert not _online(company)
    with company.station() as station:
        station.boot()
        assert _online(company)
    assert _eventually(lambda: not _online(company))
    kinds = company.query(lambda: list(db.session.scalars(select(Event.kind).order_by(Event.id))))
    assert kinds[:3] == ["connected", "boot", "disconnected"]


def test_second_connection_replaces_the_first(company: OcppCompany) -> None:
    first = company.station()
    first.boot()
    with company.station() as second:
        second.boot()
        with pytest.raises(ConnectionClosed):
            first.ws.recv(timeout=5)
        assert second.result("Heartbeat")["currentTime"]
        assert _online(company)  # the old connection's end does not mark it offline
    first.close()
    assert _eventually(lambda: not _online(company))


def test_pending_and_rejected_stations_may_only_boot(company: OcppCompany) -> None:
    for status in (RegistrationStatus.pending, RegistrationStatus.rejected):
        def set_status(tenant, status=status) -> None:
            stations.find("CP1").registration_status = status

        company.change(set_status)
        with company.station() as station:
            answer = station.boot()
            assert answer["status"] == status.value and answer["interval"] > 0
            refused = station.call("StartTransaction", {
                "connectorId": 1, "idTag": "VALID", "meterStart": 0,
                "timestamp": "2026-11-23T10:00:00Z"})
            assert refused[2] == "SecurityError"
            assert station.call("Heartbeat")[2] == "SecurityError"
    assert company.query(lambda: db.session.scalar(select(ChargingSession.id))) is None


def test_two_companies_with_station_cp1_each_get_only_their_own_data(
    company: OcppCompany, app: Flask, live_server: int
) -> None:
    made = make_tenant(app)
    other = OcppCompany(made.slug, made.tenant_id, app, live_server)
    other.change(lambda tenant: stations.add(tenant, "CP1", auth_key="other-company-key-0001"))
    with company.station() as mine, other.station(key="other-company-key-0001") as theirs:
        mine.result("BootNotification", {"chargePointVendor": "Mine", "chargePointModel": "A"})
        theirs.result("BootNotification", {"chargePointVendor": "Theirs",
                                           "chargePointModel": "B"})
        theirs.result("StartTransaction", {"connectorId": 1, "idTag": "ANY", "meterStart": 0,
                                           "timestamp": "2026-11-23T10:00:00Z"})
    assert company.query(lambda: stations.find("CP1").vendor) == "Mine"
    assert other.query(lambda: stations.find("CP1").vendor) == "Theirs"
    assert company.query(lambda: db.session.scalar(select(ChargingSession.id))) is None
    assert other.query(lambda: db.session.scalar(select(ChargingSession.id))) is not None


def _silent_station(port: int, host: str) -> socket.socket:
    """A station that completes the handshake and then never reads: it answers no ping."""
    raw = socket.create_connection(("127.0.0.1", port))
    raw.sendall((
        f"GET /ocpp/CP1 HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n"
        f"Authorization: {basic_auth('CP1', KEY)}\r\n\r\n").encode())
    assert raw.recv(1024).startswith(b"HTTP/1.1 101")
    return raw


def test_unanswered_pings_mark_the_station_offline(app: Flask, database_url: str) -> None:
    port = free_port()
    with running_server(database_url, port, OCPP_PING_INTERVAL="1"):
        made = make_tenant(app)
        company = OcppCompany(made.slug, made.tenant_id, app, port)
        company.change(lambda tenant: stations.add(tenant, "CP1", auth_key=KEY))
        silent = _silent_station(port, f"{company.slug}.localhost")
        assert _eventually(lambda: _online(company), 5)
        assert _eventually(lambda: not _online(company), 6)
        silent.close()
    reasons = company.query(lambda: list(db.session.scalars(
        select(Event.message).where(Event.kind == "disconnected"))))
    assert reasons == ["No answer to ping: the station is unreachable."]
    assert company.query(lambda: db.session.scalar(select(Station.connected_at))) is None
