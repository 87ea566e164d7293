"""A station for tests: a real WebSocket client speaking OCPP-J frames to the live server."""

from __future__ import annotations

import base64
import itertools
import json
import socket
import ssl
from contextlib import AbstractContextManager
from typing import Any

from websockets.sync.client import ClientConnection, connect


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def open_socket(
    port: int,
    host: str,
    path: str,
    *,
    authorization: str | None = None,
    subprotocols: tuple[str, ...] = ("ocpp1.6",),
    source: str | None = None,
    close_timeout: float = 10,
    tls: ssl.SSLContext | None = None,
) -> AbstractContextManager[ClientConnection]:
    """Connect to 127.0.0.1:port as `host` (tenant subdomains do not resolve in Python),
    from the loopback address `source` if given (another station's address: 127.0.0.2),
    over wss:// when given a TLS context (it checks the certificate is `host`'s)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10,
                                   source_address=(source, 0) if source else None)
    headers = {"Authorization": authorization} if authorization else {}
    scheme = "wss" if tls else "ws"
    return connect(f"{scheme}://{host}:{port}{path}", sock=raw, ssl=tls,
                   subprotocols=list(subprotocols), additional_headers=headers,
                   open_timeout=10, close_timeout=close_timeout, compression=None)


class Station:
    """One charging station on one connection."""

    def __init__(self, port: int, slug: str, charge_box_id: str, key: str | None, *,
                 bare_domain: bool = False, tls: ssl.SSLContext | None = None) -> None:
        host, path = ("localhost", f"/ocpp/{slug}/{charge_box_id}") if bare_domain else (
            f"{slug}.localhost", f"/ocpp/{charge_box_id}")
        self._connecting = open_socket(
            port, host, path, authorization=basic_auth(charge_box_id, key) if key else None,
            tls=tls)
        self.ws = self._connecting.__enter__()
        self._ids = itertools.count(1)

    def send_raw(self, text: str, timeout: float = 10) -> list[Any]:
        """Send a frame as it is; return the answer, decoded."""
        self.ws.send(text)
        return json.loads(self.ws.recv(timeout=timeout))

    def call(self, action: str, payload: dict[str, Any] | None = None) -> list[Any]:
        """Send a CALL; return the whole answer frame ([3, id, payload] or [4, id, ...])."""
        unique_id = str(next(self._ids))
        answer = self.send_raw(json.dumps([2, unique_id, action, payload or {}]))
        assert answer[1] == unique_id, answer
        return answer

    def result(self, action: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """The CALLRESULT payload; fail the test on a CALLERROR."""
        answer = self.call(action, payload)
        assert answer[0] == 3, answer
        return answer[2]

    def boot(self) -> dict[str, Any]:
        return self.result("BootNotification", {"chargePointVendor": "TestVendor",
                                                "chargePointModel": "TM-1"})

    def close(self) -> None:
        self._connecting.__exit__(None, None, None)

    def __enter__(self) -> Station:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
