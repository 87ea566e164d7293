"""Every frame in both directions, kept per station for its message log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from portal.extensions import db
from portal.models import Direction, OcppMessage, Station
from portal.models.base import utcnow


def entry(station: Station, direction: Direction, frame: str, message_type: int,
          unique_id: str, action: str | None) -> dict[str, Any]:
    return {
        "tenant_id": station.tenant_id, "station_id": station.id,
        "charge_box_id": station.charge_box_id, "direction": direction,
        "message_type": message_type, "unique_id": unique_id[:64], "action": action,
        "frame": frame, "logged_at": utcnow(),
    }


def record(*entries: dict[str, Any]) -> None:
    """Add the entries to the current transaction, in one multi-row INSERT."""
    # A Core insert of the table: the ORM's bulk path costs more CPU than the write itself.
    db.session.execute(insert(OcppMessage.__table__).values(list(entries)))
