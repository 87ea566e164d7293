"""OCPP date-times: ISO 8601, read as UTC when a station leaves out the zone (DESIGN.md);
and the instants a company's local days start at."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def parse_timestamp(value: str) -> datetime:
    """The UTC time an ISO 8601 string gives; ValueError if it gives none, also when its
    offset takes it out of the calendar (year 1 east of UTC, year 9999 west of it)."""
    moment = datetime.fromisoformat(value)
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is out of the calendar in UTC") from None


def format_timestamp(moment: datetime) -> str:
    """UTC with a Z and milliseconds, the form stations parse most reliably."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of a day in the company's zone, as an instant (a day across a DST
    change lasts 23 or 25 hours)."""
    return datetime.combine(day, time(), tzinfo=zone)
