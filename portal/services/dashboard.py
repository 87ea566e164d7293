"""The figures on the dashboard, limited to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from portal.auth.permissions import visible_stations
from portal.extensions import db
from portal.models import (
    Alarm,
    AlarmKind,
    AlarmSeverity,
    ChargingSession,
    Outlet,
    Reservation,
    Role,
    Station,
    Tag,
    Tenant,
    User,
)
from portal.models.base import utcnow

_ALARM_ORDER = sorted(AlarmKind, key=lambda kind: kind.severity is not AlarmSeverity.CRITICAL)


@dataclass(frozen=True)
class Summary:
    stations: int
    outlets_by_status: dict[str, int]
    tags: int
    active_sessions: int
    active_reservations: int
    alarms_by_kind: dict[AlarmKind, int]  # open alarms; critical kinds first
    heartbeats: dict[str, int]  # today / yesterday / earlier / never

    @property
    def active_alarms(self) -> int:
        return sum(self.alarms_by_kind.values())


def summary(tenant: Tenant, actor: User) -> Summary:
    now = utcnow()
    today_starts, yesterday_starts = _day_starts(tenant, now)
    heartbeat_bucket = case(
        (Station.last_heartbeat_at.is_(None), "never"),
        (Station.last_heartbeat_at >= today_starts, "today"),
        (Station.last_heartbeat_at >= yesterday_starts, "yesterday"),
        else_="earlier",
    )
    heartbeats = dict.fromkeys(("today", "yesterday", "earlier", "never"), 0)
    heartbeat_rows = db.session.execute(
        visible_stations(actor, select(heartbeat_bucket, func.count()).group_by(heartbeat_bucket))
    )
    heartbeats.update({bucket: count for bucket, count in heartbeat_rows})

    outlet_rows = db.session.execute(
        visible_stations(actor, select(Outlet.status, func.count()).join(Outlet.station))
        .group_by(Outlet.status)
    )
    outlets_by_status = {
        (status.value if status else "Unknown"): count for status, count in outlet_rows
    }

    return Summary(
        stations=sum(heartbeats.values()),
        outlets_by_status=outlets_by_status,
        tags=db.session.scalar(select(func.count()).select_from(Tag)) or 0,
        active_sessions=db.session.scalar(
            visible_stations(actor, select(func.count()).select_from(ChargingSession)
                             .join(ChargingSession.station)
                             .where(ChargingSession.stopped_at.is_(None)))
        ) or 0,
        active_reservations=db.session.scalar(
            visible_stations(actor, select(func.count()).select_from(Reservation)
                             .join(Reservation.station)
                             .where(Reservation.is_active_at(now)))
        ) or 0,
        alarms_by_kind=_open_alarms(actor),
        heartbeats=heartbeats,
    )


def _open_alarms(actor: User) -> dict[AlarmKind, int]:
    """The open alarms the actor may see, counted by kind, critical kinds first."""
    query = (select(Alarm.kind, func.count()).where(Alarm.cleared_at.is_(None))
             .group_by(Alarm.kind))
    if actor.role is Role.SITE_ADMIN:  # alarms of no station belong to the company, not a site
        query = visible_stations(actor, query.join(Alarm.station))
    counts: dict[AlarmKind, int] = dict(db.session.execute(query).all())
    return {kind: counts[kind] for kind in _ALARM_ORDER if kind in counts}


def _day_starts(tenant: Tenant, now: datetime) -> tuple[datetime, datetime]:
    """Midnight today and yesterday in the tenant's time zone, as UTC instants."""
    zone = ZoneInfo(tenant.time_zone)
    midnight = datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone)
    return midnight, midnight - timedelta(days=1)
