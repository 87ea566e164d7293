from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ocpp_ws.station_state import StationState
from portal.extensions import db
from portal.models import Station, Tenant


@dataclass
class StationContext:
    """What a handler knows besides the payload: the station, loaded for this message,
    and what its connection keeps between messages."""

    station: Station
    state: StationState

    @cached_property
    def tenant(self) -> Tenant:
        return db.session.get(Tenant, self.station.tenant_id)
