"""What stations with the OCPP 1.6 security extension send (certificates come later)."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, GenericStatus

from ocpp_ws.handlers.context import StationContext
from portal.models.base import utcnow
from portal.services import events
from portal.timestamps import parse_timestamp


@on(Action.security_event_notification)
def on_security_event_notification(
    ctx: StationContext, type: str, timestamp: str, tech_info: str | None = None,
    **kwargs: Any,
) -> call_result.SecurityEventNotification:
    events.record(ctx.station, "security_event", f"Security event: {type}",
                  details={"type": type, "techInfo": tech_info},
                  occurred_at=parse_timestamp(timestamp))
    return call_result.SecurityEventNotification()


@on(Action.signed_firmware_status_notification)
def on_signed_firmware_status_notification(
    ctx: StationContext, status: str, request_id: int | None = None, **kwargs: Any
) -> call_result.SignedFirmwareStatusNotification:
    station = ctx.station
    station.firmware_status, station.firmware_status_at = status, utcnow()
    events.record(station, "firmware_status", f"Signed firmware: {status}",
                  details={"requestId": request_id})
    return call_result.SignedFirmwareStatusNotification()


@on(Action.log_status_notification)
def on_log_status_notification(
    ctx: StationContext, status: str, request_id: int | None = None, **kwargs: Any
) -> call_result.LogStatusNotification:
    events.record(ctx.station, "log_status", f"Log upload: {status}",
                  details={"requestId": request_id})
    return call_result.LogStatusNotification()


@on(Action.sign_certificate)
def on_sign_certificate(
    ctx: StationContext, csr: str, **kwargs: Any
) -> call_result.SignCertificate:
    # Plugboard has no certificate authority yet: refuse, as the specification allows.
    events.record(ctx.station, "sign_certificate", "SignCertificate refused: no CA configured.")
    return call_result.SignCertificate(status=GenericStatus.rejected)
