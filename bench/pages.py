"""How fast the pages are with a year of sessions: prints render times per page.

    .venv/bin/python bench/pages.py [--stations 50] [--sessions-per-day 300] [--runs 20]

Uses DATABASE_URL if set (a database whose name contains "bench"), else a temporary
SQLite file. Builds one company with a year of charging sessions and times each page
through the real app (in-process, no network), logged in as each role that sees it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask

from bench import harness
from portal.extensions import db
from portal.models import Role, Tag
from portal.services import sites, stations, users
from tenants import provisioning
from tenants.scoping import tenant_scope


def build(app: Flask, stations_count: int, per_day: int) -> int:
    """One site of two-outlet stations, 500 tags (the first a driver's); the session count."""
    with app.app_context():
        tenant = provisioning.create_tenant(harness.SLUG, "Bench Co", harness.ADMIN,
                                            harness.PASSWORD)
        with tenant_scope(tenant):
            site = sites.find_or_create(tenant, "Main")
            users.create(tenant, email="site@bench.example", password=harness.PASSWORD,
                         role=Role.SITE_ADMIN, site=site)
            driver = users.create(tenant, email="driver@bench.example",
                                  password=harness.PASSWORD, role=Role.EV_USER)
            rows = [stations.add(tenant, f"CP{n:04}", site=site, connectors=2)
                    for n in range(stations_count)]
            tags = [Tag(tenant_id=tenant.id, id_tag=f"TAG{n:05}",
                        owner=driver if n == 0 else None) for n in range(500)]
            db.session.add_all(tags)
            db.session.flush()
            count = harness.add_sessions(
                tenant.id, [(row.id, outlet.id) for row in rows for outlet in row.outlets],
                per_day, tags=[(tag.id, tag.id_tag) for tag in tags])
            db.session.commit()
        harness.analyze()
        return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--sessions-per-day", type=int, default=300)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    url = harness.database_url()
    app = harness.migrated_app(url)
    begin = time.perf_counter()
    count = build(app, args.stations, args.sessions_per_day)
    print(f"database: {harness.backend(url)}; built {args.stations} stations and "
          f"{count:,} sessions in {time.perf_counter() - begin:.1f} s")
    harness.settle_like_a_server()
    harness.header()
    for email, role, paths in [
        (harness.ADMIN, "admin", ["/dashboard", "/stations", "/stations/CP0001"]),
        ("site@bench.example", "site admin", ["/dashboard", "/stations"]),
        ("driver@bench.example", "EV user", ["/my/sessions", "/my/sessions?page=5"]),
    ]:
        client = harness.logged_in(app, email)
        for path in paths:
            harness.line(path, role, harness.time_page(client, path, args.runs))


if __name__ == "__main__":
    main()
