"""Security events stations report (OCPP 1.6 security extension): kept in the event log."""

from __future__ import annotations

from datetime import datetime

from portal.models import Event, Station
from portal.services import alarms, events


def record(station: Station, event_type: str, occurred_at: datetime,
           tech_info: str | None = None) -> Event:
    """A SecurityEventNotification, at the time the station says it happened; a critical
    one is also an alarm."""
    event = events.record(station, "security_event", f"Security event: {event_type}",
                          details={"type": event_type, "techInfo": tech_info},
                          occurred_at=occurred_at)
    alarms.security_event(station, event_type, tech_info, occurred_at)
    return event
