"""Stations with their connection state, and their outlets' statuses and ids at the
company's services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, g, jsonify

from portal.api import bp
from portal.api.auth import token_requires
from portal.auth.permissions import Capability
from portal.models import Station, ThirdPartyService
from portal.services import outlets, stations
from portal.timestamps import format_timestamp


@bp.get("/stations")
@token_requires(Capability.VIEW_STATIONS)
def list_stations() -> Response:
    """The company's stations with their connection state and outlet statuses."""
    services = outlets.services()
    return jsonify(stations=[as_json(station, services)
                             for station in stations.visible_to(g.api_token)])


@bp.get("/stations/<charge_box_id>")
@token_requires(Capability.VIEW_STATIONS)
def show_station(charge_box_id: str) -> Response:
    return jsonify(as_json(stations.get(g.api_token, charge_box_id), outlets.services()))


def as_json(station: Station, services: list[ThirdPartyService]) -> dict[str, Any]:
    """The station as the API shows it; `services`: the company's, named in externalIds."""
    return {
        "chargeBoxId": station.charge_box_id, "name": station.name,
        "registrationStatus": station.registration_status.value,
        "connected": station.connected_at is not None,
        "connectedAt": json_time(station.connected_at),
        "lastSeenAt": json_time(station.last_seen_at),
        "lastHeartbeatAt": json_time(station.last_heartbeat_at),
        "vendor": station.vendor, "model": station.model,
        "firmwareVersion": station.firmware_version,
        "status": station.status.value if station.status else None,
        "outlets": [{"connectorId": outlet.connector_id, "uuid": outlet.uuid,
                     "status": outlet.status.value if outlet.status else None,
                     "errorCode": outlet.error_code.value if outlet.error_code else None,
                     "statusAt": json_time(outlet.status_at),
                     "externalIds": outlets.ids_by_name(outlet, services)}
                    for outlet in sorted(station.outlets, key=lambda o: o.connector_id)],
    }


def json_time(moment: datetime | None) -> str | None:
    """A date-time as the API writes it (UTC, Z), or None."""
    return format_timestamp(moment) if moment else None
