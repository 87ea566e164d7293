"""The Firmware Management profile: stations report download, install and upload progress."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ocpp_ws.handlers.context import StationContext
from portal.services import diagnostics, firmware


@on(Action.diagnostics_status_notification)
def on_diagnostics_status_notification(
    ctx: StationContext, status: str, **kwargs: Any
) -> call_result.DiagnosticsStatusNotification:
    diagnostics.record_status(ctx.station, status)
    return call_result.DiagnosticsStatusNotification()


@on(Action.firmware_status_notification)
def on_firmware_status_notification(
    ctx: StationContext, status: str, **kwargs: Any
) -> call_result.FirmwareStatusNotification:
    firmware.record_status(ctx.station, status)
    return call_result.FirmwareStatusNotification()
