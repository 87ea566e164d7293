"""Per local day rollups of the status history (portal.models.rollup), kept exact.

Design: rollups are written only by the clock (`roll_up`), only for closed days, and a
day counts as closed GRACE after its local midnight. A status event committed later than
that into a rolled-up day is late: the writer marks its station stale from the event's time
(`note_late`, one upsert in the writer's transaction, only for events that arrive more than
LATE after their time: an on-time StatusNotification writes nothing more). Readers
(`parts`) take a stale station's days from its mark on from the events, and the clock
recomputes them and clears the mark only if no later event moved it (`version`).

Why that is exact: an event that arrives at most LATE after its time is committed, unless
its transaction lasts GRACE - LATE, before the clock can take its day as closed; the clock
reads its events after that, so the rollup has it. Every later one leaves a mark in the
same transaction as the event, which readers see together with it. A change of the
company's time zone deletes its rollups (`forget`); rollups also keep the zone they were
cut in, and are read only in that zone.

Each local month's rolled-up days are also added up per outlet and station, rewritten with
the days in the same transaction; readers take the months that lie whole in the rolled-up
range from them, and the days at either end from the days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, insert, literal, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import (
    Event,
    OutletDay,
    OutletMonth,
    RollupProgress,
    StaleRollup,
    Station,
    StationDay,
    StationMonth,
    Tenant,
)
from portal.services.status_time import (
    CONNECTION,
    Among,
    outlet_time_by_day,
    station_time_by_day,
)
from portal.timestamps import local_midnight
from tenants.scoping import current_tenant_id

LATE = timedelta(minutes=10)  # an event arriving later than this after its time marks
GRACE = timedelta(hours=1)  # a local day is rolled up this long after it ended
DAYS_PER_RUN = 92  # a first run over a year of history takes four clock runs


@dataclass(frozen=True)
class _Sums:
    """A pair of rollups: seconds per day, and the same added up per month."""

    day: Any
    month: Any
    key: str  # whose seconds: an outlet's or a station's
    seconds: tuple[str, str]
    also: tuple[str, ...] = ()  # columns carried from the days to the months

    def per_month(self, month: date, among: Among) -> Any:
        """The days of `month` added up, as rows of the month table."""
        columns = [getattr(self.day, name) for name in (self.key, *self.also, "tenant_id")]
        # Named explicitly: the tenant scope leaves INSERT ... SELECT alone, so this select
        # would otherwise read every company's days (and `among`'s stations).
        return select(*columns, literal(month), *(func.sum(getattr(self.day, name))
                                                  for name in self.seconds)).where(
            self.day.tenant_id == current_tenant_id(),
            self.day.day >= month, self.day.day < _next_month(month),
            self.day.station_id.in_(among.station_ids)).group_by(*columns)


OUTLETS = _Sums(OutletDay, OutletMonth, "outlet_id", ("charging_seconds", "occupied_seconds"),
                also=("station_id",))
STATIONS = _Sums(StationDay, StationMonth, "station_id", ("online_seconds", "available_seconds"))


def note_late(station: Station, occurred_at: datetime, now: datetime) -> None:
    """Mark the station's rollups stale from `occurred_at` if the event arrives late."""
    if occurred_at >= now - LATE:
        return
    table = StaleRollup.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(
        tenant_id=station.tenant_id, station_id=station.id, since=occurred_at, version=1)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.station_id],
        set_={"since": case((statement.excluded.since < table.c.since, statement.excluded.since),
                            else_=table.c.since),
              "version": table.c.version + 1}))


def forget(tenant: Tenant) -> None:
    """Drop the company's rollups (its days are cut anew, as when its time zone changes)."""
    for model in (OutletDay, OutletMonth, StationDay, StationMonth, RollupProgress):
        db.session.execute(delete(model).where(model.tenant_id == tenant.id))


def rolled_until(zone: ZoneInfo) -> date | None:
    """The day before which every day is rolled up in this zone (None: none is)."""
    progress = db.session.scalar(select(RollupProgress))
    return progress.rolled_until if progress and progress.time_zone == zone.key else None


def parts(among: Among, first: date, last: date, zone: ZoneInfo) -> list[tuple[Among, date]]:
    """The measured stations in groups, each with the first day to take from the events:
    days before it (from `first`) are summed from the rollups."""
    until = rolled_until(zone)
    if until is None or until <= first:
        return [(among, first)]
    until = min(until, last + timedelta(1))
    stale: dict[date, list[int]] = defaultdict(list)
    for station_id, since in db.session.execute(select(StaleRollup.station_id, StaleRollup.since)
                                                .where(StaleRollup.station_id.in_(
                                                    among.station_ids))):
        stale[max(min(_day_of(since, zone), until), first)].append(station_id)
    fresh = among.station_ids.where(Station.id.not_in([i for ids in stale.values() for i in ids]))
    return [(Among(fresh, among.outlet_id), until)] + [
        (Among(among.station_ids.where(Station.id.in_(ids)), among.outlet_id), day)
        for day, ids in stale.items()]


def outlet_days(among: Among, first: date, stop: date) -> dict[int, tuple[float, float]]:
    """Per outlet, rolled-up seconds Charging and occupied from day `first` to before `stop`."""
    only = (None if among.outlet_id is None
            else lambda model: model.outlet_id == among.outlet_id)
    return _summed(OUTLETS, among, first, stop, only)


def station_days(among: Among, first: date, stop: date) -> dict[int, tuple[float, float]]:
    """Per station, rolled-up seconds online and available from day `first` to before `stop`."""
    return _summed(STATIONS, among, first, stop)


def _summed(sums: _Sums, among: Among, first: date, stop: date, only: Any = None,
            ) -> dict[int, tuple[float, float]]:
    """Seconds per outlet or station over the days from `first` to before `stop`: whole
    months from the months, the days before and after them from the days."""
    months_from, months_stop = _next_month(first - timedelta(1)), stop.replace(day=1)

    def part(model: Any, when: Any, *more: Any) -> Any:
        conditions = [model.station_id.in_(among.station_ids), *when, *more]
        if only is not None:
            conditions.append(only(model))
        return select(getattr(model, sums.key).label("key"), *(
            getattr(model, name).label(name) for name in sums.seconds)).where(*conditions)

    if months_from < months_stop:
        # Each part a range of its own: given the days before or after the months as one
        # OR, SQLite read every day of the range through the index and kept a tenth.
        days = union_all(
            part(sums.day, (sums.day.day >= first, sums.day.day < months_from)),
            part(sums.month, (sums.month.month >= months_from, sums.month.month < months_stop)),
            part(sums.day, (sums.day.day >= months_stop, sums.day.day < stop)),
        ).subquery()
    else:
        days = part(sums.day, (sums.day.day >= first, sums.day.day < stop)).subquery()
    totals = select(days.c.key, *(func.sum(days.c[name]) for name in sums.seconds)
                    ).group_by(days.c.key)
    return {key: (first_sum, second_sum)
            for key, first_sum, second_sum in db.session.execute(totals)}


def roll_up(now: datetime) -> int:
    """The clock's job: recompute stale stations' days, then roll up closed days not yet
    rolled up, at most DAYS_PER_RUN of each; returns the days rolled up."""
    tenant = db.session.get(Tenant, current_tenant_id())
    zone = ZoneInfo(tenant.time_zone)
    progress = db.session.scalar(select(RollupProgress))
    if progress is not None and progress.time_zone != zone.key:
        forget(tenant)
        progress = None
    closed = _day_of(now - GRACE, zone)  # the first day not closed
    if progress is None:
        start = db.session.scalar(select(func.min(Event.occurred_at)).where(
            Event.kind.in_(("status", *CONNECTION))))
        progress = RollupProgress(time_zone=zone.key,
                                  rolled_until=min(_day_of(start, zone), closed) if start
                                  else closed)
        db.session.add(progress)
    handled = _refresh_stale(progress.rolled_until, zone)
    stop = min(closed, progress.rolled_until + timedelta(DAYS_PER_RUN))
    if stop > progress.rolled_until:
        _roll_days(Among(select(Station.id)), progress.rolled_until, stop, zone)
    handled += max((stop - progress.rolled_until).days, 0)
    progress.rolled_until = max(progress.rolled_until, stop)
    db.session.flush()
    return handled


def _refresh_stale(until: date, zone: ZoneInfo) -> int:
    """Recompute the rolled-up days of stale stations, DAYS_PER_RUN a station at most; clear
    or move a mark only if no late event touched it since it was read."""
    handled = 0
    for station_id, since, version in db.session.execute(
            select(StaleRollup.station_id, StaleRollup.since, StaleRollup.version)).all():
        first = _day_of(since, zone)
        stop = min(until, first + timedelta(DAYS_PER_RUN))
        if stop > first:
            _roll_days(Among(select(Station.id).where(Station.id == station_id)), first, stop,
                       zone)
        handled += max((stop - first).days, 0)
        mark = (StaleRollup.station_id == station_id) & (StaleRollup.version == version)
        if stop >= until:
            db.session.execute(delete(StaleRollup).where(mark))
        else:
            db.session.execute(update(StaleRollup).where(mark).values(
                since=_midnight(stop, zone)))
    return handled


def _roll_days(among: Among, first: date, stop: date, zone: ZoneInfo) -> None:
    """(Re)write the stations' rollups of the local days from `first` to before `stop`, from
    one read of their events (status_time cuts each status at the midnights it spans)."""
    days = _days(first, stop)
    midnights = [_midnight(day, zone) for day in [*days, stop]]
    tenant_id = current_tenant_id()
    for model in (OutletDay, StationDay):
        db.session.execute(delete(model).where(model.day >= first, model.day < stop,
                                               model.station_id.in_(among.station_ids)))
    _insert(OutletDay, [
        {"tenant_id": tenant_id, "outlet_id": outlet_id, "day": days[index],
         "station_id": time.station_id, "charging_seconds": time.charging,
         "occupied_seconds": time.occupied}
        for (outlet_id, index), time in outlet_time_by_day(among, midnights).items()])
    _insert(StationDay, [
        {"tenant_id": tenant_id, "station_id": station_id, "day": days[index],
         "online_seconds": time.online, "available_seconds": time.available}
        for (station_id, index), time in station_time_by_day(among, midnights).items()])
    _add_up_months(among, first, stop)


def _add_up_months(among: Among, first: date, stop: date) -> None:
    """Rewrite the stations' months that the days from `first` to before `stop` lie in."""
    month = first.replace(day=1)
    while month < stop:
        for sums in (OUTLETS, STATIONS):
            db.session.execute(delete(sums.month).where(
                sums.month.month == month, sums.month.station_id.in_(among.station_ids)))
            db.session.execute(insert(sums.month).from_select(
                [sums.key, *sums.also, "tenant_id", "month", *sums.seconds],
                sums.per_month(month, among)))
        month = _next_month(month)


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.session.execute(insert(model), rows)


def _day_of(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return local_midnight(day, zone).astimezone(UTC)


def _next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + timedelta(32)).replace(day=1)


def _days(first: date, stop: date) -> list[date]:
    return [first + timedelta(offset) for offset in range((stop - first).days)]


