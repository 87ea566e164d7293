"""Sessions per station and local day (SessionDay), and per station and local month
(SessionMonth: its days added up), kept exact in the same transaction as every change to a
session, and read (portal.services.session_summary) instead of a year of sessions.

What a row counts: every session by its start (open ones too: a StartTransaction adds 1 to
its day), and the sum of their `energy_wh` (NULL counts 0). So a session counts once its
row exists, whatever happens to it, and the sums equal a COUNT / SUM over the sessions the
same day range keeps, which is what the sessions page's totals line and the Statistics
page show. Open sessions have no accounted energy (charging_sessions sets it when a session
ends), so the energy of a day is also that of its stopped sessions (the dashboard's).

How it stays exact:

- Every ORM write of a ChargingSession (the OCPP handlers, the review, the demo, the
  tests' factories) is caught by one flush listener (`_before_flush` / `_after_flush`): it
  takes what each new, changed or deleted session counted before the flush and what it
  counts after, and applies the difference with one atomic UPSERT per station-day
  (`sessions = session_day.sessions + excluded.sessions`), so concurrent stops on one
  station-day both count, then the same per station-month. A replayed StopTransaction
  changes nothing, so it adds nothing.
- A change of a company's time zone moves sessions between days: the same listener
  rebuilds that company's rows in the flush that changes it (`rebuild`: one DELETE and one
  INSERT ... SELECT GROUP BY for the days, then the same for the months from the days:
  20 s for a million sessions on PostgreSQL and on SQLite on a loaded 2-core machine,
  bench/README.md).
- Sessions deleted with their station or company go with their rows (ON DELETE CASCADE).
- **Writes that bypass the ORM** (bulk loaders, a future Core StartTransaction or
  StopTransaction) must call `record` with what each session counted before and after, in
  the same transaction, or `rebuild` the company after a bulk load. The test
  tests/ocpp/test_session_days.py::test_a_station_over_a_socket_keeps_the_summary_exact
  starts and stops sessions over a real OCPP socket and fails if they do not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Date, case, cast, delete, event, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, attributes

from portal.models import ChargingSession, SessionDay, SessionMonth, Tenant
from portal.models.base import UTCDateTime

# What a session counts in, and by how much: the columns whose change moves it.
_COUNTED = ("tenant_id", "station_id", "started_at", "energy_wh")
_TABLE, _MONTHS = SessionDay.__table__, SessionMonth.__table__
_PENDING = "session_days.pending"  # Session.info: what the flush under way changes
_STEP = timedelta(hours=6)  # no zone changes its offset twice in six hours


@dataclass(frozen=True)
class Counted:
    """What one session counts in the summary: one session on its station's start day, and
    its accounted energy."""

    tenant_id: int
    station_id: int
    started_at: datetime
    energy_wh: int | None

    @classmethod
    def of(cls, session: ChargingSession) -> Counted:
        return cls(session.tenant_id, session.station_id, session.started_at,
                   session.energy_wh)


def record(connection: Connection, added: Iterable[Counted] = (),
           removed: Iterable[Counted] = ()) -> None:
    """Apply to the summary sessions that now count (`added`) and no longer count as they
    did (`removed`: their values before the change), in the caller's transaction. A stopped
    session is removed as it was (open, no energy) and added as it is."""
    zones: dict[int, ZoneInfo] = {}
    days: defaultdict[tuple[int, int, date], list[int]] = defaultdict(lambda: [0, 0])
    months: defaultdict[tuple[int, int, date], list[int]] = defaultdict(lambda: [0, 0])
    for sign, counted in [(1, c) for c in added] + [(-1, c) for c in removed]:
        if counted.tenant_id not in zones:
            zones[counted.tenant_id] = ZoneInfo(connection.scalar(
                select(Tenant.time_zone).where(Tenant.id == counted.tenant_id)) or "UTC")
        day = counted.started_at.astimezone(zones[counted.tenant_id]).date()
        for totals, period in ((days, day), (months, day.replace(day=1))):
            total = totals[counted.tenant_id, counted.station_id, period]
            total[0] += sign
            total[1] += sign * (counted.energy_wh or 0)
    # Days before months, each in key order: two transactions lock the same rows in the
    # same order.
    for table, period, totals in ((_TABLE, "day", days), (_MONTHS, "month", months)):
        rows = [{"tenant_id": tenant_id, "station_id": station_id, period: when,
                 "sessions": count, "energy_wh": energy_wh}
                for (tenant_id, station_id, when), (count, energy_wh) in sorted(totals.items())
                if count or energy_wh]
        if rows:
            connection.execute(_upsert(connection.dialect.name, table, period), rows)


def _upsert(dialect: str, table: Any, period: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.station_id, table.c[period]],
        set_={"sessions": table.c.sessions + statement.excluded.sessions,
              "energy_wh": table.c.energy_wh + statement.excluded.energy_wh})


def rebuild(connection: Connection, tenant_id: int) -> None:
    """Count the company's sessions again from scratch, by the days of its time zone now;
    for bulk loads and a change of time zone."""
    zone = connection.scalar(select(Tenant.time_zone).where(Tenant.id == tenant_id)) or "UTC"
    connection.execute(delete(_TABLE).where(_TABLE.c.tenant_id == tenant_id))
    sessions = ChargingSession.__table__
    # Grouped outside: PostgreSQL takes the day's bound zone in the select and in the
    # GROUP BY for two different expressions.
    started = select(sessions.c.station_id, _local_day(connection, tenant_id, zone).label("day"),
                     sessions.c.energy_wh).where(sessions.c.tenant_id == tenant_id).subquery()
    connection.execute(_TABLE.insert().from_select(
        ["tenant_id", "station_id", "day", "sessions", "energy_wh"],
        select(literal(tenant_id), started.c.station_id, started.c.day, func.count(),
               func.coalesce(func.sum(started.c.energy_wh), 0))
        .group_by(started.c.station_id, started.c.day)))
    _add_up_months(connection, tenant_id)


def _add_up_months(connection: Connection, tenant_id: int) -> None:
    """Write the company's months anew from its days."""
    connection.execute(delete(_MONTHS).where(_MONTHS.c.tenant_id == tenant_id))
    day = _TABLE.c.day
    month = (cast(func.date_trunc("month", day), Date) if connection.dialect.name == "postgresql"
             else func.date(day, "start of month"))
    days = select(_TABLE.c.station_id, month.label("month"), _TABLE.c.sessions,
                  _TABLE.c.energy_wh).where(_TABLE.c.tenant_id == tenant_id).subquery()
    connection.execute(_MONTHS.insert().from_select(
        ["tenant_id", "station_id", "month", "sessions", "energy_wh"],
        select(literal(tenant_id), days.c.station_id, days.c.month, func.sum(days.c.sessions),
               func.sum(days.c.energy_wh)).group_by(days.c.station_id, days.c.month)))


def _local_day(connection: Connection, tenant_id: int, zone: str) -> Any:
    """SQL for the local day a session started on in `zone`. PostgreSQL knows the zones
    (started_at is a timestamptz); SQLite does not: the day is the UTC time shifted by the
    zone's offset of the time, one CASE branch per offset the company's sessions span."""
    started_at = ChargingSession.__table__.c.started_at
    if connection.dialect.name == "postgresql":
        return cast(func.timezone(zone, started_at), Date)
    sessions = ChargingSession.__table__
    first, last = connection.execute(select(func.min(started_at), func.max(started_at))
                                     .where(sessions.c.tenant_id == tenant_id)).one()
    if first is None:
        return func.date(started_at)
    spans = _offsets(ZoneInfo(zone), UTCDateTime().process_result_value(first, connection.dialect),
                     UTCDateTime().process_result_value(last, connection.dialect))
    shifted = [func.date(started_at, f"{offset:+d} seconds") for _, offset in spans]
    if len(spans) == 1:
        return shifted[0]
    return case(*((started_at < literal(until, UTCDateTime), day)
                  for (until, _), day in zip(spans[1:], shifted, strict=False)),
                else_=shifted[-1])


def _offsets(zone: ZoneInfo, first: datetime, last: datetime) -> list[tuple[datetime, int]]:
    """(since, UTC offset in seconds) of each stretch of one offset in `zone` from `first`
    to `last`: walked in steps of _STEP, each change found to the second."""
    def offset(moment: datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]

    spans = [(first, offset(first))]
    moment = first
    while moment < last:
        step = min(moment + _STEP, last)
        if offset(step) == spans[-1][1]:
            moment = step
            continue
        low, high = int(moment.timestamp()), int(step.timestamp()) + 1
        while high - low > 1:  # the first second of the new offset is in (low, high]
            middle = (low + high) // 2
            low, high = (middle, high) if offset(_at(middle)) == spans[-1][1] else (low, middle)
        moment = _at(high)
        spans.append((moment, offset(moment)))
    return spans


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# --- The flush listener: every ORM write of a session --------------------------------------

def listen() -> None:
    """Keep the summary on every flush of every Session (create_app; once per process)."""
    for name, listener in (("before_flush", _before_flush), ("after_flush", _after_flush)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """Note what the sessions about to change counted before (their rows still exist to
    load it from), and the companies whose time zone changes."""
    removed: list[Counted] = []
    changed: list[ChargingSession] = list(
        obj for obj in session.new if isinstance(obj, ChargingSession))
    for obj in session.dirty:
        if isinstance(obj, ChargingSession) and any(_changed(obj, name) for name in _COUNTED):
            removed.append(Counted(*(_before(obj, name) for name in _COUNTED)))
            changed.append(obj)
    removed += [Counted.of(obj) for obj in session.deleted if isinstance(obj, ChargingSession)]
    rezoned = {obj.id for obj in session.dirty
               if isinstance(obj, Tenant) and _changed(obj, "time_zone")}
    session.info[_PENDING] = (changed, removed, rezoned)


def _changed(obj: object, name: str) -> bool:
    # Without loading what was not loaded: it cannot have changed.
    return attributes.get_history(obj, name, attributes.PASSIVE_NO_INITIALIZE).has_changes()


def _before(obj: ChargingSession, name: str) -> Any:
    """The value the attribute had when loaded (ChargingSession loads it before a change:
    active_history)."""
    history = attributes.get_history(obj, name)
    return (history.deleted or history.unchanged or [None])[0]


def _after_flush(session: Session, flush_context: Any) -> None:
    """Apply the changes: now every session has its row id and station id."""
    changed, removed, rezoned = session.info.pop(_PENDING, ([], [], set()))
    connection = session.connection()
    record(connection, [Counted.of(obj) for obj in changed if obj not in session.deleted
                        and obj.tenant_id not in rezoned],
           [counted for counted in removed if counted.tenant_id not in rezoned])
    for tenant_id in sorted(rezoned):
        rebuild(connection, tenant_id)
