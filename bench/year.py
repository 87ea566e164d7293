"""A year of a large company's charging: how fast the sessions, detail, dashboard, review,
message log and Statistics pages answer. Prints the data's size and p50 / p95 / max per
page and role.

    createdb -h 127.0.0.1 -U postgres plugboard_bench_year      # once
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/plugboard_bench_year
    PYTHONPATH=$PWD .venv/bin/python bench/year.py [--sessions-per-day 2740] [--samples 4]
        [--message-days 7] [--runs 20]

DATABASE_URL names a database whose name contains "bench" (it is emptied); without it, a
temporary SQLite file. The company is portal_pages.py's (20 sites, 500 stations of 4
outlets, a site administrator of the first site) with 2,000 tags and a year of sessions
(`--sessions-per-day` 2,740: about a million). Then, in bulk (COPY on PostgreSQL):

- meter values: `--samples` Energy.Active.Import.Register readings per session from its
  start to its stop (to now while open), each with a Power.Active.Import sample;
- the status history: Preparing, Charging, Finishing, Available events ("status", details
  {connectorId, status, errorCode}) around each session, and each station disconnecting
  and connecting again four times a month;
- the OCPP frames (CALL and CALLRESULT) of the sessions of the last `--message-days` days;
- one stopped session in 500 closed by the portal (needs_review), one in 1,000 without
  energy (anomaly "no_energy"): the review queue;
- the summary of sessions per station and day, counted again after the bulk writes.

`/statistics` is timed over the last 365 days, a bar a month and a bar a day.

Target (issue 13): under 300 ms on PostgreSQL, under 1 s on SQLite.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import func, select, text

from bench import harness, portal_pages
from portal.extensions import db
from portal.models import (
    ChargingSession,
    Event,
    MeterValue,
    OcppMessage,
    Outlet,
    Station,
    Tenant,
)
from portal.models.base import utcnow
from portal.models.charging_session import ENERGY_REGISTER
from portal.models.log import Direction
from portal.services import session_days
from tenants.scoping import tenant_scope

POWER = "Power.Active.Import"
CHUNK = 50_000  # sessions read back at a time to write their samples and events
DISCONNECTS_A_YEAR = 48
PAGE_SIZE = 50  # portal.services.session_table.PAGE_SIZE
# The Statistics page over the last 365 days (today included), a bar a month and a day.
STATISTICS = "/statistics?first={first}&last={last}&bucket={bucket}"

MV_COLUMNS = ("tenant_id", "station_id", "outlet_id", "charging_session_id", "sampled_at",
              "value", "numeric_value", "measurand", "unit", "context")
EVENT_COLUMNS = ("tenant_id", "station_id", "outlet_id", "kind", "message", "details",
                 "occurred_at")
FRAME_COLUMNS = ("tenant_id", "station_id", "charge_box_id", "direction", "message_type",
                 "unique_id", "action", "frame", "logged_at")


class Seeder:
    """The samples, status history and frames of every session of tenant `tenant_id`."""

    def __init__(self, tenant_id: int, samples: int, message_days: int) -> None:
        self.tenant_id, self.samples = tenant_id, samples
        self.now = utcnow()
        self.frames_since = self.now - timedelta(days=message_days)
        self.connectors = dict(db.session.execute(select(Outlet.id, Outlet.connector_id)).all())
        self.charge_box_ids = dict(db.session.execute(
            select(Station.id, Station.charge_box_id)).all())

    def seed(self) -> None:
        last = db.session.scalar(select(func.max(ChargingSession.id))) or 0
        for low in range(0, last + 1, CHUNK):
            sessions = db.session.execute(
                select(ChargingSession.id, ChargingSession.transaction_id,
                       ChargingSession.station_id, ChargingSession.outlet_id,
                       ChargingSession.id_tag, ChargingSession.started_at,
                       ChargingSession.stopped_at, ChargingSession.meter_start,
                       ChargingSession.energy_wh)
                .where(ChargingSession.id >= low, ChargingSession.id < low + CHUNK)).all()
            harness.bulk_insert(MeterValue, MV_COLUMNS,
                                (v for s in sessions for v in self.meter_values(s)))
            harness.bulk_insert(Event, EVENT_COLUMNS,
                                (e for s in sessions for e in self.statuses(s)))
            harness.bulk_insert(OcppMessage, FRAME_COLUMNS,
                                (f for s in sessions for f in self.frames(s)))
        harness.bulk_insert(Event, EVENT_COLUMNS, self.connections())

    def readings(self, s: Any) -> list[tuple[datetime, int, int]]:
        """(time, register Wh, power W) of the session's samples, evenly from start to end."""
        end = s.stopped_at or self.now
        energy = s.energy_wh if s.energy_wh is not None else 7_000
        hours = max((end - s.started_at).total_seconds() / 3600, 1 / 60)
        steps = max(self.samples - 1, 1)
        return [(s.started_at + (end - s.started_at) * n / steps,
                 s.meter_start + energy * n // steps, round(energy / hours))
                for n in range(self.samples)]

    def meter_values(self, s: Any) -> Iterator[tuple[Any, ...]]:
        for n, (at, wh, watts) in enumerate(self.readings(s)):
            context = ("Transaction.Begin" if n == 0 else "Transaction.End"
                       if n == self.samples - 1 and s.stopped_at else "Sample.Periodic")
            for measurand, value, unit in ((ENERGY_REGISTER, wh, "Wh"), (POWER, watts, "W")):
                yield (self.tenant_id, s.station_id, s.outlet_id, s.id, at, str(value),
                       Decimal(value), measurand, unit, context)

    def statuses(self, s: Any) -> Iterator[tuple[Any, ...]]:
        connector = self.connectors[s.outlet_id]
        steps = [("Preparing", s.started_at - timedelta(minutes=1)), ("Charging", s.started_at)]
        if s.stopped_at:
            steps += [("Finishing", s.stopped_at),
                      ("Available", s.stopped_at + timedelta(minutes=2))]
        for status, at in steps:
            yield (self.tenant_id, s.station_id, s.outlet_id, "status",
                   f"Connector {connector}: {status} (NoError)",
                   {"connectorId": connector, "status": status, "errorCode": "NoError",
                    "info": "", "vendorId": "", "vendorErrorCode": ""}, at)

    def connections(self) -> Iterator[tuple[Any, ...]]:
        """Each station drops its connection and is back a minute later, 4 times a month."""
        for station_id in self.charge_box_ids:
            for n in range(DISCONNECTS_A_YEAR):
                gone = self.now - timedelta(days=365 * (n + station_id % 97 / 97)
                                            / DISCONNECTS_A_YEAR)
                yield (self.tenant_id, station_id, None, "disconnected", "Connection lost.",
                       {}, gone)
                yield (self.tenant_id, station_id, None, "connected",
                       "Connected from 203.0.113.7.", {}, gone + timedelta(minutes=1))

    def frames(self, s: Any) -> Iterator[tuple[Any, ...]]:
        """StartTransaction, MeterValues and StopTransaction with their answers, as logged."""
        if s.started_at < self.frames_since:
            return
        readings = self.readings(s)
        connector, tx = self.connectors[s.outlet_id], s.transaction_id
        calls: list[tuple[str, datetime, dict[str, Any], dict[str, Any]]] = [(
            "StartTransaction", s.started_at,
            {"connectorId": connector, "idTag": s.id_tag, "meterStart": s.meter_start,
             "timestamp": s.started_at.isoformat()},
            {"transactionId": tx, "idTagInfo": {"status": "Accepted"}})]
        for at, wh, watts in readings[1:-1] if s.stopped_at else readings[1:]:
            calls.append(("MeterValues", at, {"connectorId": connector, "transactionId": tx,
                          "meterValue": [{"timestamp": at.isoformat(), "sampledValue": [
                              {"value": str(wh)}, {"value": str(watts), "measurand": POWER,
                                                   "unit": "W"}]}]}, {}))
        if s.stopped_at:
            calls.append(("StopTransaction", s.stopped_at,
                          {"transactionId": tx, "meterStop": readings[-1][1],
                           "timestamp": s.stopped_at.isoformat()},
                          {"idTagInfo": {"status": "Accepted"}}))
        box = self.charge_box_ids[s.station_id]
        for n, (action, at, payload, answer) in enumerate(calls):
            unique = f"{s.id}-{n}"
            yield (self.tenant_id, s.station_id, box, Direction.FROM_STATION.value, 2, unique,
                   action, json.dumps([2, unique, action, payload]), at)
            yield (self.tenant_id, s.station_id, box, Direction.TO_STATION.value, 3, unique,
                   action, json.dumps([3, unique, answer]), at + timedelta(milliseconds=40))


def the_company() -> Tenant:
    return db.session.scalars(select(Tenant).where(Tenant.slug == harness.SLUG)).one()


def under_review(tenant_id: int) -> None:
    """Sessions for the review queue: closed by the portal, and without energy (in SQL:
    the summary of sessions per day is counted again after)."""
    db.session.execute(text(
        "UPDATE charging_session SET needs_review = true, review_note = "
        "'Closed by the portal: the station rebooted.' "
        "WHERE id % 500 = 0 AND stopped_at IS NOT NULL"))
    db.session.execute(text(
        "UPDATE charging_session SET anomaly = 'no_energy', energy_wh = 0, "
        "meter_stop = meter_start WHERE id % 1000 = 7 AND stopped_at IS NOT NULL"))
    session_days.rebuild(db.session.connection(), tenant_id)


def newest(query: Any, site_id: int | None, offset: int = 0) -> int:
    """The id of the `offset`-th session (newest first, as the sessions page sorts) of the
    query, on the site if given."""
    if site_id is not None:
        query = query.join(Station, ChargingSession.station_id == Station.id).where(
            Station.site_id == site_id)
    return db.session.scalar(query.order_by(ChargingSession.started_at.desc(),
                                            ChargingSession.id.desc()).offset(offset).limit(1))


def pages(app: Flask, site_id: int) -> list[tuple[str, str, str]]:
    """(label, path, role) of each timed page; the site administrator sees the
    first site only, so page 500 and the detail are chosen among its sessions."""
    with app.app_context(), tenant_scope(the_company()):
        after = {scope: newest(select(ChargingSession.id), scope, 499 * PAGE_SIZE - 1)
                 for scope in (None, site_id)}
        shown = newest(select(ChargingSession.id).where(ChargingSession.stopped_at.is_not(None)),
                       site_id)
        today = utcnow().astimezone(ZoneInfo(the_company().time_zone)).date()
    year = {"first": today - timedelta(days=364), "last": today}
    rows: list[tuple[str, str, str]] = []
    for role, scope in (("admin", None), ("site admin", site_id)):
        rows += [
            ("/sessions", "/sessions", role),
            ("/sessions filtered", f"/sessions?node=site:{site_id}&energy_from=10"
                                   f"&energy_to=20&tag=TAG00042", role),
            ("/sessions page 500", f"/sessions?after={after[scope]}", role),
            ("/sessions/<id>", f"/sessions/{shown}", role),
            ("/dashboard", "/dashboard", role),
            ("/sessions/review", "/sessions/review", role),
            ("/messages", "/messages", role),
            ("/statistics year/month", STATISTICS.format(**year, bucket="month"), role),
            ("/statistics year/day", STATISTICS.format(**year, bucket="day"), role),
        ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--tags", type=int, default=2000)
    parser.add_argument("--sessions-per-day", type=int, default=2740)
    parser.add_argument("--samples", type=int, default=4,
                        help="energy register readings per session (each with a power one)")
    parser.add_argument("--message-days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true",
                        help="time the DATABASE_URL an earlier run seeded (migrated first)")
    args = parser.parse_args()

    url = harness.database_url(empty=not args.reuse)
    app = harness.migrated_app(url)
    begin = time.perf_counter()
    if not args.reuse:
        portal_pages.build(app, args.sites, args.stations, args.sessions_per_day, args.tags)
        with app.app_context(), tenant_scope(the_company()) as tenant:
            under_review(tenant.id)
            Seeder(tenant.id, args.samples, args.message_days).seed()
            db.session.commit()
    with app.app_context():
        harness.analyze()
        counts = {model.__tablename__: db.session.scalar(
            select(func.count()).select_from(model).execution_options(all_tenants=True))
            for model in (Station, ChargingSession, MeterValue, Event, OcppMessage)}
        site_id = db.session.scalar(select(func.min(Station.site_id))
                                    .execution_options(all_tenants=True))
    print(f"database: {harness.backend(url)}; "
          + ", ".join(f"{n:,} {table}" for table, n in counts.items())
          + ("" if args.reuse else f"; built in {time.perf_counter() - begin:.0f} s"),
          flush=True)

    timed = pages(app, site_id)
    harness.settle_like_a_server()
    harness.header()
    clients = {"admin": harness.logged_in(app, harness.ADMIN),
               "site admin": harness.logged_in(app, portal_pages.SITE_ADMIN)}
    for label, path, role in timed:
        harness.line(label, role, harness.time_page(clients[role], path, args.runs))


if __name__ == "__main__":
    main()
