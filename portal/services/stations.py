"""Stations: registration, how they connect and boot, lookup within what an actor may see."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask import current_app
from gevent import get_hub, monkey
from ocpp.v16.enums import RegistrationStatus
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from ocpp_ws import transport
from portal import rate_limits
from portal.auth.permissions import Actor, visible_stations
from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import Availability, Floor, Outlet, RefusalReason, Site, Station, Tenant
from portal.models.base import utcnow
from portal.services import alarms, events, live, partner_events, positions
from portal.services.scope import SYSTEM, Node

T = TypeVar("T")

# OCPP 1.6 security profiles: the authorization key is 16 to 40 printable characters.
AUTH_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{16,40}$")
# Keys are long random strings checked at every (re)connection: a lighter scrypt than for
# people's passwords keeps a reconnect storm of thousands of stations affordable.
AUTH_KEY_HASH_METHOD = "scrypt:4096:8:1"
# chargeBoxId is the last segment of the URL path; keep it to characters needing no escaping.
CHARGE_BOX_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,255}$")
# "." and ".." match it but are no names: browsers and proxies rewrite URLs holding them.
DOT_SEGMENTS = frozenset({".", ".."})
# Heartbeat intervals staff may give (seconds): at least one a day.
HEARTBEAT_INTERVALS = range(1, 86_400 + 1)
NAME_LENGTH = 200  # Station.name


def check_auth_key(auth_key: str) -> None:
    if not AUTH_KEY_PATTERN.fullmatch(auth_key):
        raise Invalid(
            "The authorization key must be 16 to 40 printable characters without spaces.",
            field="auth_key",
        )


def add(
    tenant: Tenant,
    charge_box_id: str,
    *,
    auth_key: str | None = None,
    site: Site | None = None,
    floor: Floor | None = None,
    connectors: int = 0,
    name: str = "",
) -> Station:
    """Register a station staff expect to connect, optionally with its outlets."""
    if not is_usable_charge_box_id(charge_box_id):
        raise Invalid(
            f"{charge_box_id!r} is not a usable chargeBoxId: use letters, digits and . _ : -"
            " (not . or .. alone)",
            field="charge_box_id",
        )
    if auth_key is not None:
        check_auth_key(auth_key)
    if db.session.scalar(select(Station.id).where(Station.charge_box_id == charge_box_id)):
        raise Conflict(f"Station {charge_box_id} already exists.", field="charge_box_id")
    station = Station(
        tenant_id=tenant.id,
        charge_box_id=charge_box_id,
        name=name,
        site=site,
        floor=floor,
    )
    if auth_key:
        _set_key(station, auth_key)
    station.outlets = [
        Outlet(tenant_id=tenant.id, connector_id=number) for number in range(1, connectors + 1)
    ]
    db.session.add(station)
    db.session.flush()
    alarms.station_added(station)
    return station


def is_usable_charge_box_id(charge_box_id: str) -> bool:
    """Whether a station may be registered under this chargeBoxId."""
    return (CHARGE_BOX_ID_PATTERN.fullmatch(charge_box_id) is not None
            and charge_box_id not in DOT_SEGMENTS)


def get(actor: Actor, charge_box_id: str) -> Station:
    """The station if the actor may see it; NotFound otherwise (also for other sites)."""
    query = visible_stations(actor, select(Station).where(Station.charge_box_id == charge_box_id))
    station = db.session.scalar(query.options(selectinload(Station.outlets)))
    if station is None:
        raise NotFound(f"No station {charge_box_id}.")
    return station


def visible_to(actor: Actor, node: Node = SYSTEM) -> list[Station]:
    """The stations under the navigator's node that the actor may see (to choose some from),
    with their outlets, by chargeBoxId."""
    query = node.stations(visible_stations(
        actor, select(Station).options(selectinload(Station.outlets))))
    return list(db.session.scalars(query.order_by(Station.charge_box_id)))


def find(charge_box_id: str) -> Station | None:
    return db.session.scalar(select(Station).where(Station.charge_box_id == charge_box_id))


def new_auth_key() -> str:
    """A random key of 20 characters: its hex form, as stations receive it in
    ChangeConfiguration AuthorizationKey, fits the whitepaper's 40 hexadecimal digits."""
    return secrets.token_urlsafe(15)


def replace_auth_key(station: Station, auth_key: str) -> None:
    """Require this key from the station's next connection on (the current one stays)."""
    check_auth_key(auth_key)
    _set_key(station, auth_key)
    events.record(station, "auth_key", "Authorization key replaced: the station must use "
                                       "the new key from its next connection.")


def _set_key(station: Station, auth_key: str) -> None:
    """Keep the key's hash, and its verifier while the key is known anyway: the station's
    first connection then costs no scrypt either."""
    station.auth_key_hash = generate_password_hash(auth_key, method=AUTH_KEY_HASH_METHOD)
    station.auth_key_verifier = key_verifier(station.auth_key_hash, auth_key)


def _key_matches(stored_hash: str, presented: str, verifier: str | None) -> bool:
    """Whether the presented key is the one hashed: by its verifier when the station has
    presented it before (no scrypt), else by the hash itself."""
    if verifier is not None and hmac.compare_digest(verifier, key_verifier(stored_hash,
                                                                           presented)):
        return True
    return _off_the_hub(check_password_hash, stored_hash, presented)


def key_verifier(stored_hash: str, presented: str) -> str:
    """What a station keeps once its key has passed the scrypt: an HMAC of the hash and the
    key under a secret derived from SECRET_KEY, which every later connection checks in
    microseconds, on any worker and after a restart (a fleet reconnecting after a deploy
    would otherwise cost a scrypt each). It holds only for this hash: a new key needs the
    scrypt again. Without SECRET_KEY, a leaked database gives no faster way to guess keys."""
    pepper = hashlib.sha256(_VERIFIER_CONTEXT + current_app.config["SECRET_KEY"].encode())
    return hmac.new(pepper.digest(), f"{stored_hash}\n{presented}".encode(),
                    hashlib.sha256).hexdigest()


_VERIFIER_CONTEXT = b"plugboard station key verifier v1:"


def _off_the_hub(work: Callable[..., T], *args: Any) -> T:
    """Run CPU-bound work (scrypt releases the GIL) on gevent's thread pool when serving
    under gevent, so that other stations' sockets are served meanwhile."""
    if monkey.is_module_patched("socket"):
        return get_hub().threadpool.apply(work, args)
    return work(*args)


@dataclass(frozen=True)
class ExpectedKey:
    """What a station must present to connect, read from the database beforehand, so that
    checking it (a scrypt) holds no database connection."""

    station_id: int
    charge_box_id: str
    key_hash: str | None
    verifier: str | None
    key_optional: bool  # the company lets stations without a key connect

    @classmethod
    def of(cls, tenant: Tenant, station: Station) -> ExpectedKey:
        return cls(station.id, station.charge_box_id, station.auth_key_hash,
                   station.auth_key_verifier, tenant.allow_stations_without_key)

    def refusal(self, username: str | None, password: str | None) -> RefusalReason | None:
        """Why these HTTP Basic credentials may not connect, or None."""
        if self.key_hash is None:
            return None if self.key_optional else RefusalReason.MISSING_KEY
        if password is None:
            return RefusalReason.MISSING_KEY
        if username != self.charge_box_id or not _key_matches(self.key_hash, password,
                                                               self.verifier):
            return RefusalReason.WRONG_KEY
        return None

    def remember(self, password: str | None) -> None:
        """After a successful check: keep the key's verifier unless the station has it."""
        if self.key_hash is None or password is None:
            return
        verifier = key_verifier(self.key_hash, password)
        if verifier != self.verifier:
            db.session.execute(update(Station).where(Station.id == self.station_id)
                               .values(auth_key_verifier=verifier))


def check_credentials(
    tenant: Tenant, station: Station, username: str | None, password: str | None
) -> RefusalReason | None:
    """Why this station may not connect with these HTTP Basic credentials, or None."""
    return ExpectedKey.of(tenant, station).refusal(username, password)


def register_pending(tenant: Tenant, charge_box_id: str, auth_key: str | None) -> Station | None:
    """Auto-registration: an unknown station joins as Pending, keeping the key it presented;
    None past OCPP_AUTO_REGISTER_LIMIT new stations of the company (anyone may knock)."""
    limit = current_app.config["OCPP_AUTO_REGISTER_LIMIT"]
    if not rate_limits.allow(limit, "auto-registered-stations", tenant.slug):
        return None
    station = add(tenant, charge_box_id)
    station.registration_status = RegistrationStatus.pending
    if auth_key and AUTH_KEY_PATTERN.fullmatch(auth_key):
        _set_key(station, auth_key)
    events.record(station, "registered", "Registered as Pending when it first connected.")
    partner_events.station_status(station, partner_events.REGISTRATION,
                                  "Registered when it first connected.")
    return station


def connected(station: Station, remote_address: str) -> str:
    """Mark the station online; return the id of this connection."""
    connection_id = str(uuid.uuid4())
    station.connected_at = station.last_seen_at = utcnow()
    station.connection_id = connection_id
    events.record(station, "connected", f"Connected from {remote_address}.")
    partner_events.station_status(station, partner_events.ONLINE)
    alarms.station_heard(station)
    live.changed(station.tenant_id)
    return connection_id


def disconnected(station: Station, connection_id: str, reason: str) -> None:
    """Mark the station offline, unless a newer connection has replaced this one."""
    if station.connection_id != connection_id:
        return
    station.connected_at = None
    station.connection_id = None
    events.record(station, "disconnected", reason)
    partner_events.station_status(station, partner_events.OFFLINE, reason)
    live.changed(station.tenant_id)


def boot(station: Station, boot_data: dict[str, str], booted_at: datetime) -> None:
    """Store what a BootNotification says about the station."""
    for field, value in boot_data.items():
        setattr(station, field, value or "")
    station.last_boot_at = booted_at
    events.record(station, "boot", f"Booted ({station.registration_status.value}).",
                  details=boot_data)
    # The station runs under the status its boot is answered: a change staff made takes
    # effect now.
    partner_events.station_status(station, partner_events.REGISTRATION,
                                  "Answered to its BootNotification.")


# The message path's writes, as Core statements for group commit (ocpp_ws.group_commit):
# executemany with {"station": station id, "at": time}.
_STATION = Station.__table__
RECORD_HEARTBEAT = (update(_STATION).where(_STATION.c.id == bindparam("station"))
                    .values(last_heartbeat_at=bindparam("at")))
RECORD_SEEN = (update(_STATION).where(_STATION.c.id == bindparam("station"))
               .values(last_seen_at=bindparam("at")))


def set_registration(station: Station, status: RegistrationStatus) -> None:
    """Accept, hold (Pending) or reject a station. It learns at its next BootNotification;
    until then its messages are taken or refused by the new status."""
    if station.registration_status is status:
        return
    events.record(station, "registration",
                  f"Registration {station.registration_status.value} -> {status.value}.")
    station.registration_status = status
    partner_events.station_status(station, partner_events.REGISTRATION,
                                  "Set by staff; the station learns it at its next boot.")
    transport.reload_after_commit(station.tenant_id, station.charge_box_id)


def checked_heartbeat_interval(seconds: int | str) -> int:
    """A heartbeat interval as a number of seconds; Invalid unless a whole number from 1 to
    86400 (a day)."""
    text = str(seconds).strip()
    whole = not isinstance(seconds, bool) and text.isascii() and text.isdigit()
    if not whole or int(text) not in HEARTBEAT_INTERVALS:
        raise Invalid("Give the heartbeat interval as a whole number of seconds from 1 to "
                      "86400.", field="heartbeat_interval")
    return int(text)


RATED_POWER_KW = (Decimal("0.1"), Decimal(1000))  # from a slow AC wallbox to a fast DC park


def checked_rated_power(kilowatts: str) -> int | None:
    """A rated power typed in kW (a comma for the decimal point too) as whole watts; None
    when empty, a power not known. Invalid unless a number within RATED_POWER_KW."""
    text = kilowatts.strip().replace(",", ".")
    if not text:
        return None
    try:
        power = Decimal(text) if text.isascii() else None
    except InvalidOperation:
        power = None
    low, high = RATED_POWER_KW
    if power is None or not power.is_finite() or not low <= power <= high:
        raise Invalid(f"Give the rated power in kW, from {low} to {high}, e.g. 22 or 7.4.",
                      field="rated_power_kw")
    return int((power * 1000).to_integral_value())


def rated_power_kw(station: Station) -> str:
    """The station's rated power in kW as the settings page shows it ("" when not known)."""
    if station.rated_power_w is None:
        return ""
    return format(Decimal(station.rated_power_w).scaleb(-3).normalize(), "f")


def set_default_heartbeat_interval(tenant: Tenant, seconds: int | str) -> None:
    """The interval answered to the BootNotification of the company's stations that have
    none of their own."""
    tenant.heartbeat_interval = checked_heartbeat_interval(seconds)
    db.session.flush()


def set_heartbeat_interval(station: Station, seconds: int | str | None) -> None:
    """Give the station an interval of its own (None: the company's again); the station
    learns it from the answer to its next BootNotification."""
    station.heartbeat_interval = None if seconds is None else checked_heartbeat_interval(seconds)
    interval = "the company's" if seconds is None else f"{station.heartbeat_interval} s"
    events.record(station, "heartbeat_interval",
                  f"Heartbeat interval: {interval}, from the station's next boot.")
    db.session.flush()


def configuration_taken(station: Station, key: str, value: str) -> None:
    """What a ChangeConfiguration the station accepted changes of the station itself."""
    if key.lower() == "heartbeatinterval":  # configuration keys are case-insensitive
        heartbeat_interval_taken(station, value)


def heartbeat_interval_taken(station: Station, value: str) -> None:
    """The station took HeartbeatInterval=value: keep it as the station's own, or the
    answer to its next BootNotification would set the old interval again."""
    try:
        station.heartbeat_interval = checked_heartbeat_interval(value)
    except Invalid:  # sent through the API as something no BootNotification would answer
        events.record(station, "heartbeat_interval", f"The station accepted HeartbeatInterval "
                      f"{value!r}, not a usable interval: its interval stays.")
        return
    events.record(station, "heartbeat_interval",
                  f"Heartbeat interval: {station.heartbeat_interval} s, accepted by the station.")
    db.session.flush()


@dataclass(frozen=True)
class StationDetails:
    """What staff say about a station on its settings page (not what it reports itself)."""

    name: str
    description: str
    note: str
    availability: Availability
    registration_status: RegistrationStatus
    heartbeat_interval: int | str | None  # None: the company's
    rated_power_kw: str  # as typed; empty: not known
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    active: bool = True  # False: decommissioned or under repair


def describe(station: Station, details: StationDetails) -> None:
    """Keep the station's settings; its address and coordinates only while it is on no
    floor (on a floor, the floor map places it). Nothing changes if a value is wrong."""
    name = details.name.strip()
    if len(name) > NAME_LENGTH:
        raise Invalid(f"At most {NAME_LENGTH} characters.", field="name")
    latitude, longitude = positions.checked_coordinates(details.latitude, details.longitude)
    interval = details.heartbeat_interval
    interval = None if interval is None else checked_heartbeat_interval(interval)
    rated_power_w = checked_rated_power(details.rated_power_kw)
    if interval != station.heartbeat_interval:
        set_heartbeat_interval(station, interval)
    set_registration(station, details.registration_status)
    station.rated_power_w = rated_power_w
    if name != station.name:
        live.changed(station.tenant_id)  # the navigator shows the name
    station.name, station.description = name, details.description.strip()
    station.note, station.availability = details.note.strip(), details.availability
    if station.active and not details.active:
        alarms.station_deactivated(station)
    station.active = details.active
    if station.floor_id is None:
        station.address = details.address.strip()
        station.latitude, station.longitude = latitude, longitude
    db.session.flush()
