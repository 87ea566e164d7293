"""An EV driver's own charging history: totals per month in the company's time zone, a
month's statement and the rows of their export.

A session is a driver's when it carries their user id (stamped at its start from its tag's
owner, see tags.set_owner), not by its tag: a card moved to another person leaves its earlier
sessions with the first. Energy follows the portal's one rule (session_table.kwh): the
accounted energy of stopped sessions; an open session counts in no total yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.errors import NotFound
from portal.extensions import db
from portal.models import ChargingSession, User
from portal.services.session_table import kwh
from portal.timestamps import local_midnight

CHARTED_MONTHS = 12


@dataclass(frozen=True)
class MonthTotal:
    month: date  # its first day
    sessions: int = 0
    energy_wh: int = 0  # accounted: stopped sessions
    duration: timedelta = timedelta()  # of stopped sessions

    @property
    def energy_kwh(self) -> Decimal:
        return kwh(self.energy_wh) or Decimal("0.000")

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    def adding(self, session: Any) -> MonthTotal:
        """This total with one more session (a ChargingSession, or a row of its started_at,
        stopped_at and energy_wh)."""
        stopped = session.stopped_at is not None
        return MonthTotal(
            self.month, self.sessions + 1, self.energy_wh + (session.energy_wh or 0),
            self.duration + (session.stopped_at - session.started_at if stopped
                             else timedelta()))


def _own(user: User) -> Select[Any]:
    return select(ChargingSession).where(ChargingSession.user_id == user.id)


def _month_of(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date().replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def monthly_totals(user: User, zone: ZoneInfo) -> list[MonthTotal]:
    """The driver's months that have sessions, newest first, each month by the sessions'
    local start."""
    rows = db.session.execute(
        select(ChargingSession.started_at, ChargingSession.stopped_at,
               ChargingSession.energy_wh)
        .where(ChargingSession.user_id == user.id))
    totals: dict[date, MonthTotal] = {}
    for row in rows:
        month = _month_of(row.started_at, zone)
        totals[month] = totals.get(month, MonthTotal(month)).adding(row)
    return sorted(totals.values(), key=lambda total: total.month, reverse=True)


def charted_months(totals: list[MonthTotal], today: date) -> list[MonthTotal]:
    """The last CHARTED_MONTHS months up to today's, oldest first, those without sessions
    as zero: the bars of the driver's chart."""
    by_month = {total.month: total for total in totals}
    month = today.replace(day=1)
    months = []
    for _ in range(CHARTED_MONTHS):
        months.append(by_month.get(month, MonthTotal(month)))
        month = (month - timedelta(days=1)).replace(day=1)
    return months[::-1]


@dataclass(frozen=True)
class Statement:
    """A month of a driver's sessions, oldest first, and their total."""

    driver: User
    total: MonthTotal
    sessions: list[ChargingSession]
    zone: ZoneInfo


def statement(user: User, month: date, zone: ZoneInfo) -> Statement:
    """The driver's sessions started in the local month; NotFound for a month without any
    (a statement is offered for the months the driver charged in)."""
    sessions = list(db.session.scalars(
        _own(user).where(ChargingSession.started_at >= local_midnight(month, zone),
                         ChargingSession.started_at < local_midnight(_next_month(month), zone))
        .options(joinedload(ChargingSession.station), joinedload(ChargingSession.outlet))
        .order_by(ChargingSession.started_at, ChargingSession.id)))
    if not sessions:
        raise NotFound(f"You have no charging sessions in {month:%Y-%m}.")
    total = MonthTotal(month)
    for session in sessions:
        total = total.adding(session)
    return Statement(user, total, sessions, zone)


def export_header(zone: ZoneInfo) -> list[str]:
    return ["Session", f"Start ({zone.key})", f"Stop ({zone.key})", "Duration",
            "Energy (kWh)", "Station", "Outlet", "Tag"]


def export_rows(user: User, zone: ZoneInfo) -> Iterator[list[Any]]:
    """The cells of every session of the driver, newest first (as the page lists them), typed
    (local times, durations, kWh numbers), then a totals line."""
    total = MonthTotal(date.min)
    query = (_own(user).options(joinedload(ChargingSession.station),
                                joinedload(ChargingSession.outlet))
             .order_by(ChargingSession.started_at.desc(), ChargingSession.id.desc())
             .execution_options(yield_per=500))
    for session in db.session.scalars(query):
        total = total.adding(session)
        stopped = session.stopped_at
        yield [session.transaction_id, session.started_at.astimezone(zone),
               stopped.astimezone(zone) if stopped else None,
               stopped - session.started_at if stopped else None, kwh(session.energy_wh),
               session.station.display_name,
               session.outlet.connector_id if session.outlet else None, session.id_tag]
    yield [f"Total: {total.sessions} sessions", None, None, total.duration, total.energy_kwh,
           None, None, None]
