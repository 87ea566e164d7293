"""The station event log: boots, status changes, connections, anything staff may ask about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.extensions import db
from portal.models import Event, Outlet, Station


def record(
    station: Station | None,
    kind: str,
    message: str = "",
    *,
    outlet: Outlet | None = None,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    tenant_id: int | None = None,
) -> Event:
    event = Event(
        tenant_id=tenant_id if station is None else station.tenant_id,
        station_id=station.id if station else None,
        outlet_id=outlet.id if outlet else None,
        kind=kind,
        message=message,
        details=details or {},
    )
    if occurred_at is not None:
        event.occurred_at = occurred_at
    db.session.add(event)
    return event
