"""The figures on the dashboard, limited to what the actor may see under the navigator's node,
and the widgets each user chose to see them in.

Every figure is one query, whatever the size of the company: the page runs the same fixed
number of statements for ten stations or five hundred (tests/blueprints/test_dashboard.py).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ocpp.v16.enums import ChargePointStatus
from sqlalchemy import Select, case, func, select

from portal.auth.permissions import Actor, visible_stations
from portal.errors import Invalid
from portal.extensions import db
from portal.models import (
    AlarmKind,
    AlarmSeverity,
    ChargingSession,
    Outlet,
    Reservation,
    Station,
    Tenant,
    User,
)
from portal.services import alarm_lists, session_summary
from portal.services.scope import Node, NodeKind
from portal.timestamps import local_midnight

CHART_DAYS = 30
RECENT_SESSIONS = 5
OFFLINE = "Offline"  # outlets of a station with no connection, whatever they said last
# Limits a query naming Station to the node's stations the actor may see.
Scope = Callable[[Select[Any]], Select[Any]]


class Widget(enum.StrEnum):
    """A card of the dashboard; the default set is all of them, in this order."""

    OUTLETS = "outlets"
    SESSIONS = "sessions"
    ENERGY = "energy"
    ENERGY_CHART = "energy-chart"
    RESERVATIONS = "reservations"
    ALARMS = "alarms"
    HEARTBEATS = "heartbeats"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Widget.OUTLETS: "Outlets by status", Widget.SESSIONS: "Active sessions",
    Widget.ENERGY: "Energy", Widget.ENERGY_CHART: f"Energy of the last {CHART_DAYS} days",
    Widget.RESERVATIONS: "Active reservations", Widget.ALARMS: "Active alarms",
    Widget.HEARTBEATS: "Last heartbeat of stations",
}


def widgets_of(user: User) -> list[Widget]:
    """The widgets the user shows, in their order; the default set until they choose."""
    if user.dashboard_widgets is None:
        return list(Widget)
    known = {widget.value for widget in Widget}
    # A widget that no longer exists is skipped rather than failing the page.
    return [Widget(name) for name in user.dashboard_widgets if name in known]


def choose_widgets(user: User, names: Sequence[str]) -> None:
    """Store the user's widgets in the order given; an unknown or repeated name is Invalid."""
    unknown = [name for name in names if name not in {widget.value for widget in Widget}]
    if unknown:
        raise Invalid(f"There is no widget {unknown[0][:40]!r}.", field="widgets")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise Invalid(f"The widget {repeated[0]!r} is chosen twice.", field="widgets")
    user.dashboard_widgets = list(names)
    db.session.flush()


def reset_widgets(user: User) -> None:
    """Back to the default set: the user follows it as widgets are added."""
    user.dashboard_widgets = None
    db.session.flush()


@dataclass(frozen=True)
class RecentSession:
    station: str
    connector_id: int | None
    id_tag: str
    started_at: datetime


@dataclass(frozen=True)
class Energy:
    """kWh of the sessions started in each period (company time) and stopped since."""

    today_kwh: float
    month_kwh: float
    days: list[tuple[date, float]]  # the last CHART_DAYS days, oldest first, today last


@dataclass(frozen=True)
class Summary:
    stations: int
    outlets_by_status: dict[str, int]  # OCPP status of outlets online, OFFLINE for the rest
    active_sessions: int
    recent_sessions: list[RecentSession]  # the most recently started of the active ones
    energy: Energy
    active_reservations: int
    # Open alarms by kind and severity, critical first.
    alarms: list[tuple[AlarmKind, AlarmSeverity, int]]
    heartbeats: dict[str, int]  # today / yesterday / earlier / never

    @property
    def active_alarms(self) -> int:
        return sum(count for _, _, count in self.alarms)

    @property
    def alarms_by_severity(self) -> dict[AlarmSeverity, int]:
        counts = dict.fromkeys(AlarmSeverity, 0)
        for _, severity, count in self.alarms:
            counts[severity] += count
        return counts


def summary(tenant: Tenant, actor: Actor, node: Node, now: datetime) -> Summary:
    """Every figure of the dashboard for the stations under the node that the actor may see."""

    def scoped(query: Select[Any]) -> Select[Any]:
        return node.stations(visible_stations(actor, query))

    zone = ZoneInfo(tenant.time_zone)
    today = now.astimezone(zone).date()
    heartbeats = _heartbeats(scoped, local_midnight(today, zone),
                             local_midnight(today - timedelta(1), zone))
    return Summary(
        stations=sum(heartbeats.values()),
        outlets_by_status=_outlets_by_status(actor, node),
        active_sessions=db.session.scalar(_active_sessions(
            scoped, select(func.count()).select_from(ChargingSession), node)) or 0,
        recent_sessions=_recent_sessions(scoped, node),
        energy=_energy(scoped, actor, node, today, zone),
        active_reservations=db.session.scalar(scoped(
            select(func.count()).select_from(Reservation).join(Reservation.station)
            .where(Reservation.is_active_at(now)))) or 0,
        alarms=alarm_lists.open_counts(actor, node),
        heartbeats=heartbeats,
    )


def _heartbeats(scoped: Scope, today_starts: datetime, yesterday_starts: datetime
                ) -> dict[str, int]:
    bucket = case(
        (Station.last_heartbeat_at.is_(None), "never"),
        (Station.last_heartbeat_at >= today_starts, "today"),
        (Station.last_heartbeat_at >= yesterday_starts, "yesterday"),
        else_="earlier",
    )
    heartbeats = dict.fromkeys(("today", "yesterday", "earlier", "never"), 0)
    rows = db.session.execute(scoped(select(bucket, func.count()).group_by(bucket)))
    heartbeats.update({name: count for name, count in rows})
    return heartbeats


def _outlets_by_status(actor: Actor, node: Node) -> dict[str, int]:
    online = Station.connected_at.is_not(None)
    rows = db.session.execute(node.outlets(visible_stations(actor, select(
        Outlet.status, online, func.count()).join(Outlet.station))).group_by(Outlet.status, online))
    counts: dict[str, int] = {}
    for status, is_online, count in rows:
        name = (status.value if status else "Unknown") if is_online else OFFLINE
        counts[name] = counts.get(name, 0) + count
    order = [status.value for status in ChargePointStatus] + ["Unknown", OFFLINE]
    return {name: counts[name] for name in order if name in counts}


def _active_sessions(scoped: Scope, query: Select[Any], node: Node) -> Select[Any]:
    query = scoped(query.join(ChargingSession.station).where(ChargingSession.stopped_at.is_(None)))
    return _of_outlet(query, node)


def _of_outlet(query: Select[Any], node: Node) -> Select[Any]:
    """Sessions know their outlet by id: an outlet node limits them to it."""
    if node.kind is NodeKind.OUTLET:
        return query.where(ChargingSession.outlet_id == node.id)
    return query


def _recent_sessions(scoped: Scope, node: Node) -> list[RecentSession]:
    rows = db.session.execute(_active_sessions(scoped, select(
        Station.name, Station.charge_box_id, Outlet.connector_id, ChargingSession.id_tag,
        ChargingSession.started_at).select_from(ChargingSession)
        .outerjoin(ChargingSession.outlet), node)
        .order_by(ChargingSession.started_at.desc()).limit(RECENT_SESSIONS))
    return [RecentSession(name or charge_box_id, connector_id, id_tag, started_at)
            for name, charge_box_id, connector_id, id_tag, started_at in rows]


def _energy(scoped: Scope, actor: Actor, node: Node, today: date, zone: ZoneInfo) -> Energy:
    """Today, the month and the chart, from one query: the accounted energy of the sessions
    started each local day (a day across a DST change lasts 23 or 25 hours).

    The days of stations come from the summary of sessions per station and day
    (session_days: 30 rows a station where a month of sessions was counted). Its energy is
    that of the stopped sessions: an open one has none accounted yet. An outlet's sessions
    of a month or two are few: they are read, on the (tenant, started_at) index."""
    days = [today - timedelta(days) for days in range(CHART_DAYS - 1, -1, -1)]
    month_first = today.replace(day=1)
    first = min(days[0], month_first)
    by_day: Counter[date] = Counter()
    if node.kind is NodeKind.OUTLET:
        for started_at, energy_wh in db.session.execute(_of_outlet(scoped(
                select(ChargingSession.started_at, ChargingSession.energy_wh)
                .join(ChargingSession.station)
                .where(ChargingSession.started_at >= local_midnight(first, zone),
                       ChargingSession.started_at < local_midnight(today + timedelta(1), zone),
                       ChargingSession.energy_wh.is_not(None))), node)):
            by_day[started_at.astimezone(zone).date()] += energy_wh
    else:
        by_day.update({day: wh for day, _, wh in session_summary.by_day(actor, node, first, today)})
    kwh = [round(by_day[day] / 1000, 3) for day in days]
    month_wh = sum(wh for day, wh in by_day.items() if day >= month_first)
    return Energy(today_kwh=kwh[-1], month_kwh=round(month_wh / 1000, 3),
                  days=list(zip(days, kwh, strict=True)))
