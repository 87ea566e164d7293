"""The audit log's writer: every change a person makes is recorded, whichever door it came
through, without the doors or services saying so.

Who acts is set once per door: the login loader (a person on a page), the API's token check
(an API token) and the CLI's unit of work ("command line"). While someone acts, a flush
listener turns the new, changed and deleted rows of the audited models (AUDITED) into
AuditEntry rows in the same transaction, with the values before and after from the
attributes' history. With no one acting nothing is recorded and nothing is looked at: the
OCPP socket and the clock change stations' state, and a station's own messages are no
person's change.

Entries are made after each flush (the ids of new rows are known then, and a many-to-one
set through its relationship has set its foreign key), one per row and transaction however
many flushes it took, and written with one INSERT as the transaction commits (a savepoint
rolled back takes its entries with it). They are never updated or deleted: the session
refuses it, but for the erasure of a person's data (portal.services.audit_erasure), which
replaces what entries say of them with UPDATEs carrying the ERASURE option. What is
recorded of each model is portal.services.audit_targets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from flask_limiter.util import get_remote_address
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from portal.extensions import db
from portal.models import ApiToken, AuditEntry, Tenant, User
from portal.services.audit_targets import (
    AUDITED,
    CHANGED,
    CREATED,
    DELETED,
    values,
)

LOGGED_IN, LOGIN_FAILED = "logged in", "login failed"
ACTIONS = (CREATED, CHANGED, DELETED, LOGGED_IN, LOGIN_FAILED)
NAME_LENGTH = AuditEntry.__table__.c.target.type.length


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


PENDING = "audit_pending"  # session.info: the transaction's entries, written at its commit
# The execution option of the one UPDATE of entries let through (audit_erasure.forget).
ERASURE = "audit_erasure"
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


def act_as_link_holder(user: User) -> None:
    """Record what follows as `user`'s: whoever holds a single-use link the portal mailed to
    them (a password reset, an e-mail change) acts as them, logged in or not."""
    act_as(Actor.of_user(user, get_remote_address() if has_request_context() else None))


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
        if state.is_update and state.execution_options.get(ERASURE):
            return  # a person erased from the entries: portal.services.audit_erasure
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
        if (audited := AUDITED.get(type(obj))) is not None:
            state = inspect(obj)
            unknown = [column for column in state.mapper.column_attrs if audited.records(column)
                       and (history := state.attrs[column.key].history).added
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
    if audited is None or action not in audited.actions or not audited.covers(obj):
        return None
    known = session.info.get(OLD_VALUES, {}).get(id(obj), {})
    before, after = values(session, obj, audited, action, known)
    if action == CHANGED and not before and not after:
        return None  # only noise changed
    return {"tenant_id": obj.id if isinstance(obj, Tenant) else obj.tenant_id,
            "action": action, "target_kind": audited.kind, "target_id": obj.id,
            "target": audited.name(session, obj)[:NAME_LENGTH],
            "before": before or None, "after": after or None, "details": {},
            **_who(actor)}


