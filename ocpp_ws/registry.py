"""Which stations have a socket in this process; a newer connection replaces an older one.

It also counts the sockets this process has let in (open, or past the handshake and being
opened), so that a worker over OCPP_MAX_CONNECTIONS_PER_WORKER refuses new ones.
"""

from __future__ import annotations

import threading

from ocpp_ws.connection import Connection
from portal import metrics

_connections: dict[tuple[int, str], Connection] = {}
_lock = threading.Lock()
_admitted = 0


def admit(limit: int) -> bool:
    """Let one more socket in unless `limit` (0: none) are in already; each admitted one
    is `release`d when its request ends."""
    global _admitted
    with _lock:
        if limit and _admitted >= limit:
            return False
        _admitted += 1
        return True


def release() -> None:
    global _admitted
    with _lock:
        _admitted -= 1


def register(connection: Connection) -> Connection | None:
    """Register the connection; return the one it replaces, if any."""
    with _lock:
        previous = _connections.get(connection.key)
        _connections[connection.key] = connection
    if previous is None:
        metrics.STATIONS_CONNECTED.inc()
    return previous


def unregister(connection: Connection) -> bool:
    """Forget the connection; False if a newer one had replaced it already."""
    with _lock:
        if _connections.get(connection.key) is not connection:
            return False
        del _connections[connection.key]
    metrics.STATIONS_CONNECTED.dec()
    return True


def find(tenant_id: int, charge_box_id: str) -> Connection | None:
    """The station's connection, if this process holds it."""
    return _connections.get((tenant_id, charge_box_id))


def connections() -> list[Connection]:
    with _lock:
        return list(_connections.values())
