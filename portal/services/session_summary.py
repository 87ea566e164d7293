"""Reading the sessions per station and day and per station and month (portal.services.
session_days keeps them): totals, bars and rankings over a node's stations that an actor
may see, instead of a year of sessions. Whole months come from the months, the days before
and after them from the days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, Subquery, func, select, union_all

from portal.auth.permissions import Actor, visible_stations
from portal.extensions import db
from portal.models import SessionDay, SessionMonth, Station
from portal.services.scope import Node, NodeKind


def _days(actor: Actor, node: Node, first: date | None, end: date | None,
          query: Select[Any]) -> Select[Any]:
    """`query` over the summary rows of the node's stations the actor may see, from day
    `first` up to `end` (excluded); None is open on that side."""
    assert node.kind is not NodeKind.OUTLET, "the summary counts stations, not outlets"
    query = node.stations(visible_stations(actor, query.select_from(SessionDay).join(
        Station, Station.id == SessionDay.station_id)))
    if first is not None:
        query = query.where(SessionDay.day >= first)
    if end is not None:
        query = query.where(SessionDay.day < end)
    return query


def total(actor: Actor, node: Node, first: date | None, end: date | None) -> tuple[int, int]:
    """(sessions, Wh) of the days from `first` up to `end` (excluded)."""
    count, energy = db.session.execute(_days(actor, node, first, end, select(
        func.coalesce(func.sum(SessionDay.sessions), 0),
        func.coalesce(func.sum(SessionDay.energy_wh), 0)))).one()
    return int(count), int(energy)


def by_day(actor: Actor, node: Node, first: date, last: date) -> list[tuple[date, int, int]]:
    """(day, sessions, Wh) of each day from `first` to `last` with sessions, in day order."""
    return [(day, int(count), int(energy)) for day, count, energy in db.session.execute(
        _days(actor, node, first, last + timedelta(1), select(
            SessionDay.day, func.sum(SessionDay.sessions), func.sum(SessionDay.energy_wh)))
        .group_by(SessionDay.day).order_by(SessionDay.day))]


def by_month(actor: Actor, node: Node, first: date, last: date) -> list[tuple[date, int, int]]:
    """(day, sessions, Wh) of the range from `first` to `last` with sessions, in day order:
    each whole month of the range as one row on its first day, the days before and after
    those months one by one (for bars a month: a month's bar adds up a row a station)."""
    rows = _with_months(_station_ids(actor, node), first, last + timedelta(1))
    return [(day, int(count), int(energy)) for day, count, energy in db.session.execute(
        select(rows.c.day, func.sum(rows.c.sessions), func.sum(rows.c.energy_wh))
        .group_by(rows.c.day).order_by(rows.c.day))]


def by_station(actor: Actor, node: Node, first: date, last: date
               ) -> list[tuple[str, str | None, int, int]]:
    """(chargeBoxId, name, sessions, Wh) of every station with sessions from `first` to
    `last`, by chargeBoxId (one read serves both of the Statistics' rankings), adding up
    whole months from the months."""
    rows = _with_months(_station_ids(actor, node), first, last + timedelta(1))
    count, energy = func.sum(rows.c.sessions), func.sum(rows.c.energy_wh)
    result = db.session.execute(select(Station.charge_box_id, Station.name, count, energy)
                                .join_from(rows, Station, Station.id == rows.c.station_id)
                                .group_by(Station.id, Station.charge_box_id, Station.name)
                                .having(count > 0).order_by(Station.charge_box_id))
    return [(charge_box_id, name, int(sessions), int(wh))
            for charge_box_id, name, sessions, wh in result]


def _station_ids(actor: Actor, node: Node) -> Select[Any]:
    """The ids of the node's stations that the actor may see."""
    assert node.kind is not NodeKind.OUTLET, "the summary counts stations, not outlets"
    return node.stations(visible_stations(actor, select(Station.id)))


def _with_months(station_ids: Select[Any], first: date, end: date) -> Subquery:
    """The stations' summary from day `first` up to `end` (excluded) as rows (station_id,
    day, sessions, energy_wh): each whole month among those days from the months, as one
    row on its first day, and the days before and after the months from the days. Each
    part names the stations: a site's then reads its own rows, not the company's."""
    months_from, months_stop = _first_of_month_from(first), end.replace(day=1)
    if months_from >= months_stop:
        return _day_rows(station_ids, first, end).subquery()
    months = select(SessionMonth.station_id, SessionMonth.month.label("day"),
                    SessionMonth.sessions, SessionMonth.energy_wh).where(
        SessionMonth.station_id.in_(station_ids),
        SessionMonth.month >= months_from, SessionMonth.month < months_stop)
    return union_all(_day_rows(station_ids, first, months_from), months,
                     _day_rows(station_ids, months_stop, end)).subquery()


def _day_rows(station_ids: Select[Any], first: date, end: date) -> Select[Any]:
    return select(SessionDay.station_id, SessionDay.day, SessionDay.sessions,
                  SessionDay.energy_wh).where(SessionDay.station_id.in_(station_ids),
                                              SessionDay.day >= first, SessionDay.day < end)


def _first_of_month_from(day: date) -> date:
    """The first day of a month on or after `day`."""
    return day if day.day == 1 else (day.replace(day=1) + timedelta(32)).replace(day=1)
