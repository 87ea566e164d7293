"""The figures of the Statistics page, worked by hand: buckets in the company's zone across a
DST change, utilisation from a status history, availability with a disconnect and a Faulted
period, and the top stations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from portal.errors import Invalid
from portal.extensions import db
from portal.models import Role, User
from portal.services import stations, statistics
from portal.services.scope import SYSTEM, Node, NodeKind
from portal.services.statistics import Bucket
from tests.factories import World
from tests.scene import company_scope
from tests.statistics_scene import STATS_STATION, ZONE, StatisticsScene, build, utc

AMSTERDAM = ZoneInfo(ZONE)
LATER = utc(12, 31, 0)  # "now", after every range


@pytest.fixture
def scene(app: Flask, world: World) -> StatisticsScene:
    return build(app, world.a)


def _actor(role: Role, world: World) -> User:
    return db.session.scalar(select(User).where(User.email == world.a.email(role)))


def _span(first: date, last: date, bucket: Bucket) -> statistics.Period:
    return statistics.period(first, last, bucket, AMSTERDAM)


def test_days_start_at_local_midnight_across_the_dst_change(scene, app, world) -> None:
    with company_scope(app, world.a):
        bars = statistics.energy(_actor(Role.ADMIN, world), SYSTEM,
                                 _span(date(2026, 3, 28), date(2026, 3, 30), Bucket.DAY))
    # by UTC days the 29th would hold 2 + 4 + 8 + 16 kWh
    assert [(bar.label, bar.sessions, bar.energy_kwh) for bar in bars] == [
        ("2026-03-28", 1, Decimal("1.000")), ("2026-03-29", 3, Decimal("14.000")),
        ("2026-03-30", 1, Decimal("16.000"))]


def test_the_dst_day_has_23_hours_and_no_2_oclock(scene, app, world) -> None:
    with company_scope(app, world.a):
        bars = statistics.energy(_actor(Role.ADMIN, world), SYSTEM,
                                 _span(date(2026, 3, 29), date(2026, 3, 29), Bucket.HOUR))
    labels = [bar.label[-5:] for bar in bars]
    assert len(bars) == 23 and "02:00" not in labels
    assert {bar.label[-5:]: bar.energy_wh for bar in bars if bar.sessions} == {
        "01:00": 2000, "03:00": 4000, "23:00": 8000}


def test_weeks_start_on_monday_and_months_on_the_first(scene, app, world) -> None:
    with company_scope(app, world.a):
        actor = _actor(Role.ADMIN, world)
        weeks = statistics.energy(actor, SYSTEM,
                                  _span(date(2026, 3, 25), date(2026, 4, 5), Bucket.WEEK))
        months = statistics.energy(actor, SYSTEM,
                                   _span(date(2026, 3, 1), date(2026, 4, 30), Bucket.MONTH))
    # the 30th is a Monday: 16 kWh start the second week
    assert [(bar.label, bar.energy_wh) for bar in weeks] == [
        ("2026-03-25", 15000), ("2026-03-30", 16000)]
    assert [(bar.label, bar.sessions) for bar in months] == [("2026-03", 5), ("2026-04", 0)]


def test_a_site_administrator_counts_their_site_only(scene, app, world) -> None:
    with company_scope(app, world.a):
        bars = statistics.energy(_actor(Role.SITE_ADMIN, world), SYSTEM,
                                 _span(date(2026, 3, 28), date(2026, 3, 30), Bucket.DAY))
    assert [bar.energy_wh for bar in bars] == [1000, 2000, 0]


def test_top_stations_by_energy_and_by_sessions(scene, app, world) -> None:
    with company_scope(app, world.a):
        top = statistics.top_stations(_actor(Role.ADMIN, world), SYSTEM,
                                      _span(date(2026, 3, 28), date(2026, 3, 30), Bucket.DAY))
    assert [(s.charge_box_id, s.sessions, s.energy_wh) for s in top.by_energy] == [
        (STATS_STATION, 3, 28000), (world.a.station_site1, 2, 3000)]
    assert [s.charge_box_id for s in top.by_sessions] == [STATS_STATION, world.a.station_site1]


def test_utilisation_from_the_status_history(scene, app, world) -> None:
    with company_scope(app, world.a):
        uses = statistics.utilisation(
            _actor(Role.ADMIN, world), Node(NodeKind.STATION, scene.stats_station_id),
            _span(date(2026, 3, 10), date(2026, 3, 10), Bucket.HOUR), LATER)
    assert [(use.connector_id, use.charging, use.occupied) for use in uses] == [
        (1, 0.25, 0.3333), (2, 1.0, 1.0)]  # 6 h and 8 h of 24; the status before counts


def test_availability_with_a_disconnect_and_a_faulted_period(scene, app, world) -> None:
    with company_scope(app, world.a):
        figures = statistics.availability(
            _actor(Role.ADMIN, world), SYSTEM,
            _span(date(2026, 3, 10), date(2026, 3, 10), Bucket.DAY), LATER)
    stats = {figure.charge_box_id: figure for figure in figures}
    assert (stats[STATS_STATION].online, stats[STATS_STATION].available) == (
        round(22 / 24, 4), round(19 / 24, 4))
    assert stats[world.a.station_site1].online == 0.0  # never connected


def test_an_inactive_station_is_left_out_of_availability(scene, app, world) -> None:
    with company_scope(app, world.a):
        stations.find(STATS_STATION).active = False  # under repair
        figures = statistics.availability(
            _actor(Role.ADMIN, world), SYSTEM,
            _span(date(2026, 3, 10), date(2026, 3, 10), Bucket.DAY), LATER)
    assert STATS_STATION not in {figure.charge_box_id for figure in figures}
    assert world.a.station_site1 in {figure.charge_box_id for figure in figures}


def test_a_range_reaching_past_now_is_measured_up_to_now(scene, app, world) -> None:
    with company_scope(app, world.a):
        uses = statistics.utilisation(
            _actor(Role.ADMIN, world), Node(NodeKind.STATION, scene.stats_station_id),
            _span(date(2026, 3, 10), date(2026, 3, 11), Bucket.DAY), utc(3, 10, 5))
    # 6 hours measured (23:00 to 05:00 UTC): Preparing 30 min, Charging 4 h 30 min
    assert [(use.charging, use.occupied) for use in uses] == [(0.75, round(5 / 6, 4)),
                                                               (1.0, 1.0)]


@pytest.mark.parametrize(("first", "last", "bucket", "field"), [
    (date(2026, 3, 10), date(2026, 3, 9), Bucket.DAY, "last"),
    (date(2026, 1, 1), date(2026, 3, 1), Bucket.HOUR, "bucket"),
    (date(2000, 1, 1), date(2026, 1, 1), Bucket.DAY, "bucket"),
    (date(1, 1, 1), date(2026, 1, 1), Bucket.MONTH, "first"),
    (date(2026, 1, 1), date(9999, 12, 31), Bucket.MONTH, "last"),
])
def test_a_range_that_cannot_be_drawn_is_refused_on_its_field(first, last, bucket,
                                                              field) -> None:
    with pytest.raises(Invalid) as refused:
        statistics.period(first, last, bucket, AMSTERDAM)
    assert refused.value.field == field
