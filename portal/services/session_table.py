"""The staff's table of charging sessions: its columns, filters, sort order and pages.

The sessions page and both exports read the table through here, so an export holds exactly
the rows the page shows, in the same order, and the same totals.

Pages are keyset pages (a seek on the sort value and the row id), not OFFSET pages: page 500
of a year of sessions costs what page 1 costs. A cursor is the id of the row a page starts
after (or ends before); its sort value is looked up again, so a cursor carries no value to
forge. Exports walk the same seek in batches, so memory stays flat for a million rows.

Energy follows the one rule of the portal: a stopped session counts its accounted energy
(`ChargingSession.energy_wh`, whole Wh) and kWh are Wh / 1000 with 3 decimals, exact, so
the rows of an export add up to its total. An open session shows its energy so far, which
is not yet accounted: it is in no total.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Select, Subquery, func, join, literal, select, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from portal.auth.permissions import visible_stations
from portal.errors import NotFound
from portal.extensions import db
from portal.models import (
    AuthMethod,
    ChargingSession,
    Floor,
    Outlet,
    Site,
    Station,
    Tag,
    Tenant,
    User,
)
from portal.models.base import UTCDateTime
from portal.services import charging_sessions, session_summary
from portal.services.scope import SYSTEM, Node, NodeKind
from portal.timestamps import local_midnight

T = TypeVar("T")
PAGE_SIZE = 50
BATCH = 2000  # rows an export reads at a time


class SecondsBetween(FunctionElement[float]):
    """Seconds from the first time to the second, on SQLite and PostgreSQL alike."""

    type = Float()
    inherit_cache = True


@compiles(SecondsBetween, "sqlite")
def _seconds_sqlite(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, stop = (compiler.process(arg, **kw) for arg in element.clauses)
    # julianday's days are floats: rounded to the millisecond, 30 minutes are 1800 s.
    return f"ROUND((julianday({stop}) - julianday({start})) * 86400.0, 3)"


@compiles(SecondsBetween)
def _seconds_default(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, stop = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({stop} - {start}))"


@dataclass(frozen=True)
class Range(Generic[T]):
    """From `low` to `high`, both included; None is open on that side."""

    low: T | None = None
    high: T | None = None


@dataclass(frozen=True)
class SessionFilter:
    transaction_id: int | None = None
    started: Range[datetime] = field(default_factory=Range)
    stopped: Range[datetime] = field(default_factory=Range)
    duration_minutes: Range[int] = field(default_factory=Range)
    energy_kwh: Range[Decimal] = field(default_factory=Range)
    meter_start: Range[int] = field(default_factory=Range)
    meter_stop: Range[int] = field(default_factory=Range)
    station: str = ""  # chargeBoxId or name contains, any case
    connector_id: int | None = None
    site: str = ""  # contains, any case (also floor, tag, email, stop_reason)
    floor: str = ""
    tag: str = ""
    email: str = ""
    auth_method: AuthMethod | None = None
    stop_reason: str = ""
    received: Range[datetime] = field(default_factory=Range)
    needs_review: bool | None = None


# Where sessions are joined to their station, outlet, place, tag and user.
_tag_owner = aliased(User, name="tag_owner")
_session_user = aliased(User, name="session_user")
_EMAIL = func.coalesce(_session_user.email, _tag_owner.email)
_DURATION = SecondsBetween(ChargingSession.started_at, ChargingSession.stopped_at)
# Sort values never NULL, so that a seek compares them: open sessions stop "never" and
# have no duration or energy yet, missing names are empty.
_NEVER = literal(datetime(9999, 1, 1, tzinfo=UTC), UTCDateTime)
_LONG_AGO = literal(datetime(1970, 1, 1, tzinfo=UTC), UTCDateTime)


class SortColumn(enum.StrEnum):
    """The columns the table sorts by, with the SQL each one sorts on."""

    TRANSACTION = "id"
    STARTED = "started"
    STOPPED = "stopped"
    DURATION = "duration"
    ENERGY = "energy"
    METER_START = "meter_start"
    METER_STOP = "meter_stop"
    STATION = "station"
    OUTLET = "outlet"
    SITE = "site"
    FLOOR = "floor"
    TAG = "tag"
    EMAIL = "email"
    AUTH_METHOD = "auth_method"
    STOP_REASON = "stop_reason"
    RECEIVED = "received"
    REVIEW = "review"

    @property
    def expression(self) -> Any:
        return {
            "id": ChargingSession.id,
            "started": ChargingSession.started_at,
            "stopped": func.coalesce(ChargingSession.stopped_at, _NEVER),
            "duration": func.coalesce(_DURATION, -1.0),
            "energy": func.coalesce(ChargingSession.energy_wh, -1),
            "meter_start": ChargingSession.meter_start,
            "meter_stop": func.coalesce(ChargingSession.meter_stop, -1),
            "station": Station.charge_box_id,
            "outlet": func.coalesce(Outlet.connector_id, 0),
            "site": func.coalesce(Site.name, ""),
            "floor": func.coalesce(Floor.name, ""),
            "tag": ChargingSession.id_tag,
            "email": func.coalesce(_EMAIL, ""),
            "auth_method": ChargingSession.auth_method,
            "stop_reason": func.coalesce(ChargingSession.stop_reason, ""),
            "received": func.coalesce(ChargingSession.received_at, _LONG_AGO),
            "review": ChargingSession.needs_review,
        }[self.value]


@dataclass(frozen=True)
class Sort:
    column: SortColumn = SortColumn.STARTED
    descending: bool = True


@dataclass(frozen=True)
class SessionRow:
    id: int
    transaction_id: int
    started_at: datetime
    stopped_at: datetime | None
    energy_wh: int | None  # accounted (stopped sessions)
    meter_start: int
    meter_stop: int | None
    charge_box_id: str
    station_name: str
    connector_id: int | None
    site: str | None
    floor: str | None
    id_tag: str
    email: str | None
    auth_method: AuthMethod
    stop_reason: str | None
    received_at: datetime | None
    needs_review: bool
    energy_so_far_wh: int | None = None  # open sessions: from the latest meter value

    @property
    def duration(self) -> timedelta | None:
        return None if self.stopped_at is None else self.stopped_at - self.started_at

    @property
    def energy_kwh(self) -> Decimal | None:
        return kwh(self.energy_wh)

    @property
    def energy_so_far_kwh(self) -> Decimal | None:
        return kwh(self.energy_so_far_wh)


def kwh(wh: int | None) -> Decimal | None:
    """Wh as kWh with 3 decimals: exact, since Wh are whole; the one rounding rule."""
    return None if wh is None else (Decimal(wh) / 1000).quantize(Decimal("0.001"))


@dataclass(frozen=True)
class Totals:
    sessions: int
    energy_wh: int  # accounted energy of the stopped sessions

    @property
    def energy_kwh(self) -> Decimal:
        return kwh(self.energy_wh) or Decimal("0.000")


@dataclass(frozen=True)
class SessionPage:
    rows: list[SessionRow]
    totals: Totals
    # Cursors of the neighbouring pages: the id to start after / end before; None at an end.
    next_after: int | None
    previous_before: int | None


_COLUMNS = (
    ChargingSession.id, ChargingSession.transaction_id, ChargingSession.started_at,
    ChargingSession.stopped_at, ChargingSession.energy_wh, ChargingSession.meter_start,
    ChargingSession.meter_stop, Station.charge_box_id, Station.name.label("station_name"),
    Outlet.connector_id, Site.name.label("site"), Floor.name.label("floor"),
    ChargingSession.id_tag, _EMAIL.label("email"), ChargingSession.auth_method,
    ChargingSession.stop_reason, ChargingSession.received_at, ChargingSession.needs_review,
)


def _joined(query: Select[Any], actor: User, node: Node, *, everything: bool = True,
            chosen: Subquery | None = None) -> Select[Any]:
    """`query` over sessions (those `chosen` names, if given) joined to everything a row
    names (or, without `everything`, to their station only: the outlet too for an outlet
    node), limited to the node's and the actor's stations."""
    sessions = (ChargingSession if chosen is None
                else join(chosen, ChargingSession, ChargingSession.id == chosen.c.id))
    query = (query.select_from(sessions)
             .join(Station, ChargingSession.station_id == Station.id))
    if everything or node.kind is NodeKind.OUTLET:
        query = query.outerjoin(Outlet, ChargingSession.outlet_id == Outlet.id)
    if everything:
        query = (query.outerjoin(Site, Station.site_id == Site.id)
                 .outerjoin(Floor, Station.floor_id == Floor.id)
                 .outerjoin(Tag, ChargingSession.tag_id == Tag.id)
                 .outerjoin(_tag_owner, Tag.owner_id == _tag_owner.id)
                 .outerjoin(_session_user, ChargingSession.user_id == _session_user.id))
    return node.outlets(visible_stations(actor, query))


def _needs_every_table(filters: SessionFilter, sort: Sort) -> bool:
    """Whether choosing the rows (not showing them) needs more than sessions and stations."""
    return (bool(filters.site or filters.floor or filters.email)
            or filters.connector_id is not None
            or sort.column in (SortColumn.OUTLET, SortColumn.SITE, SortColumn.FLOOR,
                               SortColumn.EMAIL))


def _rows(actor: User, node: Node, filters: SessionFilter, sort: Sort, limit: int, *,
          seek: tuple[Any, int] | None = None, reverse: bool = False,
          columns: tuple[Any, ...] = _COLUMNS) -> Select[Any]:
    """The first `limit` rows the filters keep in the sort order (after `seek`'s (value,
    id)), chosen by id over the fewest tables, then joined to everything a row names.

    Joined to outlet, place, tag and users, SQLite's planner reads a million sessions
    (station by station, then sorting them: 3-9 s) where 50 would do. Over sessions and
    stations alone the same ORDER BY ... LIMIT stops early on either plan (ms). The chosen
    ids come first in the FROM: as `id IN (...)`, PostgreSQL joined every session to the
    eight tables before keeping 51 (5 s)."""
    ids = _filtered(_joined(select(ChargingSession.id), actor, node,
                            everything=_needs_every_table(filters, sort)), filters)
    if seek is not None:
        ids = _after(ids, sort, *seek, reverse=reverse)
    chosen = _ordered(ids, sort, reverse).limit(limit).subquery("chosen")
    return _ordered(_joined(select(*columns), actor, node, chosen=chosen), sort, reverse)


def _filtered(query: Select[Any], filters: SessionFilter) -> Select[Any]:
    f = filters
    conditions: list[Any] = []
    if f.transaction_id is not None:
        conditions.append(ChargingSession.transaction_id == f.transaction_id)
    for column, bounds in (
        (ChargingSession.started_at, f.started), (ChargingSession.stopped_at, f.stopped),
        (ChargingSession.received_at, f.received),
        (ChargingSession.meter_start, f.meter_start), (ChargingSession.meter_stop, f.meter_stop),
        (_DURATION, Range(*(None if m is None else m * 60 for m in
                            (f.duration_minutes.low, f.duration_minutes.high)))),
        (ChargingSession.energy_wh, Range(*(None if k is None else k * 1000 for k in
                                            (f.energy_kwh.low, f.energy_kwh.high)))),
    ):
        if bounds.low is not None:
            conditions.append(column >= bounds.low)
        if bounds.high is not None:
            conditions.append(column <= bounds.high)
    if f.station:
        conditions.append(Station.charge_box_id.icontains(f.station, autoescape=True)
                          | Station.name.icontains(f.station, autoescape=True))
    for column, text in ((Site.name, f.site), (Floor.name, f.floor),
                         (ChargingSession.id_tag, f.tag), (_EMAIL, f.email),
                         (ChargingSession.stop_reason, f.stop_reason)):
        if text:
            conditions.append(column.icontains(text, autoescape=True))
    if f.connector_id is not None:
        conditions.append(Outlet.connector_id == f.connector_id)
    if f.auth_method is not None:
        conditions.append(ChargingSession.auth_method == f.auth_method)
    if f.needs_review is not None:
        conditions.append(ChargingSession.needs_review.is_(f.needs_review))
    return query.where(*conditions)


def _ordered(query: Select[Any], sort: Sort, reverse: bool = False) -> Select[Any]:
    descending = sort.descending != reverse
    key = sort.column.expression
    return query.order_by(*(part.desc() if descending else part.asc()
                            for part in (key, ChargingSession.id)))


def _after(query: Select[Any], sort: Sort, value: Any, row_id: int,
           reverse: bool = False) -> Select[Any]:
    """Rows after (value, id) in the sort order; before it with `reverse`."""
    seek = tuple_(sort.column.expression, ChargingSession.id)
    bound = tuple_(literal(value, sort.column.expression.type), literal(row_id))
    later = seek < bound if sort.descending != reverse else seek > bound
    return query.where(later)


def _sort_value(actor: User, node: Node, sort: Sort, row_id: int) -> Any:
    """The sort value of the cursor's row; NotFound for a row the actor cannot see."""
    found = db.session.execute(_joined(select(sort.column.expression), actor, node)
                               .where(ChargingSession.id == row_id)).first()
    if found is None:
        raise NotFound("This page of sessions no longer exists: start from the first page.",
                       field="cursor")
    return found[0]


def page(actor: User, filters: SessionFilter, sort: Sort = Sort(), *, node: Node = SYSTEM,
         after: int | None = None, before: int | None = None,
         size: int | None = None) -> SessionPage:
    """One page of the sessions under the node that the actor may see and the filters keep:
    the first, the one after row `after`, or the one before row `before`."""
    size = size or PAGE_SIZE
    backwards = before is not None
    cursor = before if backwards else after
    seek = None if cursor is None else (_sort_value(actor, node, sort, cursor), cursor)
    rows = [SessionRow(**row._mapping) for row in db.session.execute(
        _rows(actor, node, filters, sort, size + 1, seek=seek, reverse=backwards))]
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    # Going back, the rows after the page exist (the cursor's row); going forward, those
    # before it do whenever a cursor was followed.
    has_next = (more and not backwards) or (backwards and bool(rows))
    has_previous = (more and backwards) or (not backwards and cursor is not None and bool(rows))
    return SessionPage(
        rows=with_energy_so_far(rows), totals=totals(actor, filters, node),
        next_after=rows[-1].id if has_next and rows else None,
        previous_before=rows[0].id if has_previous and rows else None,
    )


def totals(actor: User, filters: SessionFilter, node: Node = SYSTEM) -> Totals:
    """How many sessions the filters keep, and their accounted energy.

    Filtered by no more than the start time, under a node of stations, the whole local days
    of the range come from the summary of sessions per station and day (session_days) and
    only the sessions of the range's partial days at its edges are read: a few ms for a
    year. Any other filter (or an outlet node) reads every session it keeps."""
    if filters != SessionFilter(started=filters.started) or node.kind is NodeKind.OUTLET:
        return scanned_totals(actor, filters, node)
    zone = ZoneInfo(db.session.get_one(Tenant, actor.tenant_id).time_zone)
    low, high = filters.started.low, filters.started.high
    try:
        first = None if low is None else _first_day_from(low, zone)
        # high is included: the days that end at or before the instant after it
        end = None if high is None else (high + timedelta(microseconds=1)).astimezone(zone).date()
        if first is not None and end is not None and first >= end:
            return scanned_totals(actor, filters, node)  # no whole day
        edges: list[Range[datetime]] = []
        if first is not None:
            edges.append(Range(low, local_midnight(first, zone) - timedelta(microseconds=1)))
        if end is not None:
            edges.append(Range(local_midnight(end, zone), high))
    except OverflowError:  # a bound at the end of the calendar
        return scanned_totals(actor, filters, node)
    sessions, energy_wh = session_summary.total(actor, node, first, end)
    for edge in edges:
        partial = scanned_totals(actor, SessionFilter(started=edge), node)
        sessions, energy_wh = sessions + partial.sessions, energy_wh + partial.energy_wh
    return Totals(sessions=sessions, energy_wh=energy_wh)


def _first_day_from(moment: datetime, zone: ZoneInfo) -> date:
    """The first local day that starts at or after the moment."""
    day = moment.astimezone(zone).date()
    return day if local_midnight(day, zone) >= moment else day + timedelta(1)


def scanned_totals(actor: User, filters: SessionFilter, node: Node) -> Totals:
    """totals() read from every session the filters keep: the path of filters the summary
    cannot answer, and the reference it is checked against."""
    count, energy = db.session.execute(_filtered(_joined(
        select(func.count(ChargingSession.id), func.coalesce(func.sum(ChargingSession.energy_wh),
                                                             0)), actor, node), filters)).one()
    return Totals(sessions=count, energy_wh=int(energy))


def every_row(actor: User, filters: SessionFilter, sort: Sort = Sort(),
              node: Node = SYSTEM) -> Iterator[SessionRow]:
    """Every row the filters keep, in the page's order, read BATCH at a time (exports)."""
    columns = (*_COLUMNS, sort.column.expression.label("key"))
    last: tuple[Any, int] | None = None
    while True:
        batch = db.session.execute(
            _rows(actor, node, filters, sort, BATCH, seek=last, columns=columns)).all()
        rows = [SessionRow(**{k: v for k, v in row._mapping.items() if k != "key"})
                for row in batch]
        yield from with_energy_so_far(rows)
        if len(batch) < BATCH:
            return
        last = (batch[-1].key, batch[-1].id)


def with_energy_so_far(rows: list[SessionRow]) -> list[SessionRow]:
    """The rows with the energy so far of their open sessions, in one query."""
    so_far = charging_sessions.energy_so_far(
        {row.id: row.meter_start for row in rows if row.stopped_at is None})
    return [row if row.id not in so_far else
            SessionRow(**{**row.__dict__, "energy_so_far_wh": so_far[row.id]}) for row in rows]



def export_header(zone: str) -> list[str]:
    """The columns of an export, naming the time zone its times are in."""
    return ["Session", f"Start ({zone})", f"Stop ({zone})", "Duration", "Energy (kWh)",
            "Meter start (Wh)", "Meter stop (Wh)", "Station", "Station name", "Outlet", "Site",
            "Floor", "Tag", "User", "Authentication", "Stop reason", f"Received ({zone})",
            "Closed for review"]


def export_rows(actor: User, filters: SessionFilter, sort: Sort, node: Node,
                zone: ZoneInfo) -> Iterator[list[Any]]:
    """The cells of every row (typed: times in `zone`, energy as kWh numbers, durations),
    then a totals line: the count and the sum of the energy cells above it. An open
    session's energy is not accounted yet: its cell is empty."""
    count = energy_wh = 0
    for row in every_row(actor, filters, sort, node):
        count += 1
        energy_wh += row.energy_wh or 0
        yield [row.transaction_id, _local(row.started_at, zone), _local(row.stopped_at, zone),
               row.duration, row.energy_kwh, row.meter_start, row.meter_stop, row.charge_box_id,
               row.station_name, row.connector_id, row.site, row.floor, row.id_tag, row.email,
               row.auth_method.value, row.stop_reason, _local(row.received_at, zone),
               "yes" if row.needs_review else "no"]
    yield [f"Total: {count} sessions", None, None, None, kwh(energy_wh)] + [None] * 13


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)
