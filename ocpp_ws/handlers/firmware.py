"""The Firmware Management profile: stations report download, install and upload progress."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ocpp_ws.handlers.context import StationContext
from portal.models.base import utcnow
from portal.services import events


@on(Action.diagnostics_status_notification)
def on_diagnostics_status_notification(
    ctx: StationContext, status: str, **kwargs: Any
) -> call_result.DiagnosticsStatusNotification:
    station = ctx.station
    station.diagnostics_status, station.diagnostics_status_at = status, utcnow()
    events.record(station, "diagnostics_status", f"Diagnostics: {status}")
    return call_result.DiagnosticsStatusNotification()


@on(Action.firmware_status_notification)
def on_firmware_status_notification(
    ctx: StationContext, status: str, **kwargs: Any
) -> call_result.FirmwareStatusNotification:
    station = ctx.station
    station.firmware_status, station.firmware_status_at = status, utcnow()
    events.record(station, "firmware_status", f"Firmware: {status}")
    return call_result.FirmwareStatusNotification()
