"""How fast the portal's pages are for a large company: prints median and p95 per page.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/plugboard_bench_pages \\
        .venv/bin/python bench/portal_pages.py [--sites 20] [--stations 500]
        [--sessions-per-day 1900] [--runs 30]

DATABASE_URL names a database whose name contains "bench" (it is emptied); without it, a
temporary SQLite file. Builds one company in Europe/Amsterdam with `--sites` sites of two
floors each (each with a floor map its stations are placed on), `--stations` stations of
4 outlets each (a third online, one faulted per site), an administrator and a site
administrator of the first site, a year of stopped sessions (`--sessions-per-day`: 1,900
makes about 700,000) and one open session per ten outlets, on outlets that show charging.
Then times each page through the real app (in-process, Flask's test client) as each
role: the dashboard and the stations list for the company and for one site, a light page
that is mostly the navigator (/account/password), the live colours both fresh (200) and
unchanged (304 with If-None-Match), the topology page and a floor map.
Target: under 300 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from ocpp.v16.enums import ChargePointStatus
from PIL import Image

from bench import harness
from portal.extensions import db
from portal.models import Floor, Role, Station
from portal.models.base import utcnow
from portal.services import floor_maps, sites, stations, users
from tenants import provisioning
from tenants.scoping import tenant_scope
from tests.portal_client import PortalClient

SITE_ADMIN = "site@bench.example"
OUTLETS = 4


def build(app: Flask, site_count: int, station_count: int, per_day: int,
          tag_count: int = 0) -> tuple[int, int, int]:
    """The company, through the services; statuses as stations would have sent them; then
    `tag_count` tags and the sessions in bulk (each with a random tag, if there are any).
    Returns the session count, the first site's id and its first floor's id."""
    with app.app_context():
        tenant = provisioning.create_tenant(harness.SLUG, "Bench Co", harness.ADMIN,
                                            harness.PASSWORD)
        tenant.time_zone = "Europe/Amsterdam"
        with tenant_scope(tenant):
            all_sites = [sites.find_or_create(tenant, f"Site {n:02}") for n in range(site_count)]
            floors = [Floor(tenant_id=tenant.id, site=site, name=f"Level {level}")
                      for site in all_sites for level in (0, 1)]
            db.session.add_all(floors)
            plan = floor_plan()
            for floor in floors:
                floor_maps.set_image(floor, plan)
            users.create(tenant, email=SITE_ADMIN, password=harness.PASSWORD,
                         role=Role.SITE_ADMIN, site=all_sites[0])
            now = utcnow()
            rows = []
            for n in range(station_count):
                site = all_sites[n % site_count]
                station = stations.add(tenant, f"CP{n:05}", site=site, connectors=OUTLETS,
                                       name=f"Bay {n}")
                station.floor = floors[(n % site_count) * 2 + n % 2]
                station.floor_x, station.floor_y = (n * 0.37) % 1, (n * 0.61) % 1
                if n % 3 == 0:
                    station.connected_at = now
                    for outlet in station.outlets:
                        outlet.status = ChargePointStatus.available
                    if n < site_count:
                        station.outlets[0].status = ChargePointStatus.faulted
                rows.append(station)
            db.session.flush()
            count = harness.add_sessions(
                tenant.id, [(row.id, outlet.id) for row in rows for outlet in row.outlets],
                per_day, open_on=charging(rows, station_count * OUTLETS // 10),
                tags=harness.add_tags(tenant.id, tag_count))
            db.session.commit()
            first_site, first_floor = all_sites[0].id, floors[0].id
        harness.analyze()
        return count, first_site, first_floor


def floor_plan() -> bytes:
    """A small PNG, enough for the floor map page (the image itself is served apart)."""
    content = io.BytesIO()
    Image.new("RGB", (800, 500), "white").save(content, "PNG")
    return content.getvalue()


def charging(rows: list[Station], count: int) -> list[tuple[int, int]]:
    """`count` available outlets of online stations, spread over them, now charging: the
    outlets of the open sessions (station id, outlet id)."""
    available = [(row, outlet) for row in rows for outlet in row.outlets
                 if outlet.status == ChargePointStatus.available]
    chosen = available[::max(1, len(available) // count)][:count]
    for _, outlet in chosen:
        outlet.status = ChargePointStatus.charging
    return [(row.id, outlet.id) for row, outlet in chosen]


def report(client: PortalClient, role: str, site_id: int, floor_id: int,
           runs: int) -> None:
    for path in ("/dashboard", f"/dashboard?node=site:{site_id}", "/stations",
                 f"/stations?node=site:{site_id}", "/account/password", "/live/lights",
                 "/topology", f"/floors/{floor_id}"):
        harness.line(path, role, harness.time_page(client, path, runs))
    etag = client.get("/live/lights").headers["ETag"]
    harness.line("/live/lights (304)", role, harness.time_page(
        client, "/live/lights", runs, 304, headers={"If-None-Match": etag}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--sessions-per-day", type=int, default=1900)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    url = harness.database_url()
    app = harness.migrated_app(url)
    begin = time.perf_counter()
    count, site_id, floor_id = build(app, args.sites, args.stations, args.sessions_per_day)
    print(f"database: {harness.backend(url)}; built {args.sites} sites, {args.stations} "
          f"stations, {args.stations * OUTLETS} outlets, {count:,} sessions in "
          f"{time.perf_counter() - begin:.1f} s")
    harness.settle_like_a_server()
    harness.header()
    for email, role in ((harness.ADMIN, "admin"), (SITE_ADMIN, "site admin")):
        report(harness.logged_in(app, email), role, site_id, floor_id, args.runs)


if __name__ == "__main__":
    main()
