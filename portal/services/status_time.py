"""Time spent in each state, measured from the status history between two instants: per
outlet Charging and occupied, per station online and online-and-not-Faulted.

The Statistics page measures what its rollups do not hold with `outlet_time` and
`station_time`; the clock rolls many days up at once with their `_by_day` twins, which
count the same way and cut each status at the midnights it spans, so that adding up
rolled-up days gives what measuring the whole range gives (tests/services/
test_statistics_rollups.py compares them).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ocpp.v16.enums import ChargePointStatus
from sqlalchemy import Select, bindparam, func, literal, select

from portal.extensions import db
from portal.models import Event, Outlet, Station
from portal.models.base import UTCDateTime
from portal.services.session_table import SecondsBetween

OCCUPIED = frozenset({ChargePointStatus.preparing, ChargePointStatus.charging,
                      ChargePointStatus.suspended_ev, ChargePointStatus.suspended_evse,
                      ChargePointStatus.finishing})
CONNECTION = ("connected", "disconnected")


def _connection() -> Any:
    """Events that connect or disconnect a station, with the kinds written into the SQL:
    SQLite uses the partial index on them (ix_event_station_connection) only where the
    query's own terms imply its condition, which bound parameters do not (a station's
    state at a midnight walked back through all its statuses instead)."""
    return Event.kind.in_(bindparam(None, CONNECTION, expanding=True, literal_execute=True))


@dataclass(frozen=True)
class Among:
    """The stations measured (a query of Station.id) and, for an outlet node, its outlet."""

    station_ids: Select[Any]
    outlet_id: int | None = None


@dataclass(frozen=True)
class OutletTime:
    station_id: int
    charging: float  # seconds
    occupied: float


@dataclass(frozen=True)
class StationTime:
    online: float  # seconds
    available: float  # online and not Faulted


def outlet_time(among: Among, start: datetime, until: datetime) -> dict[int, OutletTime]:
    """Per outlet, seconds Charging and occupied from start to until: each status lasts until
    the outlet's next one (the last one until `until`); the status it had before `start`
    counts from `start`; time before an outlet's first status counts as neither.

    Two queries whatever the number of outlets: the outlets with their status at the start,
    and the time of each status, summed in SQL (LEAD over each outlet's events).
    """
    status = Event.details["status"].as_string()
    outlets = select(Outlet.id, Outlet.station_id, latest_before(start, select(status).where(
        Event.outlet_id == Outlet.id, Event.kind == "status"))).join(Outlet.station).where(
        Station.id.in_(among.station_ids))
    events = select(Event.outlet_id, Event.occurred_at, Event.id, status.label("status")).where(
        Event.kind == "status", Event.outlet_id.is_not(None),
        Event.station_id.in_(among.station_ids),
        Event.occurred_at >= start, Event.occurred_at < until)
    if among.outlet_id is not None:
        outlets = outlets.where(Outlet.id == among.outlet_id)
        events = events.where(Event.outlet_id == among.outlet_id)
    rows = events.subquery()
    in_range = select(rows.c.outlet_id, rows.c.occurred_at, rows.c.status, func.lead(
        rows.c.occurred_at, type_=UTCDateTime).over(
        partition_by=rows.c.outlet_id, order_by=(rows.c.occurred_at, rows.c.id))
        .label("next_at")).subquery()
    seconds = func.sum(SecondsBetween(in_range.c.occurred_at, func.coalesce(
        in_range.c.next_at, literal(until, UTCDateTime))))
    durations: dict[int, dict[str, float]] = {}
    firsts: dict[int, datetime] = {}
    for outlet_id, name, took, began in db.session.execute(
            select(in_range.c.outlet_id, in_range.c.status, seconds,
                   func.min(in_range.c.occurred_at))
            .group_by(in_range.c.outlet_id, in_range.c.status)):
        durations.setdefault(outlet_id, {})[name] = float(took or 0)
        firsts[outlet_id] = min(firsts.get(outlet_id, began), began)
    times = {}
    for outlet_id, station_id, before in db.session.execute(outlets):
        time_in = durations.get(outlet_id, {})
        if before is not None:
            lead_in = (firsts.get(outlet_id, until) - start).total_seconds()
            time_in[before] = time_in.get(before, 0.0) + lead_in
        times[outlet_id] = OutletTime(
            station_id, time_in.get(ChargePointStatus.charging.value, 0.0),
            sum(time_in.get(name.value, 0.0) for name in OCCUPIED))
    return times


def station_time(among: Among, start: datetime, until: datetime) -> dict[int, StationTime]:
    """Per station, seconds connected to Plugboard from start to until, and connected and not
    Faulted (a StatusNotification Faulted on connectorId 0, until its next status on
    connectorId 0). Its state before `start` counts from `start` (never connected: offline).

    The intervals are added up here over each station's events, which are few (connections
    and station-wide statuses, not the outlets' statuses).
    """
    station_wide = (Event.kind == "status") & Event.outlet_id.is_(None)
    connection = _connection()
    stations = db.session.execute(select(
        Station.id, latest_before(start, select(Event.kind).where(connection)),
        latest_before(start, select(Event.details["status"].as_string()).where(station_wide)),
    ).where(Station.id.in_(among.station_ids)))
    changes: dict[int, list[tuple[datetime, str]]] = {}
    for station_id, kind, status, at in db.session.execute(select(
            Event.station_id, Event.kind, Event.details["status"].as_string(), Event.occurred_at)
            .where(Event.station_id.in_(among.station_ids), connection | station_wide,
                   Event.occurred_at >= start, Event.occurred_at < until)
            .order_by(Event.occurred_at, Event.id)):
        changes.setdefault(station_id, []).append((at, status if kind == "status" else kind))
    times = {}
    for station_id, connected, status in stations:
        state = {"online": connected == "connected",
                 "faulted": status == ChargePointStatus.faulted.value}
        times[station_id] = _time_online(start, until, state, changes.get(station_id, []))
    return times


def latest_before(start: datetime, query: Select[Any]) -> Any:
    """The value of a station's latest event of `query` before `start`: a walk back along its
    (station, time) index that stops at the first match. Ordered by time alone, as the index
    is (ordered by id too, PostgreSQL sorts every earlier event of the station): two events of
    one instant are a tie either way."""
    return (query.where(Event.station_id == Station.id, Event.occurred_at < start)
            .order_by(Event.occurred_at.desc()).limit(1).scalar_subquery())


def _apply_station_change(state: dict[str, bool], change: str) -> None:
    if change in CONNECTION:
        state["online"] = change == "connected"
    else:
        state["faulted"] = change == ChargePointStatus.faulted.value


def _time_online(start: datetime, end: datetime, state: dict[str, bool],
                 changes: list[tuple[datetime, str]]) -> StationTime:
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
    return StationTime(online, available)


def outlet_time_by_day(among: Among, midnights: list[datetime]
                       ) -> dict[tuple[int, int], OutletTime]:
    """`outlet_time` of each day between consecutive `midnights` (per (outlet, day index)),
    from one read of the events: each status's time is cut at the midnights it spans. Only
    outlets with occupied time are in it (the clock's rollups of many days)."""
    start, end = midnights[0], midnights[-1]
    status = Event.details["status"].as_string()
    outlets = {outlet_id: (station_id, before) for outlet_id, station_id, before in
               db.session.execute(select(Outlet.id, Outlet.station_id, latest_before(
                   start, select(status).where(Event.outlet_id == Outlet.id,
                                               Event.kind == "status")))
                   .join(Outlet.station).where(Station.id.in_(among.station_ids)))}
    seconds: dict[tuple[int, int], dict[str, float]] = {}

    def spend(outlet_id: int, name: str | None, since: datetime, until: datetime) -> None:
        if name is not None:
            for day, part in _cut(midnights, since, until):
                time_in = seconds.setdefault((outlet_id, day), {})
                time_in[name] = time_in.get(name, 0.0) + part

    current: dict[int, tuple[str | None, datetime]] = {
        outlet_id: (before, start) for outlet_id, (_, before) in outlets.items()}
    for outlet_id, at, name in db.session.execute(
            select(Event.outlet_id, Event.occurred_at, status).where(
                Event.kind == "status", Event.outlet_id.in_(list(outlets)),
                Event.occurred_at >= start, Event.occurred_at < end)
            .order_by(Event.occurred_at, Event.id)):
        previous, since = current[outlet_id]
        spend(outlet_id, previous, since, at)
        current[outlet_id] = (name, at)
    for outlet_id, (name, since) in current.items():
        spend(outlet_id, name, since, end)
    times = {}
    for (outlet_id, day), time_in in seconds.items():
        occupied = sum(time_in.get(name.value, 0.0) for name in OCCUPIED)
        if occupied:
            times[outlet_id, day] = OutletTime(
                outlets[outlet_id][0], time_in.get(ChargePointStatus.charging.value, 0.0),
                occupied)
    return times


def station_time_by_day(among: Among, midnights: list[datetime]
                        ) -> dict[tuple[int, int], StationTime]:
    """`station_time` of each day between consecutive `midnights` (per (station, day
    index)), from one read of the events; only stations with online time are in it."""
    start, end = midnights[0], midnights[-1]
    station_wide = (Event.kind == "status") & Event.outlet_id.is_(None)
    connection = _connection()
    state: dict[int, dict[str, bool]] = {}
    since: dict[int, datetime] = {}
    for station_id, connected, status in db.session.execute(select(
            Station.id, latest_before(start, select(Event.kind).where(connection)),
            latest_before(start, select(Event.details["status"].as_string())
                          .where(station_wide)),
    ).where(Station.id.in_(among.station_ids))):
        state[station_id] = {"online": connected == "connected",
                             "faulted": status == ChargePointStatus.faulted.value}
        since[station_id] = start
    online: dict[tuple[int, int], list[float]] = {}

    def spend(station_id: int, until: datetime) -> None:
        now_in = state[station_id]
        if now_in["online"]:
            for day, part in _cut(midnights, since[station_id], until):
                spent = online.setdefault((station_id, day), [0.0, 0.0])
                spent[0] += part
                if not now_in["faulted"]:
                    spent[1] += part
        since[station_id] = until

    for station_id, kind, status, at in db.session.execute(select(
            Event.station_id, Event.kind, Event.details["status"].as_string(), Event.occurred_at)
            .where(Event.station_id.in_(list(state)), connection | station_wide,
                   Event.occurred_at >= start, Event.occurred_at < end)
            .order_by(Event.occurred_at, Event.id)):
        spend(station_id, at)
        _apply_station_change(state[station_id], status if kind == "status" else kind)
    for station_id in state:
        spend(station_id, end)
    return {key: StationTime(*spent) for key, spent in online.items() if spent[0]}


def _cut(midnights: list[datetime], since: datetime, until: datetime
         ) -> list[tuple[int, float]]:
    """The seconds of [since, until) in each day between consecutive midnights, by index."""
    parts = []
    day = max(bisect_right(midnights, since) - 1, 0)
    while since < until and day < len(midnights) - 1:
        end = min(until, midnights[day + 1])
        if end > since:
            parts.append((day, (end - since).total_seconds()))
        since, day = end, day + 1
    return parts
