"""The Firmware Management profile: stations report download, install and upload progress."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ocpp_ws.handlers.context import StationContext
from portal.models import Station
from portal.models.base import utcnow
from portal.services import events


@on(Action.diagnostics_status_notification)
def on_diagnostics_status_notification(
    ctx: StationContext, status: str, **kwargs: Any
) -> call_result.DiagnosticsStatusNotification:
    _record_progress(ctx.station, "diagnostics", "Diagnostics", status)
    return call_result.DiagnosticsStatusNotification()


@on(Action.firmware_status_notification)
def on_firmware_status_notification(
    ctx: StationContext, status: str, **kwargs: Any
) -> call_result.FirmwareStatusNotification:
    _record_progress(ctx.station, "firmware", "Firmware", status)
    return call_result.FirmwareStatusNotification()


def _record_progress(station: Station, kind: str, label: str, status: str) -> None:
    """Keep the station's `<kind>_status` and its time, and the step as an event."""
    setattr(station, f"{kind}_status", status)
    setattr(station, f"{kind}_status_at", utcnow())
    events.record(station, f"{kind}_status", f"{label}: {status}")
