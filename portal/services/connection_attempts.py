"""Refused station handshakes, counted per chargeBoxId and reason."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AlarmKind, ConnectionAttempt, RefusalReason, Tenant
from portal.models.base import utcnow
from portal.services import alarms


def record(tenant: Tenant, charge_box_id: str, reason: RefusalReason, remote_address: str) -> None:
    attempt = db.session.scalar(
        select(ConnectionAttempt).where(ConnectionAttempt.charge_box_id == charge_box_id,
                                        ConnectionAttempt.reason == reason)
    )
    if attempt is None:
        attempt = ConnectionAttempt(tenant_id=tenant.id, charge_box_id=charge_box_id,
                                    reason=reason, attempts=0)
        db.session.add(attempt)
    attempt.attempts += 1
    attempt.last_at = utcnow()
    attempt.remote_address = remote_address[:64]
    if reason is RefusalReason.UNKNOWN_STATION:
        alarms.raise_once(tenant.id, AlarmKind.NOT_REGISTERED, charge_box_id,
                          f"Station {charge_box_id} tried to connect but is not registered.")
