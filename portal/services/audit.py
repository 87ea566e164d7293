"""The audit log's writer: every change a person makes is recorded, whichever door it came
through, without the doors or services saying so.

Who acts is set once per door: the login loader (a person on a page), the API's token check
(an API token) and the CLI's unit of work ("command line"). While someone acts, a flush
listener turns the new, changed and deleted rows of the audited models (AUDITED) into
AuditEntry rows in the same transaction, with the values before and after from the
attributes' history. With no one acting nothing is recorded and nothing is looked at: the
OCPP socket and the clock change stations' state, and a station's own messages are no
person's change.

Entries are written with one INSERT after the flush (the ids of new rows are known then,
and a many-to-one set through its relationship has set its foreign key), and never
updated or deleted: the session refuses it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, RelationshipDirection, Session

from portal.extensions import db
from portal.models import (
    ApiToken,
    AuditEntry,
    ChargingProfile,
    Command,
    Floor,
    Outlet,
    Site,
    Station,
    StationConfigurationKey,
    Tag,
    Tenant,
    ThirdPartyService,
    User,
)
from portal.services.secrets import MASK, is_secret
from tenants.scoping import ALL_TENANTS

CREATED, CHANGED, DELETED = "created", "changed", "deleted"
LOGGED_IN, LOGIN_FAILED = "logged in", "login failed"
ACTIONS = (CREATED, CHANGED, DELETED, LOGGED_IN, LOGIN_FAILED)
# What support users see: the entries about stations (commands and configuration included).
STATION_KINDS = ("station", "outlet", "command", "configuration")
NAME_LENGTH = AuditEntry.__table__.c.target.type.length
# Columns no person changes, or whose change says nothing: times kept by the portal.
NOISE = frozenset({"id", "tenant_id", "created_at", "updated_at", "last_login_at",
                   "last_used_at"})
# What the station reports of itself and of its connectors, and the live connection.
STATION_STATE = frozenset({
    "vendor", "model", "charge_point_serial_number", "charge_box_serial_number",
    "firmware_version", "iccid", "imsi", "meter_type", "meter_serial_number", "last_boot_at",
    "last_heartbeat_at", "connected_at", "connection_id", "last_seen_at", "status",
    "error_code", "status_info", "status_at", "firmware_status", "firmware_status_at",
    "diagnostics_status", "diagnostics_status_at", "defaults_sent_at", "info", "vendor_id",
    "vendor_error_code"})


@dataclass(frozen=True)
class Actor:
    """Who an entry is by, in words that outlive the user or token, and from where."""

    label: str
    user_id: int | None = None
    api_token_id: int | None = None
    address: str | None = None

    @classmethod
    def of_user(cls, user: User, address: str | None) -> Actor:
        return cls(user.email, user_id=user.id, address=address)

    @classmethod
    def of_token(cls, token: ApiToken, address: str | None) -> Actor:
        return cls(f"API token {token.name}", api_token_id=token.id, address=address)


COMMAND_LINE = Actor("command line")


@dataclass(frozen=True)
class Audited:
    """How changes of a model are recorded: the target's kind and name, which changes."""

    kind: str
    name: Callable[[Session, Any], str]
    ignored: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset({CREATED, CHANGED, DELETED})
    only: frozenset[str] | None = None  # the columns recorded; None: all but the ignored


def _station_name(session: Session, station_id: int) -> str:
    station = session.get(Station, station_id, execution_options={ALL_TENANTS: True})
    return station.charge_box_id if station is not None else f"#{station_id}"


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
}

PENDING = "audit_pending"  # session.info: the transaction's entries, written at its commit
OLD_VALUES = "audit_old_values"  # session.info: id(row) -> {column: value in the database}
_actor: ContextVar[Actor | None] = ContextVar("plugboard_audit_actor", default=None)


class AuditEntryImmutable(RuntimeError):
    """An audit entry was about to be changed or deleted."""


def act_as(actor: Actor | None) -> None:
    """Record the changes that follow as `actor`'s, until the request ends (None: no one's)."""
    _actor.set(actor)


@contextmanager
def acting(actor: Actor) -> Iterator[None]:
    """Record the changes made in this block as `actor`'s."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def logged_in(user: User, address: str | None) -> None:
    """Record a login of `user`."""
    _add(user.tenant_id, Actor.of_user(user, address), LOGGED_IN, "user", user.id, user.email)


def login_failed(tenant: Tenant, email: str, address: str | None) -> None:
    """Record a refused login with the e-mail address it was tried for."""
    _add(tenant.id, Actor(email[:NAME_LENGTH], address=address), LOGIN_FAILED, "user", None,
         email)


def _add(tenant_id: int, actor: Actor, action: str, kind: str, target_id: int | None,
         name: str) -> None:
    db.session.add(AuditEntry(tenant_id=tenant_id, action=action, target_kind=kind,
                              target_id=target_id, target=name[:NAME_LENGTH],
                              **_who(actor)))


def _who(actor: Actor) -> dict[str, Any]:
    return {"actor": actor.label[:NAME_LENGTH], "user_id": actor.user_id,
            "api_token_id": actor.api_token_id, "address": actor.address}


@event.listens_for(Session, "before_flush")
def _refuse_changed_entries(session: Session, _context: Any, _instances: Any) -> None:
    for entry in (*session.dirty, *session.deleted):
        if isinstance(entry, AuditEntry):
            raise AuditEntryImmutable("audit entries are never changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is AuditEntry for mapper in state.all_mappers):
        raise AuditEntryImmutable("audit entries are never changed or deleted")


@event.listens_for(Session, "before_flush")
def _keep_old_values(session: Session, _context: Any, _instances: Any) -> None:
    """What the database holds of the rows about to change, where the session does not know
    it: a row deleted, or a value set after a commit expired it."""
    if _actor.get() is None:
        return
    for obj in session.deleted:
        if type(obj) in AUDITED and inspect(obj).expired_attributes:
            session.refresh(obj)
    old = session.info[OLD_VALUES] = {}
    for obj in session.dirty:
        if type(obj) in AUDITED:
            state = inspect(obj)
            unknown = [column for column in state.mapper.column_attrs
                       if (history := state.attrs[column.key].history).added
                       and not history.deleted and not history.unchanged]
            if unknown:
                row = session.connection().execute(
                    select(*(column.columns[0] for column in unknown)).where(
                        *(key == value for key, value in zip(
                            state.mapper.primary_key, state.identity, strict=True)))).one()
                old[id(obj)] = dict(zip((column.key for column in unknown), row, strict=True))


@event.listens_for(Session, "after_flush")
def _record(session: Session, _context: Any) -> None:
    actor = _actor.get()
    if actor is None:
        return
    # By transaction: a savepoint rolled back takes its entries with it.
    transaction = session.get_nested_transaction() or session.get_transaction()
    pending = session.info.setdefault(PENDING, {}).setdefault(id(transaction), {})
    for action, objects in ((CREATED, session.new), (CHANGED, session.dirty),
                            (DELETED, session.deleted)):
        for obj in objects:
            if (row := _entry(session, actor, action, obj)) is not None:
                _merge(pending, row)
    session.info.pop(OLD_VALUES, None)


def _merge(pending: dict[tuple[Any, ...], dict[str, Any]], row: dict[str, Any]) -> None:
    """One entry per row changed in a transaction, however many flushes it took: the values
    before the first change, after the last."""
    key = (row["target_kind"], row["target_id"], row["actor"])
    first = pending.get(key)
    if first is None or row["action"] != CHANGED or first["action"] == DELETED:
        pending[key if first is None else (*key, len(pending))] = row
        return
    before, after = dict(first["before"] or {}), dict(first["after"] or {})
    changed_before = set(before) | set(after)
    later_before, later_after = row["before"] or {}, row["after"] or {}
    if first["action"] == CHANGED:
        before.update({field: value for field, value in later_before.items()
                       if field not in changed_before})
    for field in set(later_before) | set(later_after):
        after.pop(field, None)
        if field in later_after:
            after[field] = later_after[field]
    back = {field for field in set(before) | set(after) if before.get(field) == after.get(field)}
    first.update(target=row["target"],
                 before={field: value for field, value in before.items() if field not in back}
                 or None,
                 after={field: value for field, value in after.items() if field not in back}
                 or None)


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    """The transaction's entries, written with it (a savepoint's, with its transaction's)."""
    if session.get_nested_transaction() is not None:
        return
    if _actor.get() is not None:
        session.flush()  # commit flushes only after this hook
    rows = [row for entries in session.info.pop(PENDING, {}).values()
            for row in entries.values()]
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: Any) -> None:
    pending = session.info.get(PENDING, {})
    if previous.nested:
        pending.pop(id(previous), None)
    else:
        pending.clear()
    session.info.pop(OLD_VALUES, None)


def _entry(session: Session, actor: Actor, action: str, obj: Any) -> dict[str, Any] | None:
    audited = AUDITED.get(type(obj))
    if audited is None or action not in audited.actions:
        return None
    before, after = _values(session, obj, audited, action)
    if action == CHANGED and not before and not after:
        return None  # only noise changed
    return {"tenant_id": obj.id if isinstance(obj, Tenant) else obj.tenant_id,
            "action": action, "target_kind": audited.kind, "target_id": obj.id,
            "target": audited.name(session, obj)[:NAME_LENGTH],
            "before": before or None, "after": after or None, "details": {},
            **_who(actor)}


def _values(session: Session, obj: Any, audited: Audited,
            action: str) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    known = session.info.get(OLD_VALUES, {}).get(id(obj), {})
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for column in state.mapper.column_attrs:
        name = column.key
        if name in NOISE or name in audited.ignored or (
                audited.only is not None and name not in audited.only):
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
