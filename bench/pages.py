"""How fast the pages are with a year of sessions: prints render times per page.

    .venv/bin/python bench/pages.py [--stations 50] [--sessions-per-day 300] [--runs 20]

Uses DATABASE_URL if set (a database whose name contains "bench"), else a temporary
SQLite file. Builds one company with a year of charging sessions and times each page
through the real app (in-process, no network), logged in as each role that sees it.
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
from portal.models import ChargingSession, Role, Tag
from portal.models.base import utcnow
from portal.services import sites, stations, users
from tenants import provisioning
from tenants.scoping import tenant_scope
from tests.conftest import empty_database
from tests.portal_client import PortalClient

PASSWORD = "bench-pass-1"


def build(app, stations_count: int, per_day: int) -> int:
    with app.app_context():
        tenant = provisioning.create_tenant("bench", "Bench Co", "admin@bench.example", PASSWORD)
        with tenant_scope(tenant):
            site = sites.find_or_create(tenant, "Main")
            users.create(tenant, email="site@bench.example", password=PASSWORD,
                         role=Role.SITE_ADMIN, site=site)
            driver = users.create(tenant, email="driver@bench.example", password=PASSWORD,
                                  role=Role.EV_USER)
            rows = [stations.add(tenant, f"CP{n:04}", site=site, connectors=2)
                    for n in range(stations_count)]
            tags = [Tag(tenant_id=tenant.id, id_tag=f"TAG{n:05}",
                        owner=driver if n == 0 else None) for n in range(500)]
            db.session.add_all(tags)
            db.session.flush()
            rng = random.Random(1)
            now = utcnow()
            sessions = []
            for number in range(365 * per_day):
                station = rng.choice(rows)
                tag = rng.choice(tags)
                started = now - timedelta(minutes=rng.uniform(30, 365 * 24 * 60))
                sessions.append({
                    "tenant_id": tenant.id, "transaction_id": number + 1,
                    "station_id": station.id, "outlet_id": station.outlets[number % 2].id,
                    "id_tag": tag.id_tag, "tag_id": tag.id, "started_at": started,
                    "stopped_at": started + timedelta(minutes=90), "meter_start": 0,
                    "meter_stop": rng.randint(1000, 40000), "authorization_status": "Accepted",
                    "needs_review": False, "review_note": "",
                })
            for start in range(0, len(sessions), 10_000):
                db.session.execute(insert(ChargingSession), sessions[start:start + 10_000])
            db.session.commit()
        # Planner statistics, as PostgreSQL's autovacuum keeps them after a bulk load.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return len(sessions)


def timed(client: PortalClient, path: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--sessions-per-day", type=int, default=300)
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
    count = build(app, args.stations, args.sessions_per_day)
    print(f"database: {make_url(url).get_backend_name()}; built {args.stations} stations and "
          f"{count:,} sessions in {time.perf_counter() - begin:.1f} s")
    print(f"{'page':<22}{'as':<12}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for email, role, paths in [
        ("admin@bench.example", "admin", ["/dashboard", "/stations", "/stations/CP0001"]),
        ("site@bench.example", "site admin", ["/dashboard", "/stations"]),
        ("driver@bench.example", "EV user", ["/my/sessions", "/my/sessions?page=5"]),
    ]:
        client = PortalClient(app, "bench")
        client.login(email, PASSWORD)
        for path in paths:
            samples = sorted(timed(client, path, args.runs))
            p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
            print(f"{path:<22}{role:<12}{statistics.median(samples):>8.1f}{p95:>8.1f}"
                  f"{samples[-1]:>8.1f}")


if __name__ == "__main__":
    main()
