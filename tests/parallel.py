"""What each pytest-xdist worker needs of its own: a database and a Redis database.

Nothing else that tests write is shared: a SQLite file lives in the worker's own temporary
folder, ports come from free_port and companies have unique slugs. But ids start at 1 in
every database, and Redis keys name companies and stations by id, so two workers on one
Redis database would read each other's live versions and station holders.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ...; "" without xdist


def worker_redis_url(url: str) -> str:
    """REDIS_URL for this worker: gw0 keeps its database number, gwN takes the Nth below
    (CI's 15 and 14; tests/ocpp/test_routing.py and test_live_across_workers.py use 13, 12)."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) - int(WORKER.removeprefix("gw") or 0)
    if number < 0:
        raise ValueError(f"REDIS_URL {url} leaves no Redis database for worker {WORKER}: "
                         "name a higher one (workers count down from it)")
    return urlunsplit(parts._replace(path=f"/{number}"))


def worker_database(url: URL) -> URL:
    """This worker's PostgreSQL database beside the one named (plugboard_test_gw1), created
    from the server's maintenance database when missing."""
    own = url.set(database=f"{url.database}_{WORKER}")
    with _maintenance(url) as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": own.database}):
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    return own


def drop_database(url: URL) -> None:
    with _maintenance(url) as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))


@contextmanager
def _maintenance(url: URL) -> Iterator[Connection]:
    """A connection to the server's 'postgres' database, outside any transaction."""
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
