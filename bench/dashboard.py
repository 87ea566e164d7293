"""How fast the dashboard is for a large company: prints its render times per node and role.

    .venv/bin/python bench/dashboard.py [--stations 500] [--connectors 4]
        [--sessions-per-day 2000] [--runs 20]

Uses DATABASE_URL if set (a database whose name contains "bench"; it is emptied), else a
temporary SQLite file. One company in Europe/Amsterdam with five sites, a year of stopped
sessions and one open session per ten outlets; the product asks for under 300 ms on
PostgreSQL with 500 stations and 2,000 outlets.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import insert, make_url, text

from portal import config, create_app
from portal.extensions import db
from portal.models import ChargingSession, Role
from portal.models.base import utcnow
from portal.services import sites, stations, users
from tenants import provisioning
from tenants.scoping import tenant_scope
from tests.conftest import empty_database
from tests.portal_client import PortalClient

PASSWORD = "bench-pass-1"


def build(app, stations_count: int, connectors: int, per_day: int) -> tuple[int, int]:
    """The company; returns the number of sessions and the id of its first site."""
    with app.app_context():
        tenant = provisioning.create_tenant("bench", "Bench Co", "admin@bench.example", PASSWORD)
        tenant.time_zone = "Europe/Amsterdam"
        with tenant_scope(tenant):
            site_rows = [sites.find_or_create(tenant, f"Site {n}") for n in range(5)]
            users.create(tenant, email="site@bench.example", password=PASSWORD,
                         role=Role.SITE_ADMIN, site=site_rows[0])
            rows = [stations.add(tenant, f"CP{n:04}", site=site_rows[n % 5],
                                 connectors=connectors) for n in range(stations_count)]
            db.session.flush()
            outlets = [(row.id, outlet.id) for row in rows for outlet in row.outlets]
            rng = random.Random(1)
            now = utcnow()
            sessions = []
            for number in range(365 * per_day + len(outlets) // 10):
                station_id, outlet_id = rng.choice(outlets)
                is_open = number >= 365 * per_day
                started = now - timedelta(minutes=rng.uniform(5 if is_open else 100,
                                                              60 if is_open else 525_600))
                sessions.append({
                    "tenant_id": tenant.id, "transaction_id": number + 1,
                    "station_id": station_id, "outlet_id": outlet_id, "id_tag": "BENCH",
                    "started_at": started, "meter_start": 0,
                    "stopped_at": None if is_open else started + timedelta(minutes=90),
                    "meter_stop": None if is_open else rng.randint(1000, 40000),
                    "authorization_status": "Accepted", "needs_review": False,
                    "review_note": "",
                })
            for start in range(0, len(sessions), 10_000):
                db.session.execute(insert(ChargingSession), sessions[start:start + 10_000])
            db.session.commit()
            site_id = site_rows[0].id
        db.session.execute(text("ANALYZE"))  # as autovacuum would after a bulk load
        db.session.commit()
        return len(sessions), site_id


def timed(client: PortalClient, path: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return sorted(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--connectors", type=int, default=4)
    parser.add_argument("--sessions-per-day", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL")
    if url:
        url = config.load({"DATABASE_URL": url})["DATABASE_URL"]
        if "bench" not in (make_url(url).database or ""):
            sys.exit("DATABASE_URL must name a database containing 'bench': it is emptied")
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    empty_database(url)
    app = create_app({"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": config.engine_options(url),
                      "LOGIN_RATE_LIMIT": "1000 per minute"})
    with app.app_context():
        upgrade()
    begin = time.perf_counter()
    count, site_id = build(app, args.stations, args.connectors, args.sessions_per_day)
    print(f"database: {make_url(url).get_backend_name()}; built {args.stations} stations, "
          f"{args.stations * args.connectors} outlets and {count:,} sessions in "
          f"{time.perf_counter() - begin:.1f} s")
    print(f"{'page':<32}{'as':<12}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for email, role, paths in [
        ("admin@bench.example", "admin", ["/dashboard", f"/dashboard?node=site:{site_id}",
                                          "/dashboard?node=station:1"]),
        ("site@bench.example", "site admin", ["/dashboard"]),
    ]:
        client = PortalClient(app, "bench")
        client.login(email, PASSWORD)
        for path in paths:
            samples = timed(client, path, args.runs)
            p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
            print(f"{path:<32}{role:<12}{statistics.median(samples):>8.1f}{p95:>8.1f}"
                  f"{samples[-1]:>8.1f}")


if __name__ == "__main__":
    main()
