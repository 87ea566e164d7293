"""The Statistics page's figures on 500 stations (1,000 outlets): a year of sessions and
40 days of status history (about 20 status notifications per outlet a day, connections and
station-wide statuses); each figure's time for the last 30 days, a bar a day and (the last
7 days) a bar an hour, and the whole page over HTTP.

    createdb -h 127.0.0.1 -U postgres plugboard_bench_statistics      # once
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/plugboard_bench_statistics
    PYTHONPATH=$PWD .venv/bin/python bench/statistics_figures.py [--stations 500]

`--year` times utilisation and availability on a copy of the database bench/year.py seeded
(a year of 500 stations): over the last 365 and 30 days from the events alone, then the
clock's rollup of every closed day (timed), then the same figures from the rollups.

    createdb -h 127.0.0.1 -U postgres -T plugboard_bench_year plugboard_bench_util
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/plugboard_bench_util \
        PYTHONPATH=$PWD .venv/bin/python bench/statistics_figures.py --year
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import delete, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Event, RollupProgress, User  # noqa: E402
from portal.models.base import utcnow  # noqa: E402
from portal.services import rollups, sites, stations, statistics  # noqa: E402
from portal.services.scope import SYSTEM  # noqa: E402
from portal.services.statistics import Bucket  # noqa: E402
from tenants import provisioning  # noqa: E402
from tenants.scoping import tenant_scope  # noqa: E402

ZONE = ZoneInfo("Europe/Amsterdam")
HISTORY_DAYS = 40
STATUSES_A_DAY = 20
CYCLE = ("Preparing", "Charging", "SuspendedEV", "Finishing", "Available")


def _events(tenant_id: int, outlets: list[tuple[int, int]],
            station_ids: list[int]) -> Iterator[dict[str, Any]]:
    """Status events per outlet in cycles, and a reconnection and a Faulted hour a day per
    station, over HISTORY_DAYS days up to now."""
    rng, now = random.Random(2), utcnow()
    start = now - timedelta(days=HISTORY_DAYS)
    for station_id, outlet_id in outlets:
        moments = sorted(start + timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400))
                         for _ in range(HISTORY_DAYS * STATUSES_A_DAY))
        for number, at in enumerate(moments):
            yield {"tenant_id": tenant_id, "station_id": station_id, "outlet_id": outlet_id,
                   "kind": "status", "message": "", "occurred_at": at,
                   "details": {"connectorId": 1, "status": CYCLE[number % len(CYCLE)]}}
    for station_id in station_ids:
        for day in range(HISTORY_DAYS):
            at = start + timedelta(days=day, hours=rng.uniform(0, 20))
            for offset, kind, details in ((0, "disconnected", {}), (0.1, "connected", {}),
                                          (1, "status", {"connectorId": 0,
                                                         "status": "Faulted"}),
                                          (2, "status", {"connectorId": 0,
                                                         "status": "Available"})):
                yield {"tenant_id": tenant_id, "station_id": station_id, "outlet_id": None,
                       "kind": kind, "message": "", "details": details,
                       "occurred_at": at + timedelta(hours=offset)}


def seed(url: str, station_count: int) -> Flask:
    app = harness.migrated_app(url)
    with app.app_context():
        tenant = provisioning.create_tenant(harness.SLUG, "Bench Co", harness.ADMIN,
                                            harness.PASSWORD)
        tenant.time_zone = ZONE.key
        with tenant_scope(tenant):
            site = sites.find_or_create(tenant, "Site 00")
            rows = [stations.add(tenant, f"CP{n:05}", site=site, connectors=2)
                    for n in range(station_count)]
            db.session.flush()
            outlets = [(row.id, outlet.id) for row in rows for outlet in row.outlets]
            harness.add_sessions(tenant.id, outlets, station_count * 5)
            batch = []
            for row in _events(tenant.id, outlets, [row.id for row in rows]):
                batch.append(row)
                if len(batch) == harness.BATCH:
                    db.session.execute(insert(Event), batch)
                    batch = []
            if batch:
                db.session.execute(insert(Event), batch)
            db.session.commit()
        harness.analyze()
    return app


def _time(figures: dict[str, Callable[[], Any]], runs: int) -> dict[str, Any]:
    """Print each figure's median and max time; return what each gave."""
    results = {}
    for name, figure in figures.items():
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            results[name] = figure()
            samples.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        print(f"{name:<36} median {median(samples):8.1f} ms  max {max(samples):8.1f} ms",
              flush=True)
    return results


def _year_figures(actor: User, now: datetime) -> dict[str, Callable[[], Any]]:
    today = now.astimezone(ZONE).date()
    figures: dict[str, Callable[[], Any]] = {}
    for days in (365, 30):
        span = statistics.period(today - timedelta(days - 1), today, Bucket.DAY, ZONE)
        figures[f"utilisation, {days} days"] = partial(statistics.utilisation, actor, SYSTEM,
                                                       span, now)
        figures[f"availability, {days} days"] = partial(statistics.availability, actor,
                                                        SYSTEM, span, now)
    return figures


def year(runs: int) -> None:
    """The --year figures: from the events, the rollup, from the rollups."""
    url = harness.database_url(empty=False)
    app = harness.migrated_app(url)
    with app.app_context():
        tenant = provisioning.find_by_slug(harness.SLUG)
        assert tenant is not None
        with tenant_scope(tenant):
            actor = db.session.scalar(select(User).where(User.email == harness.ADMIN))
            now = utcnow()
            db.session.execute(delete(RollupProgress))
            db.session.commit()
            print(f"{harness.backend(url)}, from the events alone:", flush=True)
            from_events = _time(_year_figures(actor, now), 1)
            began, clock_runs = time.perf_counter(), 0
            while True:
                started = time.perf_counter()
                days = rollups.roll_up(now)
                db.session.commit()
                clock_runs += 1
                print(f"  clock run {clock_runs}: {days} days in "
                      f"{time.perf_counter() - started:.1f} s", flush=True)
                if not days:
                    break
            print(f"rolled up in {time.perf_counter() - began:.0f} s; from the rollups:",
                  flush=True)
            from_rollups = _time(_year_figures(actor, now), runs)
            differ = [name for name in from_events if from_events[name] != from_rollups[name]]
            print(f"figures from the rollups as from the events: {differ or 'all the same'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seeded", action="store_true",
                        help="time the figures on the data of the last run, without seeding")
    parser.add_argument("--year", action="store_true",
                        help="utilisation and availability on a copy of bench/year.py's data")
    arguments = parser.parse_args()
    if arguments.year:
        year(arguments.runs)
        return
    if arguments.seeded:
        url = os.environ["DATABASE_URL"]
        app = harness.migrated_app(url)
    else:
        url = harness.database_url()
        begun = time.perf_counter()
        app = seed(url, arguments.stations)
        print(f"{harness.backend(url)}: seeded {arguments.stations} stations in "
              f"{time.perf_counter() - begun:.0f} s")
    with app.app_context():
        tenant = provisioning.find_by_slug(harness.SLUG)
        assert tenant is not None
        with tenant_scope(tenant):
            actor = db.session.scalar(select(User).where(User.email == harness.ADMIN))
            now = utcnow()
            today = now.astimezone(ZONE).date()
            month = statistics.period(today - timedelta(29), today, Bucket.DAY, ZONE)
            week = statistics.period(today - timedelta(6), today, Bucket.HOUR, ZONE)
            figures = {
                "energy, 30 days by day": lambda: statistics.energy(actor, SYSTEM, month),
                "energy, 7 days by hour": lambda: statistics.energy(actor, SYSTEM, week),
                "top stations, 30 days": lambda: statistics.top_stations(actor, SYSTEM, month),
                "utilisation, 30 days": lambda: statistics.utilisation(actor, SYSTEM, month,
                                                                       now),
                "availability, 30 days": lambda: statistics.availability(actor, SYSTEM, month,
                                                                         now),
            }
            _time(figures, arguments.runs)


if __name__ == "__main__":
    main()
