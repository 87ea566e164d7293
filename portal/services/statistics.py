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

from ocpp.v16.enums import ChargePointStatus
from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from portal.auth.permissions import Actor, visible_stations
from portal.errors import Invalid
from portal.extensions import db
from portal.models import ChargingSession, Event, Outlet, Station
from portal.models.base import UTCDateTime
from portal.services import session_days
from portal.services.scope import Node, NodeKind
from portal.services.session_table import SecondsBetween, kwh
from portal.timestamps import local_midnight

DEFAULT_DAYS = 30
MAX_BUCKETS = 800  # 31 days of hours (and a DST hour), or two years of days
TOP = 10
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)  # a range stays in the calendar
SLOT_SECONDS = 900  # every zone's offset is a multiple of 15 minutes, so is every bucket's
OCCUPIED = frozenset({ChargePointStatus.preparing, ChargePointStatus.charging,
                      ChargePointStatus.suspended_ev, ChargePointStatus.suspended_evse,
                      ChargePointStatus.finishing})


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
    (session_days), under an outlet node excepted. Hours, and an outlet's sessions, come
    from one query that groups the sessions by the 15-minute slot they started in (at most
    96 rows a day, on the (tenant, started_at) index); the slots then fall into their
    buckets here, whatever the zone and its DST changes.
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
    for day, count, wh in session_days.by_day(actor, node, span.first, span.last):
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
    ties by chargeBoxId. From the sessions per station and day, but under an outlet node."""
    if node.kind is not NodeKind.OUTLET:
        return TopStations(*(
            [StationFigure(charge_box_id, name or "", count, wh) for charge_box_id, name, count, wh
             in session_days.by_station(actor, node, span.first, span.last, order, TOP)]
            for order in ("energy", "sessions")))
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
    events: each status lasts until the outlet's next one (the last one until the range's
    end, or now). The status an outlet had before the range counts from the range's start;
    time before an outlet's first status is counted as neither.

    Two queries whatever the number of outlets: the outlets with their status at the start,
    and the time of each status in the range, summed in SQL (LEAD over each outlet's events).
    """
    until = span.measured_until(now)
    measured = (until - span.starts_at).total_seconds()
    status = Event.details["status"].as_string()
    outlets = _outlet_query(actor, node).add_columns(
        _latest_before(span, select(status).where(Event.outlet_id == Outlet.id,
                                                  Event.kind == "status")))
    events = _scoped(actor, node, select(
        Event.outlet_id, Event.occurred_at, Event.id, status.label("status"))
        .join(Station, Station.id == Event.station_id)
        .where(Event.kind == "status", Event.outlet_id.is_not(None),
               Event.occurred_at >= span.starts_at, Event.occurred_at < until))
    if node.kind is NodeKind.OUTLET:
        events = events.where(Event.outlet_id == node.id)
    rows = events.subquery()
    in_range = select(rows.c.outlet_id, rows.c.occurred_at, rows.c.status, func.lead(
        rows.c.occurred_at, type_=UTCDateTime).over(
        partition_by=rows.c.outlet_id, order_by=(rows.c.occurred_at, rows.c.id))
        .label("next_at")).subquery()
    end = literal(until, UTCDateTime)
    seconds = func.sum(SecondsBetween(in_range.c.occurred_at,
                                      func.coalesce(in_range.c.next_at, end)))
    first = func.min(in_range.c.occurred_at)
    durations: dict[int, dict[str, float]] = {}
    firsts: dict[int, datetime] = {}
    for outlet_id, name, took, began in db.session.execute(
            select(in_range.c.outlet_id, in_range.c.status, seconds, first)
            .group_by(in_range.c.outlet_id, in_range.c.status)):
        durations.setdefault(outlet_id, {})[name] = float(took or 0)
        firsts[outlet_id] = min(firsts.get(outlet_id, began), began)
    uses = []
    for outlet_id, charge_box_id, connector_id, before in db.session.execute(outlets):
        time_in = durations.get(outlet_id, {})
        if before is not None:
            lead_in = ((firsts.get(outlet_id, until) - span.starts_at).total_seconds())
            time_in[before] = time_in.get(before, 0.0) + lead_in
        uses.append(OutletUse(charge_box_id, connector_id,
                              _share(time_in.get(ChargePointStatus.charging.value, 0), measured),
                              _share(sum(time_in.get(name.value, 0) for name in OCCUPIED),
                                     measured)))
    return uses


def _latest_before(span: Period, query: Select[Any]) -> Any:
    """The value of a station's latest event of `query` before the period: a walk back
    along its (station, time) index that stops at the first match. Ordered by time alone,
    as the index is (two events of one instant are a tie either way)."""
    return (query.where(Event.station_id == Station.id, Event.occurred_at < span.starts_at)
            .order_by(Event.occurred_at.desc()).limit(1).scalar_subquery())


def _outlet_query(actor: Actor, node: Node) -> Select[Any]:
    """The outlets under the node, in station and connector order."""
    return node.outlets(visible_stations(actor, select(
        Outlet.id, Station.charge_box_id, Outlet.connector_id).select_from(Outlet)
        .join(Outlet.station).order_by(Station.charge_box_id, Outlet.connector_id)))


def _share(seconds: float, measured: float) -> float:
    return round(min(max(seconds / measured, 0.0), 1.0), 4) if measured > 0 else 0.0


@dataclass(frozen=True)
class StationAvailability:
    charge_box_id: str
    name: str
    online: float  # share of the measured range connected
    available: float  # share connected and not Faulted (the figure AFIR and NEVI ask for)


def availability(actor: Actor, node: Node, span: Period, now: datetime
                 ) -> list[StationAvailability]:
    """Per station, the share of the range it was connected to Plugboard, and the share it
    was connected and not Faulted (a StatusNotification Faulted on connectorId 0, until its
    next status on connectorId 0).

    Connected and disconnected events say when it was online; its state before the range
    counts from the range's start (never connected before: offline). The intervals are
    added up here over each station's events of the range, which are few (connections and
    station-wide statuses, not the outlets' statuses).
    """
    until = span.measured_until(now)
    measured = (until - span.starts_at).total_seconds()
    station_wide = (Event.kind == "status") & Event.outlet_id.is_(None)
    connection = Event.kind.in_(("connected", "disconnected"))

    stations = db.session.execute(_scoped(actor, node, select(
        Station.id, Station.charge_box_id, Station.name,
        _latest_before(span, select(Event.kind).where(connection)),
        _latest_before(span, select(Event.details["status"].as_string()).where(station_wide)),
    ).order_by(Station.charge_box_id)))
    changes: dict[int, list[tuple[datetime, str]]] = {}
    for station_id, kind, status, at in db.session.execute(_scoped(actor, node, select(
            Event.station_id, Event.kind, Event.details["status"].as_string(), Event.occurred_at)
            .join(Station, Station.id == Event.station_id)
            .where(connection | station_wide, Event.occurred_at >= span.starts_at,
                   Event.occurred_at < until).order_by(Event.occurred_at, Event.id))):
        changes.setdefault(station_id, []).append((at, status if kind == "status" else kind))
    figures = []
    for station_id, charge_box_id, name, connected, status in stations:
        state = {"online": connected == "connected",
                 "faulted": status == ChargePointStatus.faulted.value}
        online, available = _time_online(span.starts_at, until, state,
                                         changes.get(station_id, []))
        figures.append(StationAvailability(charge_box_id, name or "", _share(online, measured),
                                           _share(available, measured)))
    return figures


def _apply_station_change(state: dict[str, bool], change: str) -> None:
    if change in ("connected", "disconnected"):
        state["online"] = change == "connected"
    else:
        state["faulted"] = change == ChargePointStatus.faulted.value


def _time_online(start: datetime, end: datetime, state: dict[str, bool],
                 changes: list[tuple[datetime, str]]) -> tuple[float, float]:
    """Seconds online, and online and not faulted, from start to end, the state changing at
    each (time, change) in time order."""
    online = available = 0.0
    since = start
    for at, change in [*changes, (end, "")]:
        seconds = (at - since).total_seconds()
        if state["online"]:
            online += seconds
            if not state["faulted"]:
                available += seconds
        if change:
            _apply_station_change(state, change)
        since = at
    return online, available
