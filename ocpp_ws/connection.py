"""One station's live socket, with a single writer as simple-websocket lacks one."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from simple_websocket import ConnectionClosed, Server
from wsproto.events import TextMessage
from wsproto.utilities import LocalProtocolError

from ocpp_ws.frames import Reply
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


class CallTimedOut(Exception):
    """The station did not answer a call of ours in time (or another call held it up)."""


class StationOffline(Exception):
    """No worker holds a connection of the station."""


@dataclass
class _PendingCall:
    unique_id: str
    answered: threading.Event = field(default_factory=threading.Event)
    reply: Reply | None = None


class Connection:
    def __init__(self, ws: Server, state: StationState) -> None:
        self.ws = ws
        self.state = state
        self.connection_id = ""
        ws.sock = _SerializedSocket(ws.sock, threading.Lock())
        # OCPP-J allows one outstanding call per direction: ours wait their turn here.
        self._one_call_at_a_time = threading.Lock()
        self._pending: _PendingCall | None = None

    def call(self, unique_id: str, frame: str, timeout: float) -> Reply:
        """Send a CALL frame and return the station's CALLRESULT or CALLERROR.

        The time-out covers waiting for earlier calls too; raise CallTimedOut past it.
        """
        deadline = time.monotonic() + timeout
        if not self._one_call_at_a_time.acquire(timeout=timeout):
            raise CallTimedOut(unique_id)
        try:
            self._pending = pending = _PendingCall(unique_id)
            self.send(frame)
            if not pending.answered.wait(max(0.0, deadline - time.monotonic())):
                raise CallTimedOut(unique_id)
            assert pending.reply is not None
            return pending.reply
        finally:
            self._pending = None
            self._one_call_at_a_time.release()

    def deliver(self, reply: Reply) -> None:
        """Hand the station's reply to the call waiting for it (a late one is dropped)."""
        pending = self._pending
        if pending is not None and pending.unique_id == reply.unique_id:
            pending.reply = reply
            pending.answered.set()

    @property
    def key(self) -> tuple[int, str]:
        return self.state.tenant_id, self.state.charge_box_id

    def send(self, text: str) -> None:
        try:
            data = self.ws.ws.send(TextMessage(data=text))
        except LocalProtocolError:  # closed meanwhile (by the station, or a time-out)
            raise ConnectionClosed(self.ws.close_reason, self.ws.close_message) from None
        self.ws.sock.send(data)

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
