"""How fast the pages with the navigator are for a large company: prints median and p95.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/plugboard_bench \\
        .venv/bin/python bench/portal_pages.py [--sites 20] [--stations 500] [--runs 30]

DATABASE_URL names a database whose name contains "bench" (it is emptied); without it, a
temporary SQLite file. Builds one company with `--sites` sites of two floors each,
`--stations` stations of 4 outlets each (a third online, some charging, one faulted per
site), an administrator and a site administrator of the first site, then times each page
through the real app (in-process, Flask's test client): the dashboard, the stations list,
a light page that is mostly the navigator (/account/password), and the live colours both
fresh (200) and unchanged (304 with If-None-Match). Target: under 300 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask_migrate import upgrade
from ocpp.v16.enums import ChargePointStatus
from sqlalchemy import make_url, text

from portal import config, create_app
from portal.extensions import db
from portal.models import Floor, Role
from portal.models.base import utcnow
from portal.services import sites, stations, users
from tenants import provisioning
from tenants.scoping import tenant_scope
from tests.conftest import empty_database
from tests.portal_client import PortalClient

PASSWORD = "bench-pass-1"
ADMIN, SITE_ADMIN = "admin@bench.example", "site@bench.example"
OUTLETS = 4


def build(app: Flask, site_count: int, station_count: int) -> None:
    """The company, through the services; then statuses as stations would have sent them."""
    with app.app_context():
        tenant = provisioning.create_tenant("bench", "Bench Co", ADMIN, PASSWORD)
        with tenant_scope(tenant):
            all_sites = [sites.find_or_create(tenant, f"Site {n:02}") for n in range(site_count)]
            floors = [Floor(tenant_id=tenant.id, site=site, name=f"Level {level}")
                      for site in all_sites for level in (0, 1)]
            db.session.add_all(floors)
            users.create(tenant, email=SITE_ADMIN, password=PASSWORD, role=Role.SITE_ADMIN,
                         site=all_sites[0])
            now = utcnow()
            for n in range(station_count):
                site = all_sites[n % site_count]
                station = stations.add(tenant, f"CP{n:05}", site=site, connectors=OUTLETS,
                                       name=f"Bay {n}")
                station.floor = floors[(n % site_count) * 2 + n % 2]
                if n % 3 == 0:
                    station.connected_at = now
                    station.outlets[0].status = (ChargePointStatus.faulted if n < site_count
                                                 else ChargePointStatus.charging)
                    for outlet in station.outlets[1:]:
                        outlet.status = ChargePointStatus.available
            db.session.commit()
        # Planner statistics, as PostgreSQL's autovacuum keeps them after a bulk load.
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def timed(request: Callable[[], int], expected: int, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        status = request()
        samples.append((time.perf_counter() - begin) * 1000)
        assert status == expected, (status, expected)
    return sorted(samples)


def report(client: PortalClient, role: str, runs: int) -> None:
    for path in ("/dashboard", "/stations", "/account/password", "/live/lights"):
        samples = timed(lambda path=path: client.get(path).status_code, 200, runs)
        line(path, role, samples)
    etag = client.get("/live/lights").headers["ETag"]
    samples = timed(lambda: client.get("/live/lights", headers={"If-None-Match": etag})
                    .status_code, 304, runs)
    line("/live/lights (304)", role, samples)


def line(path: str, role: str, samples: list[float]) -> None:
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{path:<22}{role:<12}{statistics.median(samples):>8.1f}{p95:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
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
    build(app, args.sites, args.stations)
    print(f"database: {make_url(url).get_backend_name()}; built {args.sites} sites, "
          f"{args.stations} stations, {args.stations * OUTLETS} outlets in "
          f"{time.perf_counter() - begin:.1f} s")
    # Collections as in the servers (wsgi.py): what start-up made is frozen out of them.
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    print(f"{'page':<22}{'as':<12}{'p50 ms':>8}{'p95 ms':>8}")
    for email, role in ((ADMIN, "admin"), (SITE_ADMIN, "site admin")):
        client = PortalClient(app, "bench")
        client.login(email, PASSWORD)
        report(client, role, args.runs)


if __name__ == "__main__":
    main()
