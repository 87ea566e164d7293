"""Redis clients whose callers wait for a free connection rather than fail.

redis-py's default pool raises MaxConnectionsError past its size (100 in redis-py 8): in a
storm of reconnecting stations every handshake announced itself at once and the surplus
failed. A blocking pool makes the surplus wait, bounded, for its turn.
"""

from __future__ import annotations

import redis

WAIT_FOR_CONNECTION = 10  # seconds; then redis.ConnectionError


def blocking_client(url: str, pool_size: int, socket_timeout: float | None) -> redis.Redis:
    """A client of `url` with at most `pool_size` connections (text answers)."""
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=pool_size, timeout=WAIT_FOR_CONNECTION, decode_responses=True,
        socket_timeout=socket_timeout, socket_connect_timeout=5)
    return redis.Redis(connection_pool=pool)
