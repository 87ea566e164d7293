"""Stations' OCPP configuration: fetched with GetConfiguration, changed with
ChangeConfiguration, and stored as the station last reported it.

Every ChangeConfiguration passes `checked_change`, and what is stored follows the
station's answers (`store_reported`, `store_change`), whoever sent the command: a page,
the JSON API or the portal itself after a station's first boot (remote_operations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from ocpp.v16.enums import ConfigurationStatus, RegistrationStatus
from sqlalchemy import delete, select, update

from portal.auth.permissions import Capability
from portal.errors import Forbidden, Invalid
from portal.extensions import db
from portal.models import (
    Command,
    CommandOutcome,
    Station,
    StationConfigurationKey,
)
from portal.models.base import utcnow
from portal.services import alarms, events, remote_operations, stations
from portal.services.configuration_keys import (
    MAX_KEY_LENGTH,
    MAX_VALUE_LENGTH,
    StandardKey,
    checked_value,
    standard_key,
)
from portal.services.remote_operations import CLOCK, Sender
from portal.services.secrets import AUTHORIZATION_KEY, MASK, is_authorization_key, is_secret

GET, CHANGE = "GetConfiguration", "ChangeConfiguration"
# Stored values the station accepted: RebootRequired too (it applies from the next boot).
TAKEN = {ConfigurationStatus.accepted.value, ConfigurationStatus.reboot_required.value}


@dataclass(frozen=True)
class ConfigurationRow:
    stored: StationConfigurationKey
    standard: StandardKey | None

    @property
    def writable(self) -> bool:
        read_only = self.stored.readonly or (self.standard and self.standard.readonly)
        return (not read_only and not self.stored.unknown
                and not is_authorization_key(self.stored.key))


def rows(station: Station) -> list[ConfigurationRow]:
    """The station's stored configuration by key, with what OCPP says of standard keys."""
    found = db.session.scalars(select(StationConfigurationKey).where(
        StationConfigurationKey.station_id == station.id).order_by(StationConfigurationKey.key))
    return [ConfigurationRow(row, standard_key(row.key)) for row in found]


def fetch(station: Station, *, sender: Sender, keys: list[str] | None = None) -> Command:
    """Ask the station for its whole configuration (or some keys); the answer is stored."""
    return remote_operations.send(station, GET, {"key": keys} if keys else {}, sender=sender)


def change(station: Station, key: str, value: str, *, sender: Sender) -> Command:
    """Send a new value (checked by `checked_change`); it is stored only if the station
    takes it."""
    return remote_operations.send(station, CHANGE, {"key": key, "value": value},
                                  sender=sender)


def apply(chosen: list[Station], key: str, value: str, *, sender: Sender) -> str:
    """Send one key=value to many stations at once; return the operation's id."""
    return remote_operations.start(chosen, CHANGE, {"key": key, "value": value},
                                   sender=sender)


def rotate_auth_key(station: Station, auth_key: str, *, sender: Sender) -> Command:
    """Send the station a new HTTP Basic key; the stored key changes if it accepts.

    AuthorizationKey travels hex-encoded (OCPP 1.6 security whitepaper, OCTT TC_085); the
    station then presents the key itself in its Authorization header.
    """
    stations.check_auth_key(auth_key)
    return remote_operations.send(station, CHANGE, {"key": AUTHORIZATION_KEY,
                                                    "value": auth_key.encode().hex()},
                                  sender=sender)


def auth_key_taken(command: Command) -> bool:
    """Whether the station took the new authorization key its command carried."""
    return (command.outcome is CommandOutcome.ANSWERED
            and (command.response or {}).get("status") in TAKEN)


def booted(station: Station) -> None:
    """A boot applies the values that waited for one."""
    db.session.execute(update(StationConfigurationKey).where(
        StationConfigurationKey.station_id == station.id,
        StationConfigurationKey.reboot_required.is_(True)).values(reboot_required=False))


def fetch_at_first_boot(station: Station) -> None:
    """After a station's first accepted boot, fetch its configuration in the background."""
    if first_fetch_due(station):
        remote_operations.start([station], GET, {}, sender=CLOCK)


def first_fetch_due(station: Station) -> bool:
    """Whether an accepted station's configuration is still to be fetched for the first
    time: no GetConfiguration of it was answered or is under way yet, so a fetch that
    found the station gone is tried again at its next boot."""
    if (not current_app.config["OCPP_GET_CONFIGURATION_AT_FIRST_BOOT"]
            or station.registration_status is not RegistrationStatus.accepted):
        return False
    asked = db.session.scalar(select(Command.id).where(
        Command.station_id == station.id, Command.action == GET,
        Command.outcome.in_((CommandOutcome.ANSWERED, CommandOutcome.PENDING))).limit(1))
    return asked is None


def checked_change(station: Station, payload: dict[str, Any], sender: Sender) -> dict[str, Any]:
    """A ChangeConfiguration as it may be sent, whoever sends it: a standard key's value of
    its type, no read-only key, and the authorization key hex-encoded and from someone who
    may register stations."""
    key, value = str(payload["key"]).strip(), str(payload["value"])
    if is_authorization_key(key):
        if not sender.may(Capability.REGISTER_STATIONS):
            raise Forbidden("Only an administrator may set a station's authorization key.",
                            field="key")
        _check_hex_key(value)
        return {"key": AUTHORIZATION_KEY, "value": value}
    value = checked_value(key, value)
    standard = standard_key(key)
    key = standard.name if standard else key  # keys are case-insensitive: store one spelling
    stored = db.session.scalar(select(StationConfigurationKey).where(
        StationConfigurationKey.station_id == station.id, StationConfigurationKey.key == key))
    if stored is not None and stored.readonly:
        raise Invalid(f"{station.charge_box_id} reports {key} as read-only.", field="key")
    return {"key": key, "value": value}


def _check_hex_key(value: str) -> None:
    try:
        stations.check_auth_key(bytes.fromhex(value).decode())
    except (ValueError, Invalid):  # not hex, not UTF-8, or not a usable key
        raise Invalid("Rotate the authorization key on the station's Configuration page. Sent "
                      f"as such, {AUTHORIZATION_KEY} is hex-encoded: the hex of a key of 16 to "
                      "40 printable characters without spaces.", field="value") from None


def store_reported(command: Command, sent: dict[str, Any]) -> None:
    """A GetConfiguration answer becomes the stored table (only the keys asked, if any)."""
    if command.outcome is not CommandOutcome.ANSWERED:
        return
    response = command.response or {}
    reported = {item["key"][:MAX_KEY_LENGTH]: item for item in
                response.get("configurationKey") or [] if isinstance(item, dict)
                and isinstance(item.get("key"), str)}
    unknown = [key[:MAX_KEY_LENGTH] for key in response.get("unknownKey") or []
               if isinstance(key, str)]
    if not sent.get("key"):  # the whole configuration: it replaces the table
        db.session.execute(delete(StationConfigurationKey).where(
            StationConfigurationKey.station_id == command.station_id))
    for key, item in reported.items():
        value = item.get("value")
        if value is not None:
            value = MASK if is_secret(key) else str(value)[:MAX_VALUE_LENGTH]
        _store(command, key, value=value,
               readonly=bool(item.get("readonly")), unknown=False)
    for key in unknown:
        _store(command, key, value=None, readonly=False, unknown=True)
    if "NumberOfConnectors" in reported:
        db.session.flush()
        alarms.check_connectors(command.station)


def store_change(command: Command, sent: dict[str, Any]) -> None:
    """A value the station took is stored (masked if secret), and changes the station where
    it says something of it (its heartbeat interval); a new authorization key replaces the
    stored one."""
    key, value = sent["key"], sent["value"]
    status = (command.response or {}).get("status")
    if command.outcome is not CommandOutcome.ANSWERED or status not in TAKEN:
        return
    if is_authorization_key(key):
        _replace_auth_key(command, value)
        return
    _store(command, key, value=MASK if is_secret(key) else value, readonly=False,
           unknown=False, reboot_required=status == ConfigurationStatus.reboot_required.value)
    stations.configuration_taken(db.session.get(Station, command.station_id), key, value)


def _replace_auth_key(command: Command, hex_value: str) -> None:
    station = db.session.get(Station, command.station_id)
    assert station is not None
    try:
        stations.replace_auth_key(station, bytes.fromhex(hex_value).decode())
    except (ValueError, Invalid):  # checked before it was sent: only if the rules changed
        events.record(station, "auth_key", "The station accepted an AuthorizationKey that is "
                                           "not the hex of a usable key: the stored key stays.")


def _store(command: Command, key: str, **values: Any) -> None:
    stored = db.session.scalar(select(StationConfigurationKey).where(
        StationConfigurationKey.station_id == command.station_id,
        StationConfigurationKey.key == key))
    if stored is None:
        stored = StationConfigurationKey(tenant_id=command.tenant_id,
                                         station_id=command.station_id, key=key)
        db.session.add(stored)
    for name, value in values.items():
        setattr(stored, name, value)
    stored.updated_at = utcnow()
    db.session.flush()
