"""Whether this process can serve: the database and Redis answer within a short time-out.

Each check opens a connection of its own rather than taking one from the pools: a worker
whose pool is busy with a storm of stations is still ready, and a check never waits
behind the pages and stations for its turn.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)


def down(database_url: str, redis_url: str, timeout: int) -> list[str]:
    """What does not answer within `timeout` seconds: "database", "redis" (when used)."""
    failed = []
    try:
        with _database(database_url, timeout).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("not ready: the database does not answer: %s", error)
        failed.append("database")
    if redis_url:
        try:
            _redis(redis_url, timeout).ping()
        except redis.RedisError as error:
            log.warning("not ready: Redis does not answer: %s", error)
            failed.append("redis")
    return failed


@lru_cache(maxsize=4)
def _database(url: str, timeout: int) -> Engine:
    if url.startswith("sqlite"):
        connect_args = {"timeout": timeout}
    else:
        # libpq waits at least 2 s for a connection; the query, the time-out.
        connect_args = {"connect_timeout": max(2, timeout),
                        "options": f"-c statement_timeout={timeout * 1000}"}
    return create_engine(url, poolclass=NullPool, connect_args=connect_args)


@lru_cache(maxsize=4)
def _redis(url: str, timeout: int) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
