from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from portal.extensions import db
from portal.models import Station, Tenant


@dataclass
class StationContext:
    """What a handler knows besides the payload: the station, loaded for this message."""

    station: Station

    @cached_property
    def tenant(self) -> Tenant:
        return db.session.get(Tenant, self.station.tenant_id)
