"""Refused station handshakes, counted per chargeBoxId and reason.

Anyone may knock at a company's OCPP endpoint, so what a knock stores is limited: at most
OCPP_REFUSED_CONNECTIONS_LIMIT records per company and address (a station's, or an
attacker's); past it the handshake is refused as before and nothing more is written.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, select

from portal import rate_limits
from portal.extensions import db
from portal.models import AlarmKind, ConnectionAttempt, RefusalReason, Tenant
from portal.models.base import utcnow
from portal.services import alarms


def record(tenant: Tenant, charge_box_id: str, reason: RefusalReason,
           remote_address: str) -> bool:
    """Count a refused handshake (and raise the alarm of an unknown station); False, storing
    nothing, past the company's limit for this address."""
    limit = current_app.config["OCPP_REFUSED_CONNECTIONS_LIMIT"]
    if not rate_limits.allow(limit, "refused-connections", tenant.slug, remote_address):
        return False
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
        alarms.raise_alarm(tenant.id, alarms.Cause(
            AlarmKind.NOT_REGISTERED, AlarmKind.NOT_REGISTERED.severity,
            f"Station {charge_box_id} tried to connect but is not registered."), charge_box_id)
    return True


def purge(tenant: Tenant) -> int:
    """Forget every refused handshake of the company; how many records went. Their alarms
    stay: clearing alarms is a matter of the alarms."""
    result = db.session.execute(delete(ConnectionAttempt).where(
        ConnectionAttempt.tenant_id == tenant.id))
    return result.rowcount
