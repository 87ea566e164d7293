"""Every frame in both directions, kept per station for its message log."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Direction, OcppMessage, Station


def record(
    station: Station,
    direction: Direction,
    frame: str,
    message_type: int,
    unique_id: str,
    action: str | None,
) -> None:
    db.session.add(OcppMessage(
        tenant_id=station.tenant_id, station_id=station.id, charge_box_id=station.charge_box_id,
        direction=direction, message_type=message_type, unique_id=unique_id[:64],
        action=action, frame=frame,
    ))
