"""The users table: a filter on every column, sorting, pages, the Excel export's rows.

Every query goes through `visible_users`: a site administrator reads the EV users of their
site only, and any other user's id answers NotFound.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import contains_eager

from portal.auth.permissions import Actor, visible_users
from portal.errors import NotFound
from portal.extensions import db
from portal.models import Role, Site, Tag, User
from portal.services import rfid
from portal.services.monitoring import PAGE_SIZE, Page, paginate

EXPORT_BATCH = 500
EXPORT_HEADER = ("E-mail", "First name", "Last name", "Role", "RFID", "Site", "Parking",
                 "Active", "E-mail at alarm", "Created (UTC)", "Last login (UTC)")
_CARDS = (select(func.aggregate_strings(Tag.id_tag, " ")).where(Tag.owner_id == User.id)
          .correlate(User).scalar_subquery())
# The sortable columns by their names in the address; "-name" sorts the other way.
SORTS: dict[str, Any] = {"email": User.email, "first_name": User.first_name,
                         "last_name": User.last_name, "role": User.role,
                         "site": Site.name, "parking": User.parking_label}
DEFAULT_SORT = "email"


@dataclass(frozen=True)
class UserFilter:
    """Each text is contained in its column, in any case; RFID in any tag of the user's
    (typed in decimal, it also finds the tag stored as its hex form)."""

    email: str = ""
    first_name: str = ""
    last_name: str = ""
    role: Role | None = None
    rfid: str = ""
    site_id: int | None = None
    parking: str = ""


@dataclass(frozen=True)
class UserRow:
    user: User
    cards: str  # the idTags of the user's tags, space-separated


def get(actor: Actor, user_id: int) -> User:
    """The user if the actor may see them; NotFound otherwise (another company's too)."""
    user = db.session.scalar(visible_users(actor, select(User).where(User.id == user_id)))
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


def page(actor: Actor, filters: UserFilter, sort: str = DEFAULT_SORT,
         number: int = 1) -> Page[UserRow]:
    return paginate(_query(actor, filters, sort), number, PAGE_SIZE, scalars=False).map(
        lambda row: UserRow(row[0], row[1] or ""))


def export_rows(actor: Actor | None, filters: UserFilter, sort: str) -> Iterator[list[Any]]:
    """The cells of every row of the table, read in batches (constant memory); with no
    actor (the operator's CLI), every user of the company."""
    rows = db.session.execute(_query(actor, filters, sort).execution_options(
        yield_per=EXPORT_BATCH))
    for user, cards in rows:
        yield [user.email, user.first_name, user.last_name, user.role.label, cards or "",
               user.site.name if user.site else "", user.parking_label,
               "yes" if user.active else "no", "yes" if user.email_on_alarm else "no",
               user.created_at, user.last_login_at]


def _query(actor: Actor | None, filters: UserFilter, sort: str) -> Select[Any]:
    query = (select(User, _CARDS).outerjoin(Site, Site.id == User.site_id)
             .options(contains_eager(User.site)))
    for column, text in ((User.email, filters.email), (User.first_name, filters.first_name),
                         (User.last_name, filters.last_name),
                         (User.parking_label, filters.parking)):
        if text:
            query = query.where(column.icontains(text, autoescape=True))
    if filters.role is not None:
        query = query.where(User.role == filters.role)
    if filters.site_id is not None:
        query = query.where(User.site_id == filters.site_id)
    if filters.rfid:
        query = query.where(_holds_card(filters.rfid))
    column = SORTS.get(sort.removeprefix("-"), SORTS[DEFAULT_SORT])
    order = column.desc() if sort.startswith("-") else column.asc()
    query = query.order_by(order, User.id)
    return query if actor is None else visible_users(actor, query)


def _holds_card(text: str) -> Any:
    matches = [Tag.id_tag.icontains(text, autoescape=True)]
    if (hex_form := rfid.hex_of_decimal(text)) is not None:
        matches.append(Tag.id_tag == hex_form)
    return exists().where(Tag.owner_id == User.id, or_(*matches))
