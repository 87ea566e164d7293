"""What the page benchmarks share: the bench database, the app, a year of sessions, timing.

The database comes from DATABASE_URL, whose name must contain "bench" since it is emptied,
else a temporary SQLite file. Pages are timed through the real app in-process (Flask's
test client, no network), after the garbage collector is set up as the servers set it
(wsgi.py), so that the figures are those a worker would give.
"""

from __future__ import annotations

import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import insert, make_url, text

from portal import config, create_app
from portal.extensions import db
from portal.models import ChargingSession, Tag
from portal.models.base import utcnow
from portal.services import session_days
from tests.conftest import empty_database
from tests.portal_client import PortalClient

PASSWORD = "bench-pass-1"
SLUG = "bench"
ADMIN = "admin@bench.example"
BATCH = 10_000
MINUTES_A_YEAR = 365 * 24 * 60


def database_url(empty: bool = True) -> str:
    """DATABASE_URL (refused unless its name says "bench") or a new SQLite file; emptied
    unless `empty` is False (a database seeded by an earlier run, timed again)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        url = config.load({"DATABASE_URL": url})["DATABASE_URL"]
        if "bench" not in (make_url(url).database or ""):
            sys.exit("DATABASE_URL must name a database containing 'bench': it is emptied")
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    if empty:
        empty_database(url)
    return url


def migrated_app(url: str) -> Flask:
    """The portal on `url`, migrated from nothing; logins unthrottled for the runs."""
    app = create_app({"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": config.engine_options(url),
                      "LOGIN_RATE_LIMIT": "1000 per minute"})
    with app.app_context():
        upgrade()
    return app


def backend(url: str) -> str:
    return make_url(url).get_backend_name()


def add_tags(tenant_id: int, count: int) -> list[tuple[int, str]]:
    """`count` tags TAG00000...; (id, idTag) of each, for add_sessions."""
    tags = [Tag(tenant_id=tenant_id, id_tag=f"TAG{n:05}") for n in range(count)]
    db.session.add_all(tags)
    db.session.flush()
    return [(tag.id, tag.id_tag) for tag in tags]


def add_sessions(tenant_id: int, outlets: Sequence[tuple[int, int]], per_day: int,
                 open_on: Sequence[tuple[int, int]] = (),
                 tags: Sequence[tuple[int, str]] = ()) -> int:
    """A year of stopped sessions on random `outlets` (station id, outlet id), `per_day` a
    day, plus one open session on each of `open_on`; bulk inserts, as the services would
    take hours. With `tags` (id, idTag) each session has a random one, else idTag BENCH.
    The summary of sessions per station and day is counted again after them. Returns how
    many sessions there are."""
    rng = random.Random(1)
    now = utcnow()
    stopped = 365 * per_day

    def rows() -> Iterator[dict[str, object]]:
        for number in range(stopped + len(open_on)):
            is_open = number >= stopped
            station_id, outlet_id = open_on[number - stopped] if is_open else rng.choice(outlets)
            tag_id, id_tag = rng.choice(tags) if tags else (None, "BENCH")
            started = now - timedelta(minutes=rng.uniform(5, 60) if is_open
                                      else rng.uniform(100, MINUTES_A_YEAR))
            energy = None if is_open else rng.randint(1000, 40000)
            yield {"tenant_id": tenant_id, "transaction_id": number + 1,
                   "station_id": station_id, "outlet_id": outlet_id, "id_tag": id_tag,
                   "tag_id": tag_id, "started_at": started, "meter_start": 0,
                   "stopped_at": None if is_open else started + timedelta(minutes=90),
                   "meter_stop": energy, "energy_wh": energy,
                   "authorization_status": "Accepted", "needs_review": False,
                   "review_note": ""}

    batch: list[dict[str, object]] = []
    for row in rows():
        batch.append(row)
        if len(batch) == BATCH:
            db.session.execute(insert(ChargingSession), batch)
            batch = []
    if batch:
        db.session.execute(insert(ChargingSession), batch)
    session_days.rebuild(db.session.connection(), tenant_id)  # Core inserts: no listener
    return stopped + len(open_on)


def bulk_insert(model: type[Any], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Rows of `model` (values in the order of `columns`) in bulk, on the session's
    connection: COPY on PostgreSQL (millions of meter values in a minute or two, where
    INSERTs take ten times longer), batched INSERTs elsewhere. Returns how many."""
    connection = db.session.connection()
    count = 0
    if connection.dialect.name == "postgresql":
        names = ", ".join(columns)
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
                f"COPY {model.__tablename__} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row])
                count += 1
        return count
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) == BATCH:
            db.session.execute(insert(model), batch)
            count, batch = count + len(batch), []
    if batch:
        db.session.execute(insert(model), batch)
    return count + len(batch)


def analyze() -> None:
    """Planner statistics, as PostgreSQL's autovacuum keeps them after a bulk load; on SQLite
    the bulk load is also moved from the write-ahead log into the database, as a checkpoint
    would in time (read through gigabytes of log, a page takes seconds longer)."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    if db.session.connection().dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()


def settle_like_a_server() -> None:
    """Collections as in the servers (wsgi.py): what start-up made is frozen out of them."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def logged_in(app: Flask, email: str) -> PortalClient:
    client = PortalClient(app, SLUG)
    client.login(email, PASSWORD)
    return client


def timed(request: Callable[[], int], expected: int, runs: int) -> list[float]:
    """Milliseconds of `runs` calls of `request` (which returns the HTTP status), sorted."""
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        status = request()
        samples.append((time.perf_counter() - begin) * 1000)
        assert status == expected, (status, expected)
    return sorted(samples)


def time_page(client: PortalClient, path: str, runs: int, expected: int = 200,
              **kwargs: object) -> list[float]:
    return timed(lambda: client.get(path, **kwargs).status_code, expected, runs)


PAGE_WIDTH = 34


def header() -> None:
    print(f"{'page':<{PAGE_WIDTH}}{'as':<12}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")


def line(page: str, role: str, samples: list[float]) -> None:
    """One row of the table: median, 95th percentile and slowest of sorted `samples`."""
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{page:<{PAGE_WIDTH}}{role:<12}{statistics.median(samples):>8.1f}{p95:>8.1f}"
          f"{samples[-1]:>8.1f}", flush=True)
