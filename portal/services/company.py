"""The company's own settings: its name, time zone, and how its stations connect and boot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import cache
from zoneinfo import available_timezones

from portal.errors import Invalid
from portal.extensions import db
from portal.models import Tenant
from portal.services import data_transfer, default_configuration, live, rollups, stations

NAME_LENGTH = 200  # Tenant.name


@dataclass(frozen=True)
class CompanySettings:
    name: str
    description: str
    time_zone: str
    auto_register_stations: bool
    allow_stations_without_key: bool
    data_transfer_vendor_ids: str  # by line or comma
    heartbeat_interval: int | str
    default_configuration: str  # Key=Value lines
    no_contact_intervals: int | str = 3
    fault_grace_seconds: int | str = 120
    digest_time: str = "07:00"  # HH:MM, local
    drivers_add_cards: bool = False
    require_two_factor: bool = False  # staff log in with a TOTP code


# Alarm settings staff may give.
NO_CONTACT_INTERVALS = range(1, 101)
FAULT_GRACE_SECONDS = range(0, 3601)


@cache
def time_zones() -> frozenset[str]:
    """The IANA time zones this machine knows (read once: it scans the zone files)."""
    return frozenset(available_timezones())


def settings_of(tenant: Tenant) -> CompanySettings:
    """The company's settings as staff edit them."""
    return CompanySettings(
        name=tenant.name, description=tenant.description, time_zone=tenant.time_zone,
        auto_register_stations=tenant.auto_register_stations,
        allow_stations_without_key=tenant.allow_stations_without_key,
        data_transfer_vendor_ids=tenant.data_transfer_vendor_ids,
        heartbeat_interval=tenant.heartbeat_interval,
        default_configuration=default_configuration.as_text(tenant),
        no_contact_intervals=tenant.no_contact_intervals,
        fault_grace_seconds=tenant.fault_grace_seconds,
        digest_time=tenant.digest_time.strftime("%H:%M"),
        drivers_add_cards=tenant.drivers_add_cards,
        require_two_factor=tenant.require_two_factor)


def update(tenant: Tenant, settings: CompanySettings) -> None:
    """Change the company's settings; Invalid naming the field, and nothing changed, if any
    value is wrong."""
    name = settings.name.strip()
    if not name or len(name) > NAME_LENGTH:
        raise Invalid(f"Give a name of at most {NAME_LENGTH} characters.", field="name")
    if settings.time_zone not in time_zones():
        raise Invalid("Choose a time zone such as Europe/Oslo or UTC.", field="time_zone")
    heartbeat_interval = stations.checked_heartbeat_interval(settings.heartbeat_interval)
    configuration = default_configuration.parse(settings.default_configuration)
    no_contact_intervals = _whole_number(settings.no_contact_intervals, NO_CONTACT_INTERVALS,
                                         "no_contact_intervals")
    fault_grace_seconds = _whole_number(settings.fault_grace_seconds, FAULT_GRACE_SECONDS,
                                        "fault_grace_seconds")
    digest_time = _time_of_day(settings.digest_time)
    data_transfer.set_vendor_ids(tenant, settings.data_transfer_vendor_ids)
    if name != tenant.name:
        live.changed(tenant.id)  # the navigator's root is the company
    tenant.name, tenant.description = name, settings.description.strip()
    if settings.time_zone != tenant.time_zone:
        rollups.forget(tenant)  # its days were cut in the old zone; the clock cuts them anew
    tenant.time_zone = settings.time_zone
    tenant.auto_register_stations = settings.auto_register_stations
    tenant.allow_stations_without_key = settings.allow_stations_without_key
    stations.set_default_heartbeat_interval(tenant, heartbeat_interval)
    tenant.default_configuration = configuration or None
    tenant.no_contact_intervals = no_contact_intervals
    tenant.fault_grace_seconds = fault_grace_seconds
    tenant.digest_time = digest_time
    tenant.drivers_add_cards = settings.drivers_add_cards
    tenant.require_two_factor = settings.require_two_factor
    db.session.flush()


def _time_of_day(text: str) -> time:
    text = text.strip()
    try:
        if len(text) == 5:  # HH:MM, as a time input sends it
            return time.fromisoformat(text)
    except ValueError:
        pass
    raise Invalid("Give a time of day as HH:MM, such as 07:00.", field="digest_time")


def _whole_number(value: int | str, allowed: range, field: str) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) not in allowed:
        raise Invalid(f"Give a whole number from {allowed.start} to {allowed.stop - 1}.",
                      field=field)
    return int(text)


def station_urls(slug: str, portal_domain: str, port: int | None) -> list[str]:
    """The addresses the company's stations connect to (DESIGN.md, OCPP endpoint), plain and
    over TLS, with `<chargeBoxId>` where each station puts its own."""
    host = f"{portal_domain}:{port}" if port else portal_domain
    return [f"{scheme}://{address}/<chargeBoxId>" for scheme in ("ws", "wss")
            for address in (f"{slug}.{host}/ocpp", f"{host}/ocpp/{slug}")]
