"""One station's live socket, with a single writer as simple-websocket lacks one."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from simple_websocket import ConnectionClosed, Server
from wsproto.events import TextMessage

from ocpp_ws.station_state import StationState


class _SerializedSocket:
    """The raw socket, but every write is whole and one at a time, and close() ends it.

    simple-websocket writes with send() (may be cut short) from two greenlets: the
    handler and its ping loop. Routing both through one lock and sendall() keeps
    frames intact. Its close() alone leaves the TCP connection open while gevent's
    pywsgi holds another reference to the socket; shutting it down first ends it.
    """

    def __init__(self, raw: socket.socket, lock: threading.Lock) -> None:
        self._raw = raw
        self._lock = lock

    def send(self, data: bytes) -> int:
        with self._lock:
            self._raw.sendall(data)
        return len(data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._raw.shutdown(socket.SHUT_RDWR)
        self._raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class Connection:
    def __init__(self, ws: Server, state: StationState) -> None:
        self.ws = ws
        self.state = state
        self.connection_id = ""
        ws.sock = _SerializedSocket(ws.sock, threading.Lock())

    @property
    def key(self) -> tuple[int, str]:
        return self.state.tenant_id, self.state.charge_box_id

    def send(self, text: str) -> None:
        self.ws.sock.send(self.ws.ws.send(TextMessage(data=text)))

    def receive(self) -> str | bytes | None:
        return self.ws.receive()

    def close(self, reason: int = 1000, message: str = "") -> None:
        # It may be closed already, by the station or by the ping loop.
        with contextlib.suppress(ConnectionClosed, OSError):
            self.ws.close(reason=reason, message=message)

    def shut_down(self) -> None:
        """End the TCP connection too: gevent's pywsgi would keep it open (DESIGN.md)."""
        self.close()
        self.ws.sock.close()
