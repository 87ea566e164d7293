"""A person erased from the audit log: the one change ever made to its entries.

Entries are never changed or deleted (portal.services.audit refuses it), but for this: when
an EV user's personal data is erased (portal.services.personal_data.erase), the entries
stay, and what they say of the person is replaced by ERASED:

- in the entries about them (their account created, changed, logged in, deleted, and
  logins tried with their address): the target's name and the fields that name them;
- in the entries by them: who (their e-mail) and from where (their address);
- in any other entry that names them by e-mail (a tag's owner, before and after).

Their e-mail addresses are the one they have and those the entries about them show they
had. The entries the erasure itself makes (the account deleted, its cards unowned) are
still to be written when it runs, and are scrubbed as they wait: the log keeps that an
account was deleted, and by whom, but not whose it was.

Each entry is changed by one UPDATE carrying the ERASURE option, the only way past the
guard (portal.services.audit); it never deletes an entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Text, cast, func, or_, select, update

from portal.extensions import db
from portal.models import AuditEntry
from portal.services.audit import ERASURE, PENDING

ERASED = "ERASED"
# The fields of an entry about a user that name the person (User's columns, as
# portal.services.audit_targets shows them).
PERSONAL_FIELDS = frozenset({"email", "first_name", "last_name", "parking_label"})
_SCRUBBED_COLUMNS = ("actor", "address", "user_id", "target_kind", "target_id", "target",
                     "before", "after", "details")


def forget(user_id: int, email: str) -> int:
    """Replace the person's e-mail addresses, names and addresses in the audit log by
    ERASED, in the entries written and in those waiting for this transaction's commit;
    how many written entries changed. Run it once their account's deletion is flushed."""
    emails = _emails(user_id, email)
    for row in _waiting():
        row.update(_scrubbed(row, user_id, emails))
    changed = 0
    for entry in db.session.execute(select(AuditEntry.id, *_columns()).where(
            _naming(user_id, emails))).mappings().all():
        values = _scrubbed(dict(entry), user_id, emails)
        if values:
            db.session.execute(update(AuditEntry).where(AuditEntry.id == entry["id"])
                               .values(**values)
                               .execution_options(synchronize_session=False, **{ERASURE: True}))
            changed += 1
    return changed


def _columns() -> list[Any]:
    return [getattr(AuditEntry, name) for name in _SCRUBBED_COLUMNS]


def _about(user_id: int) -> Any:
    return (AuditEntry.target_kind == "user") & (AuditEntry.target_id == user_id)


def _emails(user_id: int, email: str) -> frozenset[str]:
    """The address the person has, and those the entries about them show they had."""
    found = {email.lower()}
    for target, before, after in db.session.execute(select(
            AuditEntry.target, AuditEntry.before, AuditEntry.after).where(_about(user_id))):
        found.add(target.lower())
        found.update(str(values["email"]).lower() for values in (before, after)
                     if values and values.get("email"))
    return frozenset(found)


def _naming(user_id: int, emails: frozenset[str]) -> Any:
    """The entries about, by or naming the person. JSON is stored as json.dumps writes it,
    so an address is looked for in that form."""
    written = [json.dumps(email)[1:-1] for email in emails]
    return or_(
        _about(user_id), AuditEntry.user_id == user_id,
        func.lower(AuditEntry.actor).in_(emails), func.lower(AuditEntry.target).in_(emails),
        *(cast(column, Text).contains(text, autoescape=True)
          for column in (AuditEntry.before, AuditEntry.after, AuditEntry.details)
          for text in written))


def _waiting() -> Iterable[dict[str, Any]]:
    """The entries this transaction will write at its commit (portal.services.audit)."""
    for entries in db.session.info.get(PENDING, {}).values():
        yield from entries.values()


def _scrubbed(row: dict[str, Any], user_id: int, emails: frozenset[str]) -> dict[str, Any]:
    """The columns of an entry that change for the person to be gone from it."""
    changes: dict[str, Any] = {}
    if row["user_id"] == user_id or (row["actor"] or "").lower() in emails:
        changes.update(actor=ERASED, address=None, user_id=None)
    about = ((row["target_kind"] == "user" and row["target_id"] == user_id)
             or (row["target"] or "").lower() in emails)
    if about:
        changes["target"] = ERASED
    for column in ("before", "after", "details"):
        value = row[column]
        if value is not None and (scrubbed := _without(value, emails, about)) != value:
            changes[column] = scrubbed
    return changes


def _without(value: Any, emails: frozenset[str], about: bool) -> Any:
    """A JSON value with the person's addresses, and (`about`: in an entry about them) the
    fields naming them, replaced by ERASED."""
    if isinstance(value, str):
        return ERASED if value.lower() in emails else value
    if isinstance(value, list):
        return [_without(item, emails, False) for item in value]
    if isinstance(value, dict):
        return {name: ERASED if about and name in PERSONAL_FIELDS and item
                else _without(item, emails, False) for name, item in value.items()}
    return value
