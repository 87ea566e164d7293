"""Everything stored about one EV user, to hand to them (JSON, Excel), and its erasure.

Erasure keeps what the company needs without the person: their charging sessions stay
(in the statistics, with station, times and energy) but lose the link to them, to their
tag and their idTag (replaced by ERASED). The idTag goes too because the tag stays in the
company, unowned: whoever gets the card next would otherwise be linked to this person's
history (tags.set_owner gives an unowned card's past to its next holder). The company's
own billing records keep the transaction ids, which the sessions keep. The audit log keeps
its entries, and that the account was deleted, without the person's e-mail, names and
addresses (portal.services.audit_erasure).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import selectinload

from portal.errors import Invalid
from portal.extensions import db
from portal.models import ChargingSession, Role, User, UserSession
from portal.services import audit_erasure, tags, user_management

ERASED = "ERASED"
_SESSIONS_BATCH = 500


@dataclass(frozen=True)
class Section:
    """One part of the export: a table of values."""

    title: str
    header: Sequence[str]
    rows: Iterator[list[Any]]


def sections(user: User) -> list[Section]:
    """Profile, tags, charging sessions and logins of an EV user, as tables; the sessions
    are read as they are written out."""
    _check_ev_user(user)
    return [
        Section("Profile", ("Field", "Value"), iter(_profile(user))),
        Section("Tags", ("Tag", "Blocked", "Expires (UTC)", "Added (UTC)"), iter(
            [[tag.id_tag, tag.blocked, tag.expiry_at, tag.created_at]
             for tag in user_management.cards_of(user)])),
        Section("Sessions", ("Transaction", "Station", "Connector", "Tag", "Started (UTC)",
                             "Stopped (UTC)", "Energy (Wh)", "Stop reason"), _sessions(user)),
        Section("Logins", ("Started (UTC)", "Ends (UTC)"), iter(
            [[login.created_at, login.expires_at] for login in db.session.scalars(
                select(UserSession).where(UserSession.user_id == user.id)
                .order_by(UserSession.created_at))])),
    ]


def as_json(user: User) -> dict[str, list[dict[str, Any]]]:
    """The export as a JSON document: each section a list of objects, times in ISO 8601."""
    return {section.title.lower(): [
        {name: value.isoformat() if isinstance(value, datetime) else value
         for name, value in zip(section.header, row, strict=True)}
        for row in section.rows] for section in sections(user)}


def _profile(user: User) -> list[list[Any]]:
    return [["E-mail", user.email], ["First name", user.first_name],
            ["Last name", user.last_name], ["Role", user.role.label],
            ["Site", user.site.name if user.site else ""], ["Parking", user.parking_label],
            ["Active", user.active], ["Created (UTC)", user.created_at],
            ["Last login (UTC)", user.last_login_at]]


def _sessions(user: User) -> Iterator[list[Any]]:
    rows = db.session.scalars(
        select(ChargingSession).where(ChargingSession.user_id == user.id)
        .options(selectinload(ChargingSession.station), selectinload(ChargingSession.outlet))
        .order_by(ChargingSession.started_at).execution_options(yield_per=_SESSIONS_BATCH))
    for session in rows:
        yield [session.transaction_id, session.station.charge_box_id,
               session.outlet.connector_id if session.outlet else None, session.id_tag,
               session.started_at, session.stopped_at, session.energy_wh, session.stop_reason]


def erase(user: User) -> None:
    """Erase an EV user: their sessions anonymised, their tags unowned, the user deleted,
    and the person gone from the audit log's entries, which stay."""
    _check_ev_user(user)
    user_id, email = user.id, user.email
    db.session.execute(
        update(ChargingSession).where(ChargingSession.user_id == user.id)
        .values(user_id=None, tag_id=None, id_tag=ERASED, stop_id_tag=case(
            (ChargingSession.stop_id_tag.is_not(None), ERASED)))
        .execution_options(synchronize_session=False))
    for tag in user_management.cards_of(user):
        tags.set_owner(tag, None)
    user_management.delete(user, None)  # flushed: the entries it makes are waiting
    audit_erasure.forget(user_id, email)


def _check_ev_user(user: User) -> None:
    if user.role is not Role.EV_USER:
        raise Invalid("Personal data is exported and erased for EV users; a staff account "
                      "is deleted instead.")
