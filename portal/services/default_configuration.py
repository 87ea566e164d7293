"""The company's default station configuration: OCPP keys sent to each station at its first
accepted boot (e.g. MeterValuesSampledData and MeterValueSampleInterval=60, which
integrators such as ev.energy require).

Staff write it as `Key=Value` lines; it is stored as [{"key": ..., "value": ...}] in order
(Tenant.default_configuration).
"""

from __future__ import annotations

from ocpp.v16.enums import RegistrationStatus

from portal.errors import DomainError, Invalid
from portal.extensions import db
from portal.models import Station, Tenant
from portal.models.base import utcnow
from portal.services import configuration, events, remote_operations
from portal.services.configuration import is_authorization_key
from portal.services.configuration_keys import checked_value, standard_key
from portal.services.remote_operations import CLOCK

FIELD = "default_configuration"
MAX_KEYS = 50


def parse(text: str) -> list[dict[str, str]]:
    """The `Key=Value` lines as stored, or Invalid naming the first bad line."""
    entries: list[dict[str, str]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, equals, value = line.partition("=")
        key = key.strip()
        if not equals or not key:
            raise Invalid(f"Line {number}: write Key=Value.", field=FIELD)
        if is_authorization_key(key):
            raise Invalid(f"Line {number}: each station has its own authorization key; set it "
                          "on the station.", field=FIELD)
        try:
            value = checked_value(key, value)
        except Invalid as error:
            raise Invalid(f"Line {number}: {error}", field=FIELD) from None
        standard = standard_key(key)
        key = standard.name if standard else key
        if key.lower() in seen:
            raise Invalid(f"Line {number}: {key} is already set above.", field=FIELD)
        seen.add(key.lower())
        entries.append({"key": key, "value": value})
    if len(entries) > MAX_KEYS:
        raise Invalid(f"At most {MAX_KEYS} keys.", field=FIELD)
    return entries


def as_text(tenant: Tenant) -> str:
    return "\n".join(f"{entry['key']}={entry['value']}"
                     for entry in tenant.default_configuration or [])


def due(station: Station) -> bool:
    """Whether the station's defaults are still to be sent: its first accepted boot."""
    return (station.registration_status is RegistrationStatus.accepted
            and station.defaults_sent_at is None)


def send_at_first_boot(station: Station) -> None:
    """After a station's first accepted boot, send it the company's default configuration,
    one ChangeConfiguration per key in the company's order, in the background.

    Each command is kept with its outcome in the station's operations (sent by the clock),
    and stored values follow the station's answers as for any ChangeConfiguration. When the
    first fetch of the station's configuration is due it goes last in the same queue, so
    the values it reads back are the defaults the station took (configuration.
    fetch_at_first_boot then finds it under way). Sent once: a station that was offline
    meanwhile gets the values from staff, on its Configuration page.
    """
    if not due(station):
        return
    # Its first accepted boot is now, defaults or not: a default configuration the company
    # sets later goes to new stations, not to this one at its next boot.
    station.defaults_sent_at = utcnow()
    entries = db.session.get(Tenant, station.tenant_id).default_configuration or []
    if not entries:
        return
    calls = [(configuration.CHANGE, {"key": entry["key"], "value": entry["value"]})
             for entry in entries]
    if configuration.first_fetch_due(station):
        calls.append((configuration.GET, {}))
    try:
        remote_operations.start_in_order(station, calls, sender=CLOCK)
    except DomainError as error:  # e.g. a key this station reports read-only
        events.record(station, "default_configuration",
                      f"The company's default configuration was not sent: {error}")
        return
    events.record(station, "default_configuration",
                  f"Sent the company's default configuration ({len(entries)} keys) after its "
                  "first accepted boot.", details={"keys": [entry["key"] for entry in entries]})
