"""The company's default station configuration: OCPP keys sent to each station at its first
accepted boot (e.g. MeterValuesSampledData and MeterValueSampleInterval=60, which
integrators such as ev.energy require).

Staff write it as `Key=Value` lines; it is stored as [{"key": ..., "value": ...}] in order
(Tenant.default_configuration).
"""

from __future__ import annotations

from portal.errors import Invalid
from portal.models import Tenant
from portal.services.configuration import is_authorization_key
from portal.services.configuration_keys import checked_value, standard_key

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
