"""Heartbeat and MeterValues, nearly all of a station's traffic.

They are answered from the connection's StationState and written by group commit, with
no ORM: a handler adds its statements to the frame's Writes and returns the answer's
payload, in OCPP's own camelCase.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpp.v16.enums import Action

from ocpp_ws.group_commit import Writes
from ocpp_ws.station_state import StationState
from portal.models.base import utcnow
from portal.services import charging_sessions, stations
from portal.timestamps import format_timestamp


def heartbeat(state: StationState, writes: Writes, payload: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    if state.heartbeat(now):
        writes.add(stations.RECORD_HEARTBEAT, {"station": state.station_id, "at": now})
    return {"currentTime": format_timestamp(now)}


def meter_values(state: StationState, writes: Writes, payload: dict[str, Any]) -> dict[str, Any]:
    rows = charging_sessions.meter_value_rows(
        state.tenant_id, state.station_id, state.outlet_id(payload["connectorId"]),
        state.session_id(payload.get("transactionId")), payload["meterValue"])
    writes.add(charging_sessions.INSERT_METER_VALUES, *rows)
    return {}


FrequentHandler = Callable[[StationState, Writes, dict[str, Any]], dict[str, Any]]
FREQUENT: dict[str, FrequentHandler] = {
    Action.heartbeat.value: heartbeat,
    Action.meter_values.value: meter_values,
}
