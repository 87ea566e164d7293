"""What the audit log records of each audited model: the target's kind and name, the
columns it shows (noise and what stations report left out), and the values as an entry holds
them: secrets masked, references to other audited rows by their names, JSON-ready."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, inspect
from sqlalchemy.orm import ColumnProperty, RelationshipDirection, Session

from portal.models import (
    Alarm,
    ApiToken,
    ChargingProfile,
    ChargingSession,
    Command,
    Floor,
    Outlet,
    Reservation,
    Site,
    SsoProvider,
    Station,
    StationConfigurationKey,
    StationFile,
    StationFileKind,
    Tag,
    Tenant,
    ThirdPartyService,
    TwoFactor,
    User,
)
from portal.services.secrets import MASK, is_secret
from tenants.scoping import ALL_TENANTS

CREATED, CHANGED, DELETED = "created", "changed", "deleted"
# What support users see: the entries about stations (commands and configuration included),
# and about what support users do to them: alarms cleared, reservations, firmware images.
STATION_KINDS = ("station", "outlet", "command", "configuration", "alarm", "reservation",
                 "firmware image")
# Columns no person changes, or whose change says nothing: times kept by the portal, and
# a station key's verifier (derived from the key, whose change is recorded).
NOISE = frozenset({"id", "tenant_id", "created_at", "updated_at", "last_login_at",
                   "last_used_at", "auth_key_verifier"})
# What the station reports of itself and of its connectors, and the live connection.
STATION_STATE = frozenset({
    "vendor", "model", "charge_point_serial_number", "charge_box_serial_number",
    "firmware_version", "iccid", "imsi", "meter_type", "meter_serial_number", "last_boot_at",
    "last_heartbeat_at", "connected_at", "connection_id", "last_seen_at", "status",
    "error_code", "status_info", "status_at", "firmware_status", "firmware_status_at",
    "diagnostics_status", "diagnostics_status_at", "defaults_sent_at", "info", "vendor_id",
    "vendor_error_code"})


@dataclass(frozen=True)
class Audited:
    """How changes of a model are recorded: the target's kind and name, which changes."""

    kind: str
    name: Callable[[Session, Any], str]
    ignored: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset({CREATED, CHANGED, DELETED})
    only: frozenset[str] | None = None  # the columns recorded; None: all but the ignored
    rows: Callable[[Any], bool] | None = None  # which rows of the model; None: all

    def covers(self, obj: Any) -> bool:
        """Whether changes of this row are recorded."""
        return self.rows is None or self.rows(obj)

    def records(self, column: ColumnProperty[Any]) -> bool:
        """Whether an entry shows this column (a mapped table column, not an expression)."""
        name = column.key
        return (isinstance(column.expression, Column) and name not in NOISE
                and name not in self.ignored and (self.only is None or name in self.only))


def _station_name(session: Session, station_id: int) -> str:
    station = session.get(Station, station_id, execution_options={ALL_TENANTS: True})
    return station.charge_box_id if station is not None else f"#{station_id}"


def _user_email(session: Session, user_id: int) -> str:
    user = session.get(User, user_id, execution_options={ALL_TENANTS: True})
    return user.email if user is not None else f"#{user_id}"


AUDITED: dict[type, Audited] = {
    User: Audited("user", lambda _, user: user.email, frozenset({"dashboard_widgets"})),
    Tag: Audited("tag", lambda _, tag: tag.id_tag),
    Site: Audited("site", lambda _, site: site.name),
    Floor: Audited("floor", lambda _, floor: floor.name),
    Station: Audited("station", lambda _, station: station.charge_box_id, STATION_STATE),
    Outlet: Audited("outlet", lambda session, outlet: (
        f"{_station_name(session, outlet.station_id)} #{outlet.connector_id}"), STATION_STATE),
    Tenant: Audited("company", lambda _, tenant: tenant.name),
    ThirdPartyService: Audited("service", lambda _, service: service.name),
    SsoProvider: Audited("single sign-on", lambda _, provider: provider.name),
    # A person's second factor turned on or off (its key masked: the column says secret).
    TwoFactor: Audited("two-factor login", lambda session, factor: _user_email(
        session, factor.user_id), frozenset({"last_step"}), actions=frozenset({CREATED, DELETED})),
    ApiToken: Audited("api token", lambda _, token: token.name),
    ChargingProfile: Audited("charging profile", lambda _, profile: (
        profile.description or f"#{profile.charging_profile_id}")),
    # A command is recorded when it is sent; what the station answers is no person's change.
    Command: Audited("command", lambda session, command: (
        f"{command.action} to {command.charge_box_id}"), actions=frozenset({CREATED}),
        only=frozenset({"station_id", "action", "payload", "operation_id"})),
    # A value the station took after a person's ChangeConfiguration (the command's own entry
    # says what was asked); the keys a GetConfiguration stores are the station's report.
    StationConfigurationKey: Audited("configuration", lambda session, key: (
        f"{_station_name(session, key.station_id)} {key.key}"), actions=frozenset({CHANGED}),
        only=frozenset({"value"})),
    # A reviewer accepts or corrects a session's end (portal.services.session_review). Only
    # those columns: a user deleted or erased also changes sessions (their link to the
    # person), and that must not copy the person's tag into the log.
    ChargingSession: Audited("charging session", lambda session, charging: (
        f"{_station_name(session, charging.station_id)} transaction "
        f"{charging.transaction_id}"), actions=frozenset({CHANGED}),
        only=frozenset({"stopped_at", "meter_stop", "energy_wh", "anomaly", "review_action"})),
    # An alarm cleared by hand; what raises and clears alarms by itself is no person.
    Alarm: Audited("alarm", lambda _, alarm: f"{alarm.kind.label} at {alarm.node}",
                   actions=frozenset({CHANGED}), only=frozenset({"cleared_at", "cleared_by_id"})),
    Reservation: Audited("reservation", lambda session, reservation: (
        f"{_station_name(session, reservation.station_id)} #{reservation.connector_id} "
        f"for {reservation.id_tag}")),
    # Firmware images staff upload and delete; a diagnostics file is the station's upload
    # (the GetDiagnostics command that asked for it is recorded). Never its token, the key
    # to its address. Its size and hash are set after its row is first flushed: one entry.
    StationFile: Audited("firmware image", lambda _, file: file.name,
                         only=frozenset({"name", "size", "sha256"}),
                         rows=lambda file: file.kind is StationFileKind.FIRMWARE),
}

def values(session: Session, obj: Any, audited: Audited, action: str,
           known: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of a row before and after the change (`known`: old values the session had
    forgotten), as an entry shows them; a field unchanged, or None on both sides, is left out."""
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for column in state.mapper.column_attrs:
        name = column.key
        if not audited.records(column):
            continue
        history = state.attrs[name].history
        if action == CHANGED:
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else known.get(name)
            new = history.added[0] if history.added else None
            if old == new:
                continue
        else:
            old = new = history.unchanged[0] if history.unchanged else (
                history.added[0] if history.added else None)
        field, old, new = _shown(session, state.mapper, name, old, new)
        if action != CREATED and old is not None:
            before[field] = old
        if action != DELETED and new is not None:
            after[field] = new
    return before, after


def _shown(session: Session, mapper: Any, name: str, old: Any,
           new: Any) -> tuple[str, Any, Any]:
    """A field as the log shows it: a secret masked (a password changed, never its hash), a
    reference to an audited row by that row's name."""
    if is_secret(name):
        return name.removesuffix("_hash"), MASK if old else None, MASK if new else None
    target = _referenced(mapper, name)
    if target is not None:
        relationship, model = target
        return relationship, _name_of(session, model, old), _name_of(session, model, new)
    return name, _plain(old), _plain(new)


def _referenced(mapper: Any, column: str) -> tuple[str, type] | None:
    for relationship in mapper.relationships:
        if (relationship.direction is RelationshipDirection.MANYTOONE
                and [local.key for local in relationship.local_columns] == [column]
                and relationship.mapper.class_ in AUDITED):
            return relationship.key, relationship.mapper.class_
    return None


def _name_of(session: Session, model: type, row_id: Any) -> Any:
    if row_id is None:
        return None
    # Named by a row of the same company: no scope is needed (nor open, creating a company).
    row = session.get(model, row_id, execution_options={ALL_TENANTS: True})
    return AUDITED[model].name(session, row) if row is not None else f"#{row_id}"


def _plain(value: Any) -> Any:
    """A value as JSON holds it; the values of secret-named keys masked."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    if isinstance(value, dict) and {"key", "value"} <= value.keys():  # a configuration key
        return {**value, "value": MASK} if is_secret(str(value["key"])) else {
            str(name): _plain(item) for name, item in value.items()}
    if isinstance(value, dict):
        return {str(name): MASK if is_secret(str(name)) and item else _plain(item)
                for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)
