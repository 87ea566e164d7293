"""What stations with the OCPP 1.6 security extension send (certificates come later)."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ocpp_ws.handlers.context import StationContext
from portal.services import certificates, diagnostics, firmware, security_events
from portal.timestamps import parse_timestamp


@on(Action.security_event_notification)
def on_security_event_notification(
    ctx: StationContext, type: str, timestamp: str, tech_info: str | None = None,
    **kwargs: Any,
) -> call_result.SecurityEventNotification:
    security_events.record(ctx.station, type, parse_timestamp(timestamp), tech_info)
    return call_result.SecurityEventNotification()


@on(Action.signed_firmware_status_notification)
def on_signed_firmware_status_notification(
    ctx: StationContext, status: str, request_id: int | None = None, **kwargs: Any
) -> call_result.SignedFirmwareStatusNotification:
    firmware.record_signed_status(ctx.station, status, request_id)
    return call_result.SignedFirmwareStatusNotification()


@on(Action.log_status_notification)
def on_log_status_notification(
    ctx: StationContext, status: str, request_id: int | None = None, **kwargs: Any
) -> call_result.LogStatusNotification:
    diagnostics.record_log_status(ctx.station, status, request_id)
    return call_result.LogStatusNotification()


@on(Action.sign_certificate)
def on_sign_certificate(
    ctx: StationContext, csr: str, **kwargs: Any
) -> call_result.SignCertificate:
    return call_result.SignCertificate(status=certificates.sign(ctx.station, csr))
