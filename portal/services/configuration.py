"""Stations' OCPP configuration: fetched with GetConfiguration, changed with
ChangeConfiguration, and stored as the station last reported it.

What is stored follows the station's answers (the `on_answer` hooks below), whoever sent
the command: a page, the JSON API or the portal itself after a station's first boot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from ocpp.v16.enums import ConfigurationStatus, RegistrationStatus
from sqlalchemy import delete, select, update

from ocpp_ws import commands
from portal.errors import Invalid
from portal.extensions import db
from portal.models import (
    Command,
    CommandOutcome,
    Station,
    StationConfigurationKey,
    User,
)
from portal.models.base import utcnow
from portal.services import events, stations
from portal.services.configuration_keys import (
    AUTHORIZATION_KEY,
    MAX_KEY_LENGTH,
    MAX_VALUE_LENGTH,
    StandardKey,
    checked_value,
    is_secret,
    standard_key,
    without_secret,
)

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
        return not read_only and not self.stored.unknown and not is_secret(self.stored.key)


def rows(station: Station) -> list[ConfigurationRow]:
    """The station's stored configuration by key, with what OCPP says of standard keys."""
    found = db.session.scalars(select(StationConfigurationKey).where(
        StationConfigurationKey.station_id == station.id).order_by(StationConfigurationKey.key))
    return [ConfigurationRow(row, standard_key(row.key)) for row in found]


def fetch(station: Station, *, timeout: float, user: User | None = None,
          keys: list[str] | None = None) -> Command:
    """Ask the station for its whole configuration (or some keys); the answer is stored."""
    return commands.send(station, GET, {"key": keys} if keys else {}, timeout=timeout,
                         user=user)


def change(station: Station, key: str, value: str, *, timeout: float,
           user: User | None = None) -> Command:
    """Send a checked new value; it is stored only if the station takes it."""
    return commands.send(station, CHANGE, _checked_payload(station, key, value),
                         timeout=timeout, user=user)


def apply(chosen: list[Station], key: str, value: str, *, timeout: float,
          user: User | None = None) -> str:
    """Send one key=value to many stations at once; return the operation's id."""
    if not chosen:
        raise Invalid("Choose at least one station.", field="stations")
    return commands.start_operation(chosen, CHANGE, _checked_payload(None, key, value),
                                    timeout=timeout, user=user)


def rotate_auth_key(station: Station, auth_key: str, *, timeout: float,
                    user: User | None = None) -> Command:
    """Send the station a new HTTP Basic key; the stored key changes if it accepts.

    AuthorizationKey travels hex-encoded (OCPP 1.6 security whitepaper, OCTT TC_085); the
    station then presents the key itself in its Authorization header.
    """
    stations.check_auth_key(auth_key)
    return commands.send(station, CHANGE, {"key": AUTHORIZATION_KEY,
                                           "value": auth_key.encode().hex()},
                         timeout=timeout, user=user)


def booted(station: Station) -> None:
    """A boot applies the values that waited for one."""
    db.session.execute(update(StationConfigurationKey).where(
        StationConfigurationKey.station_id == station.id,
        StationConfigurationKey.reboot_required.is_(True)).values(reboot_required=False))


def fetch_at_first_boot(station: Station) -> None:
    """After a station's first accepted boot, fetch its configuration in the background.

    "First" means no GetConfiguration of it was answered or is under way yet, so a fetch
    that found the station gone is tried again at its next boot.
    """
    if (not current_app.config["OCPP_GET_CONFIGURATION_AT_FIRST_BOOT"]
            or station.registration_status is not RegistrationStatus.accepted):
        return
    asked = db.session.scalar(select(Command.id).where(
        Command.station_id == station.id, Command.action == GET,
        Command.outcome.in_((CommandOutcome.ANSWERED, CommandOutcome.PENDING))).limit(1))
    if asked is None:
        commands.start_operation([station], GET, {},
                                 timeout=current_app.config["OCPP_COMMAND_TIMEOUT"])


def _checked_payload(station: Station | None, key: str, value: str) -> dict[str, str]:
    key = key.strip()
    if is_secret(key):
        raise Invalid("Rotate the authorization key on the station's Configuration page.",
                      field="key")
    value = checked_value(key, value)
    standard = standard_key(key)
    key = standard.name if standard else key  # keys are case-insensitive: store one spelling
    if station is not None:
        stored = db.session.scalar(select(StationConfigurationKey).where(
            StationConfigurationKey.station_id == station.id,
            StationConfigurationKey.key == key))
        if stored is not None and stored.readonly:
            raise Invalid(f"{station.charge_box_id} reports {key} as read-only.", field="key")
    return {"key": key, "value": value}


@commands.on_answer(GET)
def _store_configuration(command: Command) -> None:
    if command.outcome is not CommandOutcome.ANSWERED:
        return
    response = command.response or {}
    reported = {item["key"][:MAX_KEY_LENGTH]: item for item in
                response.get("configurationKey") or [] if isinstance(item, dict)
                and isinstance(item.get("key"), str)}
    unknown = [key[:MAX_KEY_LENGTH] for key in response.get("unknownKey") or []
               if isinstance(key, str)]
    if not command.payload.get("key"):  # the whole configuration: it replaces the table
        db.session.execute(delete(StationConfigurationKey).where(
            StationConfigurationKey.station_id == command.station_id))
    for key, item in reported.items():
        value = None if is_secret(key) else item.get("value")  # should a station report it
        _store(command, key, value=None if value is None else str(value)[:MAX_VALUE_LENGTH],
               readonly=bool(item.get("readonly")), unknown=False)
    for key in unknown:
        _store(command, key, value=None, readonly=False, unknown=True)


@commands.on_answer(CHANGE)
def _store_change(command: Command) -> None:
    key, value = command.payload.get("key", ""), command.payload.get("value", "")
    status = (command.response or {}).get("status")
    taken = command.outcome is CommandOutcome.ANSWERED and status in TAKEN
    if is_secret(key):
        command.payload = without_secret(command.action, command.payload)  # never kept
        if taken:
            _replace_auth_key(command, value)
        return
    if taken:
        _store(command, key, value=value, readonly=False, unknown=False,
               reboot_required=status == ConfigurationStatus.reboot_required.value)
        stations.configuration_taken(db.session.get(Station, command.station_id), key, value)


def _replace_auth_key(command: Command, hex_value: str) -> None:
    station = db.session.get(Station, command.station_id)
    assert station is not None
    try:
        stations.replace_auth_key(station, bytes.fromhex(hex_value).decode())
    except (ValueError, Invalid):  # not hex, not UTF-8, or not a usable key
        # Sent through the API as something other than the hex of a usable key.
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
