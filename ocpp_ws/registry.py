"""Which stations have a socket in this process; a newer connection replaces an older one."""

from __future__ import annotations

import threading

from ocpp_ws.connection import Connection

_connections: dict[tuple[int, str], Connection] = {}
_lock = threading.Lock()


def register(connection: Connection) -> Connection | None:
    """Register the connection; return the one it replaces, if any."""
    with _lock:
        previous = _connections.get(connection.key)
        _connections[connection.key] = connection
    return previous


def unregister(connection: Connection) -> None:
    with _lock:
        if _connections.get(connection.key) is connection:
            del _connections[connection.key]


def find(tenant_id: int, charge_box_id: str) -> Connection | None:
    """The station's connection, if this process holds it."""
    return _connections.get((tenant_id, charge_box_id))
