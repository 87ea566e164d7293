"""Alarms: raised once per cause while open, cleared by staff or by the cause going away."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Alarm, AlarmKind, Outlet, Station
from portal.services import live


def raise_once(
    tenant_id: int,
    kind: AlarmKind,
    node: str,
    description: str,
    *,
    station: Station | None = None,
    outlet: Outlet | None = None,
) -> Alarm:
    """The open alarm of this kind for this node, or a new one."""
    alarm = db.session.scalar(
        select(Alarm).where(Alarm.kind == kind, Alarm.node == node,
                            Alarm.cleared_at.is_(None))
    )
    if alarm is None:
        alarm = Alarm(tenant_id=tenant_id, kind=kind, node=node,
                      description=description, station=station, outlet=outlet)
        db.session.add(alarm)
        live.changed(tenant_id)
    return alarm
