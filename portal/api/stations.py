"""Stations with their connection state and outlet statuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, g, jsonify

from portal.api import bp
from portal.api.auth import token_requires
from portal.auth.permissions import Capability
from portal.models import Station
from portal.services import stations
from portal.timestamps import format_timestamp


@bp.get("/stations")
@token_requires(Capability.VIEW_STATIONS)
def list_stations() -> Response:
    """The company's stations with their connection state and outlet statuses."""
    return jsonify(stations=[as_json(station) for station in stations.visible_to(g.api_token)])


@bp.get("/stations/<charge_box_id>")
@token_requires(Capability.VIEW_STATIONS)
def show_station(charge_box_id: str) -> Response:
    return jsonify(as_json(stations.get(g.api_token, charge_box_id)))


def as_json(station: Station) -> dict[str, Any]:
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
        "outlets": [{"connectorId": outlet.connector_id,
                     "status": outlet.status.value if outlet.status else None,
                     "errorCode": outlet.error_code.value if outlet.error_code else None,
                     "statusAt": json_time(outlet.status_at)}
                    for outlet in sorted(station.outlets, key=lambda o: o.connector_id)],
    }


def json_time(moment: datetime | None) -> str | None:
    """A date-time as the API writes it (UTC, Z), or None."""
    return format_timestamp(moment) if moment else None
