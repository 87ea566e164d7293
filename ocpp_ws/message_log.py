"""Every frame in both directions, kept per station for its message log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from ocpp_ws.station_state import StationState
from portal.models import Direction, OcppMessage
from portal.models.base import utcnow

# A Core insert: the ORM's bulk path costs more CPU than the write itself.
INSERT = insert(OcppMessage.__table__)


def entry(state: StationState, direction: Direction, frame: str, message_type: int,
          unique_id: str, action: str | None) -> dict[str, Any]:
    """An INSERT row for one frame."""
    return {
        "tenant_id": state.tenant_id, "station_id": state.station_id,
        "charge_box_id": state.charge_box_id, "direction": direction,
        "message_type": message_type, "unique_id": unique_id[:64], "action": action,
        "frame": frame, "logged_at": utcnow(),
    }
