"""The figures of the Statistics page, for the stations under the navigator's node that the
actor may see, over a range of days in the company's time zone.

- Energy and sessions per bucket (hour, day, week, month): sessions by their start, energy
  as accounted (`ChargingSession.energy_wh`, stopped sessions), kWh = Wh / 1000 exactly.
- Top stations by energy and by sessions, the same sessions.
- Utilisation per outlet from its status history: the share of the range it was Charging,
  and the share it was occupied (Preparing, Charging, SuspendedEV, SuspendedEVSE,
  Finishing: a car at the outlet, drawing power or not).
- Availability per station: the share of the range it was connected and not Faulted.

Buckets start at local midnights (portal.timestamps.local_midnight): a day across a DST
change lasts 23 or 25 hours and has as many hour buckets. A range that reaches past now is
measured up to now, so today's figures are not diluted by hours still to come.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from portal.auth.permissions import Actor, visible_stations
from portal.errors import Invalid
from portal.extensions import db
from portal.models import ChargingSession, Outlet, Station
from portal.services import rollups, session_summary, status_time
from portal.services.scope import Node, NodeKind
from portal.services.session_table import kwh
from portal.timestamps import local_midnight

DEFAULT_DAYS = 30
MAX_BUCKETS = 800  # 31 days of hours (and a DST hour), or two years of days
TOP = 10
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)  # a range stays in the calendar
SLOT_SECONDS = 900  # every zone's offset is a multiple of 15 minutes, so is every bucket's


class Bucket(enum.StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class SlotOf(FunctionElement[int]):
    """The number of the 15-minute slot (since 1970, UTC) a time falls in."""

    inherit_cache = True


@compiles(SlotOf, "sqlite")
def _slot_sqlite(element: SlotOf, compiler: SQLCompiler, **kw: Any) -> str:
    moment = compiler.process(next(iter(element.clauses)), **kw)
    return f"(CAST(strftime('%s', {moment}) AS INTEGER) / {SLOT_SECONDS})"


@compiles(SlotOf)
def _slot_default(element: SlotOf, compiler: SQLCompiler, **kw: Any) -> str:
    moment = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {moment}) / {SLOT_SECONDS}) AS BIGINT)"


@dataclass(frozen=True)
class Period:
    """Days `first` to `last` (both included) of a zone, cut into buckets."""

    first: date
    last: date
    bucket: Bucket
    zone: ZoneInfo

    @property
    def starts_at(self) -> datetime:
        return local_midnight(self.first, self.zone).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return local_midnight(self.last + timedelta(1), self.zone).astimezone(UTC)

    def measured_until(self, now: datetime) -> datetime:
        """The end of what can be measured: the range's end, or now if that is earlier."""
        return max(self.starts_at, min(self.ends_at, now))

    def bucket_starts(self) -> list[datetime]:
        """The instant each bucket starts at (UTC), the first at the range's start."""
        if self.bucket is Bucket.HOUR:
            hours = int((self.ends_at - self.starts_at).total_seconds()) // 3600
            return [self.starts_at + timedelta(hours=hour) for hour in range(hours)]
        return [local_midnight(day, self.zone).astimezone(UTC) for day in self.bucket_days()]

    def bucket_days(self) -> list[date]:
        """The day each bucket of days (day, week, month) starts on, the first `first`."""
        return [self.first] + [day for day in _days(self.first + timedelta(1), self.last)
                               if self._starts_bucket(day)]

    def _starts_bucket(self, day: date) -> bool:
        return (self.bucket is Bucket.DAY or (self.bucket is Bucket.WEEK and day.weekday() == 0)
                or (self.bucket is Bucket.MONTH and day.day == 1))

    def label(self, start: datetime) -> str:
        """A bucket's start as a reader of the company names it."""
        return start.astimezone(self.zone).strftime(_LABEL_FORMATS[self.bucket])


_LABEL_FORMATS = {Bucket.HOUR: "%Y-%m-%d %H:%M", Bucket.DAY: "%Y-%m-%d",
                  Bucket.WEEK: "%Y-%m-%d", Bucket.MONTH: "%Y-%m"}


def _days(first: date, last: date) -> Iterable[date]:
    return (first + timedelta(offset) for offset in range((last - first).days + 1))


def period(first: date, last: date, bucket: Bucket, zone: ZoneInfo) -> Period:
    """The period from `first` to `last`; Invalid (with its field) when it is backwards, out
    of the calendar, or cut into more than MAX_BUCKETS buckets."""
    for field, day in (("first", first), ("last", last)):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise Invalid(f"Choose a day from {FIRST_DAY} to {LAST_DAY}.", field=field)
    if last < first:
        raise Invalid("The range ends before it starts.", field="last")
    days = (last - first).days + 1
    buckets = {Bucket.HOUR: days * 24, Bucket.DAY: days, Bucket.WEEK: days // 7 + 1,
               Bucket.MONTH: days // 28 + 1}[bucket]
    if buckets > MAX_BUCKETS + 1:
        raise Invalid(f"A {bucket.value} per bar over {days} days makes more than "
                      f"{MAX_BUCKETS} bars: choose a longer bucket or a shorter range.",
                      field="bucket")
    return Period(first, last, bucket, zone)


def default_period(today: date, zone: ZoneInfo) -> Period:
    """The last DEFAULT_DAYS days, today included, a bar a day."""
    return Period(today - timedelta(DEFAULT_DAYS - 1), today, Bucket.DAY, zone)


def _scoped(actor: Actor, node: Node, query: Select[Any]) -> Select[Any]:
    """Limit a query naming Station to the node's stations the actor may see."""
    return node.stations(visible_stations(actor, query))


def _sessions(actor: Actor, node: Node, span: Period, query: Select[Any]) -> Select[Any]:
    """Sessions started in the period under the node (an outlet node: that outlet's)."""
    query = _scoped(actor, node, query.select_from(ChargingSession).join(ChargingSession.station)
                    .where(ChargingSession.started_at >= span.starts_at,
                           ChargingSession.started_at < span.ends_at))
    if node.kind is NodeKind.OUTLET:
        return query.where(ChargingSession.outlet_id == node.id)
    return query


@dataclass(frozen=True)
class EnergyBar:
    starts_at: datetime
    label: str
    sessions: int
    energy_wh: int

    @property
    def energy_kwh(self) -> Decimal:
        return kwh(self.energy_wh) or Decimal("0.000")


def energy(actor: Actor, node: Node, span: Period) -> list[EnergyBar]:
    """Sessions and accounted energy per bucket, by their start.

    Buckets of days (day, week, month) add up the summary of sessions per station and day
    (session_summary; whole months from its months), under an outlet node excepted. Hours,
    and an outlet's sessions, come from one query that groups the sessions by the 15-minute
    slot they started in (at most 96 rows a day, on the (tenant, started_at) index); the
    slots then fall into their buckets here, whatever the zone and its DST changes.
    """
    if _by_days(span, node):
        return _energy_by_day(actor, node, span)
    slot = SlotOf(ChargingSession.started_at)
    rows = db.session.execute(_sessions(actor, node, span, select(
        slot, func.count(), func.coalesce(func.sum(ChargingSession.energy_wh), 0)))
        .group_by(slot))
    starts = span.bucket_starts()
    edges = [start.timestamp() for start in starts]
    sessions, energy_wh = [0] * len(starts), [0] * len(starts)
    for number, count, wh in rows:
        # max: a zone whose old offset was no whole quarter hour (Monrovia until 1972)
        index = max(bisect_right(edges, int(number) * SLOT_SECONDS) - 1, 0)
        sessions[index] += count
        energy_wh[index] += int(wh)
    return [EnergyBar(start, span.label(start), count, wh)
            for start, count, wh in zip(starts, sessions, energy_wh, strict=True)]


def _by_days(span: Period, node: Node) -> bool:
    """Whether the figures come from the sessions per station and day."""
    return span.bucket is not Bucket.HOUR and node.kind is not NodeKind.OUTLET


def _energy_by_day(actor: Actor, node: Node, span: Period) -> list[EnergyBar]:
    first_days = span.bucket_days()
    sessions, energy_wh = [0] * len(first_days), [0] * len(first_days)
    summed = session_summary.by_month if span.bucket is Bucket.MONTH else session_summary.by_day
    for day, count, wh in summed(actor, node, span.first, span.last):
        index = bisect_right(first_days, day) - 1
        sessions[index] += count
        energy_wh[index] += wh
    return [EnergyBar(start, span.label(start), count, wh) for start, count, wh
            in zip(span.bucket_starts(), sessions, energy_wh, strict=True)]


@dataclass(frozen=True)
class StationFigure:
    charge_box_id: str
    name: str
    sessions: int
    energy_wh: int

    @property
    def energy_kwh(self) -> Decimal:
        return kwh(self.energy_wh) or Decimal("0.000")


@dataclass(frozen=True)
class TopStations:
    by_energy: list[StationFigure]
    by_sessions: list[StationFigure]


def top_stations(actor: Actor, node: Node, span: Period) -> TopStations:
    """The TOP stations by accounted energy and by number of sessions started in the period;
    ties by chargeBoxId. From the sessions per station and month and day, but under an outlet
    node."""
    if node.kind is not NodeKind.OUTLET:
        figures = [StationFigure(charge_box_id, name or "", count, wh) for
                   charge_box_id, name, count, wh in
                   session_summary.by_station(actor, node, span.first, span.last)]
        # Sorted by chargeBoxId, a stable sort leaves ties in that order.
        return TopStations(
            by_energy=sorted(figures, key=lambda f: f.energy_wh, reverse=True)[:TOP],
            by_sessions=sorted(figures, key=lambda f: f.sessions, reverse=True)[:TOP])
    wh = func.coalesce(func.sum(ChargingSession.energy_wh), 0)
    count = func.count(ChargingSession.id)

    def ranked(*order: Any) -> list[StationFigure]:
        rows = db.session.execute(_sessions(actor, node, span, select(
            Station.charge_box_id, Station.name, count, wh))
            .group_by(Station.id, Station.charge_box_id, Station.name)
            .order_by(*order, Station.charge_box_id).limit(TOP))
        return [StationFigure(charge_box_id, name or "", sessions, int(energy_wh))
                for charge_box_id, name, sessions, energy_wh in rows]

    return TopStations(by_energy=ranked(wh.desc()), by_sessions=ranked(count.desc()))


@dataclass(frozen=True)
class OutletUse:
    charge_box_id: str
    connector_id: int
    charging: float  # share of the measured range, 0 to 1
    occupied: float


def utilisation(actor: Actor, node: Node, span: Period, now: datetime) -> list[OutletUse]:
    """Per outlet, the share of the range spent Charging and occupied, from its status
    events (portal.services.status_time.outlet_time says how they are counted).

    Whole days rolled up by the clock are summed from the rollups; the rest (today, days not
    rolled up yet, days a late event made stale) is measured from the events.
    """
    until = span.measured_until(now)
    measured = (until - span.starts_at).total_seconds()
    seconds: dict[int, list[float]] = {}
    for among, first_measured in rollups.parts(_among(actor, node), span.first, span.last,
                                                span.zone):
        if first_measured > span.first:
            _add(seconds, rollups.outlet_days(among, span.first, first_measured))
        start = local_midnight(first_measured, span.zone).astimezone(UTC)
        if start < until:
            _add(seconds, {outlet_id: (time.charging, time.occupied) for outlet_id, time
                           in status_time.outlet_time(among, start, until).items()})
    uses = []
    for outlet_id, charge_box_id, connector_id in db.session.execute(_outlet_query(actor, node)):
        charging, occupied = seconds.get(outlet_id, (0.0, 0.0))
        uses.append(OutletUse(charge_box_id, connector_id, _share(charging, measured),
                              _share(occupied, measured)))
    return uses


def _among(actor: Actor, node: Node) -> status_time.Among:
    """The stations (and the outlet) under the node that the actor may see."""
    return status_time.Among(_scoped(actor, node, select(Station.id)),
                             node.id if node.kind is NodeKind.OUTLET else None)


def _add(totals: dict[int, list[float]], seconds: dict[int, tuple[float, float]]) -> None:
    for key, pair in seconds.items():
        total = totals.setdefault(key, [0.0, 0.0])
        total[0] += pair[0]
        total[1] += pair[1]


def _outlet_query(actor: Actor, node: Node) -> Select[Any]:
    """The outlets under the node, in station and connector order."""
    return node.outlets(visible_stations(actor, select(
        Outlet.id, Station.charge_box_id, Outlet.connector_id).select_from(Outlet)
        .join(Outlet.station).order_by(Station.charge_box_id, Outlet.connector_id)))


def _share(seconds: float, measured: float) -> float:
    # Seconds to the millisecond: added up by days or over the range, they are the same.
    return round(min(max(round(seconds, 3) / measured, 0.0), 1.0), 4) if measured > 0 else 0.0


@dataclass(frozen=True)
class StationAvailability:
    charge_box_id: str
    name: str
    online: float  # share of the measured range connected
    available: float  # share connected and not Faulted (the figure AFIR and NEVI ask for)


def availability(actor: Actor, node: Node, span: Period, now: datetime
                 ) -> list[StationAvailability]:
    """Per active station, the share of the range it was connected to Plugboard, and the
    share it was connected and not Faulted (portal.services.status_time.station_time), from
    the rollups for whole rolled-up days and from the events for the rest. A station marked
    inactive (decommissioned, under repair) is left out."""
    until = span.measured_until(now)
    measured = (until - span.starts_at).total_seconds()
    stations = status_time.Among(_scoped(actor, node, select(Station.id).where(Station.active)))
    seconds: dict[int, list[float]] = {}
    for among, first_measured in rollups.parts(stations, span.first, span.last, span.zone):
        if first_measured > span.first:
            _add(seconds, rollups.station_days(among, span.first, first_measured))
        start = local_midnight(first_measured, span.zone).astimezone(UTC)
        if start < until:
            _add(seconds, {station_id: (time.online, time.available) for station_id, time
                           in status_time.station_time(among, start, until).items()})
    figures = []
    for station_id, charge_box_id, name in db.session.execute(_scoped(actor, node, select(
            Station.id, Station.charge_box_id, Station.name).where(Station.active)
            .order_by(Station.charge_box_id))):
        online, available = seconds.get(station_id, (0.0, 0.0))
        figures.append(StationAvailability(charge_box_id, name or "", _share(online, measured),
                                           _share(available, measured)))
    return figures
