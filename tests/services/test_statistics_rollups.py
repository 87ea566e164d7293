"""The rolled-up days give the figures measuring the events gives: random status histories
around both DST changes, connections, station-wide Faulted periods and late events, read
through the rollups and, with the rollups out of sight, from the events alone."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.jobs import JOBS
from portal.models import (
    Event,
    OutletDay,
    OutletMonth,
    Role,
    RollupProgress,
    StaleRollup,
    Station,
    Tenant,
    User,
)
from portal.services import company, events, outlets, rollups, stations, statistics
from portal.services.scope import SYSTEM, Node, NodeKind
from portal.services.statistics import Bucket
from tenants.scoping import tenant_scope
from tests.factories import make_tenant

ZONE = ZoneInfo("Europe/Amsterdam")
ROLL_UP = next(job for job in JOBS if job.name == "roll up the status history")
STATUSES = list(ChargePointStatus)
# Both DST changes of 2026 (03-29 has 23 hours, 10-25 has 25), each inside a fortnight.
FORTNIGHTS = [date(2026, 3, 20), date(2026, 10, 17)]
DAYS = 14


@pytest.fixture
def tenant(app: Flask) -> Iterator[Tenant]:
    made = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, made.tenant_id)
        tenant.time_zone = ZONE.key
        with tenant_scope(tenant):
            yield tenant
            db.session.rollback()


def _admin(tenant: Tenant) -> User:
    return db.session.scalar(select(User).where(User.role == Role.ADMIN))


def _at(rng: random.Random, first: date, days: int = DAYS) -> datetime:
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    return start + timedelta(seconds=rng.randrange(days * 86400), milliseconds=rng.randrange(1000))


def _history(tenant: Tenant, rng: random.Random, first: date, days: int = DAYS) -> list[Station]:
    """Three stations of two outlets with random statuses, connections and station-wide
    statuses, stored in random order (as late as a station with a queue sends them)."""
    made = [stations.add(tenant, f"CP-R{number}", connectors=2) for number in range(3)]
    happenings = [(station, connector_id, _at(rng, first, days), rng.choice(STATUSES))
                  for station in made for connector_id in (0, 1, 2) for _ in range(25)]
    happenings += [(station, None, _at(rng, first, days),
                    rng.choice(("connected", "disconnected")))
                   for station in made for _ in range(12)]
    rng.shuffle(happenings)
    for station, connector_id, at, what in happenings:
        _happen(station, connector_id, at, what)
    return made


def _statuses(made: list[Station]) -> list[tuple[Station, int, datetime, ChargePointStatus]]:
    """The status events stored for the stations, as they were reported."""
    by_id = {station.id: station for station in made}
    return [(by_id[event.station_id], event.details["connectorId"], event.occurred_at,
             ChargePointStatus(event.details["status"]))
            for event in db.session.scalars(select(Event).where(
                Event.kind == "status", Event.station_id.in_(by_id)).order_by(Event.id))]


def _happen(station: Station, connector_id: int | None, at: datetime,
            what: ChargePointStatus | str) -> None:
    if connector_id is None:
        events.record(station, what, occurred_at=at)
    else:
        outlets.report_status(station, connector_id, what, ChargePointErrorCode.no_error, at)
    db.session.flush()


def _figures(tenant: Tenant, node: Node, span: statistics.Period, now: datetime) -> tuple:
    actor = _admin(tenant)
    return (statistics.utilisation(actor, node, span, now),
            statistics.availability(actor, node, span, now))


def _from_events(tenant: Tenant, node: Node, span: statistics.Period, now: datetime) -> tuple:
    """The figures with no rollup in sight: measured from the events alone."""
    savepoint = db.session.begin_nested()
    db.session.execute(delete(RollupProgress))
    try:
        return _figures(tenant, node, span, now)
    finally:
        savepoint.rollback()


def _roll_up_all(now: datetime) -> None:
    while ROLL_UP.run(now):
        pass


def _assert_same_both_ways(tenant: Tenant, rng: random.Random, first: date, now: datetime,
                           made: list[Station], days: int = DAYS) -> None:
    station = made[rng.randrange(len(made))]
    outlet = station.outlets[rng.randrange(len(station.outlets))]
    nodes = [SYSTEM, Node(NodeKind.STATION, station.id),
             Node(NodeKind.OUTLET, outlet.id, station_id=station.id)]
    last_day = first + timedelta(days + 2)
    ranges = [(first - timedelta(1), last_day)] + [
        sorted(first + timedelta(rng.randrange(days + 3)) for _ in range(2)) for _ in range(6)]
    for low, high in ranges:
        span = statistics.period(low, high, Bucket.DAY, ZONE)
        for node in nodes:
            assert _figures(tenant, node, span, now) == _from_events(tenant, node, span, now), (
                low, high, node)


@pytest.mark.parametrize("seed", range(4))
def test_rolled_up_days_give_the_figures_of_the_events(tenant, seed) -> None:
    rng = random.Random(seed)
    first = FORTNIGHTS[seed % 2]
    made = _history(tenant, rng, first)
    now = datetime.combine(first + timedelta(DAYS - 3), datetime.min.time(), tzinfo=UTC) \
        + timedelta(hours=rng.randrange(24))  # inside the history: today half measured
    _roll_up_all(now)
    assert db.session.scalar(select(func.count()).select_from(OutletDay)) > 0
    assert db.session.scalar(select(func.count()).select_from(StaleRollup)) == 0
    _assert_same_both_ways(tenant, rng, first, now, made)

    # Late events into rolled-up days: read from the events until the clock has redone them.
    for _ in range(6):
        station = rng.choice(made)
        _happen(station, rng.randrange(3), _at(rng, first) - timedelta(days=3),
                rng.choice(STATUSES))
    for replayed in rng.sample(_statuses(made), 3):  # a station sending a message again
        _happen(*replayed)
    assert db.session.scalar(select(func.count()).select_from(StaleRollup)) > 0
    _assert_same_both_ways(tenant, rng, first, now, made)
    _roll_up_all(now)
    assert db.session.scalar(select(func.count()).select_from(StaleRollup)) == 0
    _assert_same_both_ways(tenant, rng, first, now, made)


def test_whole_months_are_read_from_the_months_and_stay_exact(tenant) -> None:
    """Eleven weeks from February to May: ranges spanning whole months add up the months;
    a late event in March and the clock redoing it rewrite March's sums."""
    rng, first, days = random.Random(7), date(2026, 2, 20), 77
    made = _history(tenant, rng, first, days)
    now = datetime(2026, 5, 6, 15, tzinfo=UTC)
    _roll_up_all(now)
    months = db.session.scalars(select(OutletMonth.month).distinct()).all()
    assert {date(2026, 3, 1), date(2026, 4, 1)} <= set(months)
    span = statistics.period(date(2026, 3, 1), date(2026, 4, 30), Bucket.MONTH, ZONE)
    assert _figures(tenant, SYSTEM, span, now) == _from_events(tenant, SYSTEM, span, now)
    _assert_same_both_ways(tenant, rng, first, now, made, days)

    _happen(made[0], 1, datetime(2026, 3, 15, 9, tzinfo=UTC), ChargePointStatus.charging)
    _happen(made[0], 1, datetime(2026, 3, 15, 21, tzinfo=UTC), ChargePointStatus.available)
    _roll_up_all(now)
    assert db.session.scalar(select(func.count()).select_from(StaleRollup)) == 0
    assert _figures(tenant, SYSTEM, span, now) == _from_events(tenant, SYSTEM, span, now)


def test_each_company_adds_up_only_its_own_months(app: Flask) -> None:
    """The clock rolls every company up in turn; a company's months hold its own days."""
    companies = [make_tenant(app), make_tenant(app)]
    with app.app_context():
        for company_id, day in zip((c.tenant_id for c in companies), (10, 12), strict=True):
            with tenant_scope(db.session.get(Tenant, company_id)) as tenant:
                tenant.time_zone = ZONE.key
                _happen(stations.add(tenant, f"CP-{day}", connectors=1), 1,
                        datetime(2026, 3, day, 8, tzinfo=UTC), ChargePointStatus.charging)
        # The clock takes one company after the other; the first is rolled up again, as
        # after a late event, when the second's March is there too.
        for company_id in (companies[0].tenant_id, companies[1].tenant_id, companies[0].tenant_id):
            with tenant_scope(db.session.get(Tenant, company_id)):
                db.session.execute(delete(RollupProgress))
                _roll_up_all(datetime(2026, 4, 3, tzinfo=UTC))
        for company_id, day in zip((c.tenant_id for c in companies), (10, 12), strict=True):
            with tenant_scope(db.session.get(Tenant, company_id)):
                # Charging from 09:00 CET on the day to the end of March (CEST from the 29th).
                assert db.session.scalars(select(OutletMonth.charging_seconds).where(
                    OutletMonth.month == date(2026, 3, 1))).all() == [
                    (32 - day) * 86400 - 9 * 3600 - 3600]
        db.session.rollback()


def test_an_event_on_time_marks_nothing_and_a_late_one_marks_from_its_time(tenant) -> None:
    station = stations.add(tenant, "CP-LATE", connectors=1)
    now = datetime(2026, 5, 2, 12, tzinfo=UTC)
    rollups.note_late(station, now - timedelta(minutes=9), now)
    db.session.flush()
    assert db.session.scalars(select(StaleRollup)).all() == []
    for late in (timedelta(hours=2), timedelta(days=1), timedelta(hours=5)):
        rollups.note_late(station, now - late, now)
    mark = db.session.scalar(select(StaleRollup))
    db.session.refresh(mark)
    assert (mark.since, mark.version) == (now - timedelta(days=1), 3)


def test_a_day_is_rolled_up_an_hour_after_it_ended_in_the_company_zone(tenant) -> None:
    station = stations.add(tenant, "CP-CLOSE", connectors=1)
    _happen(station, 1, datetime(2026, 5, 1, 8, tzinfo=UTC), ChargePointStatus.charging)
    db.session.execute(delete(StaleRollup))
    midnight = datetime(2026, 5, 1, 22, tzinfo=UTC)  # 2026-05-02 00:00 CEST
    _roll_up_all(midnight + timedelta(minutes=59))
    assert rollups.rolled_until(ZONE) == date(2026, 5, 1)
    _roll_up_all(midnight + timedelta(hours=1))
    assert rollups.rolled_until(ZONE) == date(2026, 5, 2)
    assert db.session.scalar(select(OutletDay.charging_seconds)) == 14 * 3600  # 10:00 on


def test_a_new_time_zone_drops_the_rollups_cut_in_the_old_one(tenant) -> None:
    station = stations.add(tenant, "CP-ZONE", connectors=1)
    _happen(station, 1, datetime(2026, 5, 1, 8, tzinfo=UTC), ChargePointStatus.charging)
    _roll_up_all(datetime(2026, 5, 5, tzinfo=UTC))
    assert db.session.scalar(select(func.count()).select_from(OutletDay)) == 4
    settings = company.settings_of(tenant)
    company.update(tenant, company.CompanySettings(**{**vars(settings),
                                                      "time_zone": "America/New_York"}))
    assert db.session.scalar(select(func.count()).select_from(OutletDay)) == 0
    assert rollups.rolled_until(ZoneInfo("America/New_York")) is None
