"""The summary of sessions per station and local day, and its months, stay exact through
every change a session goes through, and the totals read from them are those of every
session, to the Wh."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession, Role, SessionDay, SessionMonth, Station, User
from portal.services import (
    charging_sessions,
    company,
    session_review,
    session_summary,
    session_table,
    sites,
    statistics,
)
from portal.services import stations as station_service
from portal.services.scope import SYSTEM, Node, NodeKind
from portal.services.session_table import Range, SessionFilter
from portal.services.statistics import Bucket
from tests.factories import Company, World
from tests.scene import company_scope, station
from tests.session_scene import add_session

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DST = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # clocks go from 02:00 to 03:00 in Amsterdam


def summary() -> dict[tuple[int, date], tuple[int, int]]:
    """The company's summary rows, (station id, day) -> (sessions, Wh), empty ones left out."""
    return {(row.station_id, row.day): (row.sessions, row.energy_wh)
            for row in db.session.scalars(select(SessionDay)) if row.sessions or row.energy_wh}


def counted(zone: ZoneInfo) -> dict[tuple[int, date], tuple[int, int]]:
    """What the summary must hold: the company's sessions counted one by one."""
    sessions: Counter[tuple[int, date]] = Counter()
    energy: Counter[tuple[int, date]] = Counter()
    for row in db.session.scalars(select(ChargingSession)):
        key = (row.station_id, row.started_at.astimezone(zone).date())
        sessions[key] += 1
        energy[key] += row.energy_wh or 0
    return {key: (sessions[key], energy[key]) for key in sessions}


def months() -> dict[tuple[int, date], tuple[int, int]]:
    """The company's month rows, (station id, first day) -> (sessions, Wh), empty ones left
    out."""
    return {(row.station_id, row.month): (row.sessions, row.energy_wh)
            for row in db.session.scalars(select(SessionMonth)) if row.sessions or row.energy_wh}


def by_month(days: dict[tuple[int, date], tuple[int, int]]
             ) -> dict[tuple[int, date], tuple[int, int]]:
    """Days added up by their month."""
    sessions: Counter[tuple[int, date]] = Counter()
    energy: Counter[tuple[int, date]] = Counter()
    for (station_id, day), (count, wh) in days.items():
        sessions[station_id, day.replace(day=1)] += count
        energy[station_id, day.replace(day=1)] += wh
    return {key: (sessions[key], energy[key]) for key in sessions if sessions[key] or energy[key]}


def _summary_is_exact(app: Flask, company_: Company) -> None:
    with company_scope(app, company_) as tenant:
        expected = counted(ZoneInfo(tenant.time_zone))
        assert summary() == expected
        assert months() == by_month(expected)


def test_every_change_of_a_session_moves_its_day(app: Flask, world: World) -> None:
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = "Europe/Amsterdam"
    with company_scope(app, world.a):
        cp = station(world.a.station_site1)
        # 23:30 in Amsterdam: the next UTC day would be the wrong one
        late = add_session(cp, 1, datetime(2026, 3, 9, 22, 30, tzinfo=UTC), None, 1000, None)
        other = add_session(cp, 2, datetime(2026, 3, 9, 10, 0, tzinfo=UTC), 30, 0, 700)
        forgotten = add_session(cp, 2, datetime(2026, 3, 9, 12, 0, tzinfo=UTC), None, 0, None)
        cp_id, late_id, other_id = cp.id, late.transaction_id, other.transaction_id
        forgotten_id = forgotten.transaction_id
    _summary_is_exact(app, world.a)
    with company_scope(app, world.a):
        assert summary()[cp_id, date(2026, 3, 9)] == (3, 700)
        assert (cp_id, date(2026, 3, 10)) not in summary()

    # A late StopTransaction for that old day, then the same one again (replayed).
    with company_scope(app, world.a):
        stop_at = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
        charging_sessions.stop(station(world.a.station_site1), late_id, 6000, stop_at)
    with company_scope(app, world.a):
        charging_sessions.stop(station(world.a.station_site1), late_id, 9999, stop_at)
    with company_scope(app, world.a):
        assert summary()[cp_id, date(2026, 3, 9)] == (3, 700 + 5000)
    _summary_is_exact(app, world.a)

    # Closed for review by the portal, then corrected by a person.
    with company_scope(app, world.a):
        session = charging_sessions.find(station(world.a.station_site1), forgotten_id)
        charging_sessions.close_for_review(session, session.started_at + timedelta(hours=1),
                                           "Lost.")
    with company_scope(app, world.a):
        reviewer = db.session.scalar(select(User).where(User.email == world.a.email(Role.ADMIN)))
        session = charging_sessions.find(station(world.a.station_site1), forgotten_id)
        session_review.correct(session, session.started_at + timedelta(hours=1), 2500,
                               reviewer, datetime(2027, 1, 1, tzinfo=UTC))
    with company_scope(app, world.a):
        assert summary()[cp_id, date(2026, 3, 9)] == (3, 700 + 5000 + 2500)
    _summary_is_exact(app, world.a)

    # Deleted (through the ORM, and with its station).
    with company_scope(app, world.a):
        db.session.delete(charging_sessions.find(station(world.a.station_site1), other_id))
    _summary_is_exact(app, world.a)
    with company_scope(app, world.a):
        db.session.delete(station(world.a.station_site1))
    _summary_is_exact(app, world.a)


def test_a_new_time_zone_counts_the_days_again(app: Flask, world: World) -> None:
    with company_scope(app, world.a):
        add_session(station(world.a.station_site2), 1,
                    datetime(2026, 6, 1, 23, 0, tzinfo=UTC), 60, 0, 1234)
        _random_sessions(random.Random(3), [station(world.a.station_site1)], 60, days=30)
    _summary_is_exact(app, world.a)
    # Offsets of whole hours, half hours (Lord Howe's DST), and 3:30 (St John's).
    for zone in ("Asia/Tokyo", "Europe/Amsterdam", "Australia/Lord_Howe", "America/St_Johns"):
        with company_scope(app, world.a) as tenant:
            company.update(tenant, replace(company.settings_of(tenant), time_zone=zone))
        _summary_is_exact(app, world.a)
    with company_scope(app, world.a):
        assert summary()[station(world.a.station_site2).id, date(2026, 6, 1)] == (1, 1234)


def test_stops_at_the_same_moment_on_one_station_day_both_count(app: Flask,
                                                                world: World) -> None:
    with company_scope(app, world.a):
        cp = station(world.a.station_site1)
        started = datetime(2026, 5, 5, 8, 0, tzinfo=UTC)
        ids = [add_session(cp, connector, started, None, 0, None).transaction_id
               for connector in (1, 2)]
        cp_id = cp.id
    first_flushed = threading.Event()
    failures: list[BaseException] = []

    def stop(transaction_id: int, first: bool) -> None:
        try:
            if not first:
                first_flushed.wait(10)
            with company_scope(app, world.a):
                charging_sessions.stop(station(world.a.station_site1), transaction_id,
                                       1000 + transaction_id, started + timedelta(hours=1))
                db.session.flush()  # its upsert holds the station-day's row until the commit
                if first:
                    first_flushed.set()
                    threading.Event().wait(0.3)  # the second stop comes meanwhile
        except BaseException as error:  # reported below
            failures.append(error)
            first_flushed.set()

    threads = [threading.Thread(target=stop, args=(ids[0], True)),
               threading.Thread(target=stop, args=(ids[1], False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    _summary_is_exact(app, world.a)
    with company_scope(app, world.a):
        assert summary()[cp_id, date(2026, 5, 5)] == (2, 2000 + sum(ids))


def _random_sessions(rng: random.Random, cps: list[Station], count: int, days: int = 6) -> None:
    """Sessions `days` around the DST change, some open, some closed for review and
    corrected."""
    for _ in range(count):
        cp = rng.choice(cps)
        started = DST + timedelta(minutes=rng.randrange(-days * 24 * 60, days * 24 * 60))
        # on the minute, and sometimes on a local midnight exactly
        if rng.random() < 0.15:
            started = datetime.combine(started.astimezone(AMSTERDAM).date(),
                                       datetime.min.time(), AMSTERDAM).astimezone(UTC)
        minutes = rng.choice([None, 30, 90, 600])
        start = rng.randrange(0, 50_000)
        session = add_session(cp, rng.choice([o.connector_id for o in cp.outlets]), started,
                              minutes, start, None if minutes is None
                              else start + rng.randrange(0, 40_000))
        if minutes is not None and rng.random() < 0.2:
            session.meter_stop = session.meter_start + rng.randrange(0, 9_000)
            session_review.detect(session)  # as a correction does


def _random_range(rng: random.Random) -> Range[datetime]:
    def instant() -> datetime | None:
        if rng.random() < 0.2:
            return None
        moment = DST + timedelta(minutes=rng.randrange(-8 * 24 * 60, 8 * 24 * 60))
        choice = rng.random()
        if choice < 0.3:  # a local midnight, as "from" or "to" dates give
            day = moment.astimezone(AMSTERDAM).date()
            return datetime.combine(day, datetime.min.time(), AMSTERDAM).astimezone(UTC)
        if choice < 0.4:  # just before one
            day = moment.astimezone(AMSTERDAM).date()
            return (datetime.combine(day, datetime.min.time(), AMSTERDAM).astimezone(UTC)
                    - timedelta(microseconds=1))
        return moment

    low, high = instant(), instant()
    if low is not None and high is not None and low > high and rng.random() < 0.8:
        low, high = high, low
    return Range(low, high)


@pytest.mark.parametrize("seed", [1, 2])
def test_totals_from_the_summary_equal_those_of_every_session(app: Flask, world: World,
                                                               seed: int) -> None:
    rng = random.Random(seed)
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = "Europe/Amsterdam"
        site1 = sites.find_or_create(tenant, "Site one")
        station_service.add(tenant, "CP-UP", site=site1, floor=sites.add_floor(site1, "Up"),
                            connectors=2)
    with company_scope(app, world.a):
        cps = [cp for cp in db.session.scalars(select(Station).order_by(Station.id))
               if cp.outlets]
        _random_sessions(rng, cps, 150)
    _summary_is_exact(app, world.a)
    with company_scope(app, world.a):
        cps = list(db.session.scalars(select(Station).order_by(Station.id)))
        up = next(cp for cp in cps if cp.charge_box_id == "CP-UP")
        nodes = [SYSTEM, Node(NodeKind.SITE, cps[0].site_id), Node(NodeKind.FLOOR, up.floor_id),
                 *(Node(NodeKind.STATION, cp.id) for cp in cps),
                 Node(NodeKind.OUTLET, up.outlets[0].id, station_id=up.id)]
        actors = [db.session.scalar(select(User).where(User.email == world.a.email(role)))
                  for role in (Role.ADMIN, Role.SITE_ADMIN)]
        checked = 0
        for _ in range(120):
            filters = SessionFilter(started=_random_range(rng))
            node, actor = rng.choice(nodes), rng.choice(actors)
            expected = session_table.scanned_totals(actor, filters, node)
            assert session_table.totals(actor, filters, node) == expected, (filters, node)
            checked += expected.sessions > 0
        assert checked > 40  # most ranges hold sessions


def test_other_filters_read_the_sessions(app: Flask, world: World) -> None:
    with company_scope(app, world.a):
        cp = station(world.a.station_site1)
        add_session(cp, 1, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 30, 0, 5000)
        add_session(cp, 2, datetime(2026, 3, 3, 9, 0, tzinfo=UTC), 30, 0, 20000)
    with company_scope(app, world.a):
        admin = db.session.scalar(select(User).where(User.email == world.a.email(Role.ADMIN)))
        whole = Range(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC))
        assert session_table.totals(admin, SessionFilter(started=whole)).energy_wh == 25000
        filtered = SessionFilter(started=whole, energy_kwh=Range(high=10))
        assert session_table.totals(admin, filtered) == session_table.Totals(1, 5000)


# Late February to early May 2026: the spring DST change (03-29) and the local midnights
# that start March, April and May, in ranges that hold whole months and cut others.
SPRING = datetime(2026, 2, 20, tzinfo=UTC)


def _spring_sessions(rng: random.Random, cps: list[Station], count: int) -> None:
    for _ in range(count):
        cp = rng.choice(cps)
        started = SPRING + timedelta(minutes=rng.randrange(80 * 24 * 60))
        if rng.random() < 0.25:  # at a month's first local midnight, or a minute before it
            month = rng.choice([date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)])
            started = (datetime.combine(month, datetime.min.time(), AMSTERDAM).astimezone(UTC)
                       - timedelta(minutes=rng.choice([0, 1])))
        minutes, start = rng.choice([None, 45]), rng.randrange(50_000)
        add_session(cp, rng.choice([o.connector_id for o in cp.outlets]), started, minutes,
                    start, None if minutes is None else start + rng.randrange(1, 30_000))


def _per_month(rows: Iterable[tuple[date, int, int]]) -> dict[date, tuple[int, int]]:
    """(day, sessions, Wh) rows added up by their month, empty months left out."""
    sessions: Counter[date] = Counter()
    energy: Counter[date] = Counter()
    for day, count, wh in rows:
        sessions[day.replace(day=1)] += count
        energy[day.replace(day=1)] += wh
    return {month: (sessions[month], energy[month]) for month in sessions
            if sessions[month] or energy[month]}


@pytest.mark.parametrize("seed", [5, 6])
def test_whole_months_add_up_as_their_days(app: Flask, world: World, seed: int) -> None:
    """Bars a month and top stations, read from whole months and the days around them, are
    those of the days and of every session."""
    rng = random.Random(seed)
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = AMSTERDAM.key
    with company_scope(app, world.a):
        _spring_sessions(rng, [cp for cp in db.session.scalars(select(Station)) if cp.outlets],
                         150)
    _summary_is_exact(app, world.a)
    with company_scope(app, world.a):
        admin, site_admin = (db.session.scalar(select(User).where(User.email == world.a.email(
            role))) for role in (Role.ADMIN, Role.SITE_ADMIN))
        cps = list(db.session.scalars(select(Station)))
        names = {cp.id: cp.charge_box_id for cp in cps}
        cases = [(admin, SYSTEM, set(names)),
                 (site_admin, SYSTEM, {cp.id for cp in cps if cp.site_id == site_admin.site_id}),
                 *((admin, Node(NodeKind.STATION, cp.id), {cp.id}) for cp in cps)]
        days = counted(AMSTERDAM)
        ranges = [(date(2026, 3, 1), date(2026, 4, 30)), (date(2026, 3, 2), date(2026, 3, 30))]
        ranges += [sorted(date(2026, 2, 15) + timedelta(rng.randrange(90)) for _ in range(2))
                   for _ in range(30)]
        for first, last in ranges:
            actor, node, ids = rng.choice(cases)
            kept = [(station_id, day, count, wh) for (station_id, day), (count, wh)
                    in days.items() if station_id in ids and first <= day <= last]
            expected = _per_month((day, count, wh) for _, day, count, wh in kept)
            assert _per_month(session_summary.by_month(actor, node, first, last)) == expected
            assert _per_month(session_summary.by_day(actor, node, first, last)) == expected
            span = statistics.period(first, last, Bucket.MONTH, AMSTERDAM)
            assert [(bar.sessions, bar.energy_wh) for bar in statistics.energy(
                actor, node, span)] == [expected.get(start.replace(day=1), (0, 0))
                                        for start in span.bucket_days()], (first, last, node)
            per_station: Counter[int] = Counter()
            for station_id, _, count, wh in kept:
                per_station[station_id] += count
                per_station[-station_id] += wh  # energy, keyed apart
            assert {charge_box_id: (count, wh) for charge_box_id, _, count, wh
                    in session_summary.by_station(actor, node, first, last)} == {
                names[station_id]: (count, per_station[-station_id])
                for station_id, count in per_station.items() if station_id > 0 and count}
