"""RFID tags (OCPP idTags) of a tenant, and whether one may charge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ocpp.v16.enums import AuthorizationStatus
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import aliased, selectinload

from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import ChargingSession, Outlet, OutletMode, Role, Station, Tag, Tenant, User
from portal.models.base import utcnow
from portal.services import rfid
from portal.services.monitoring import PAGE_SIZE, Page, paginate
from portal.services.rfid import MAX_ID_TAG_LENGTH


@dataclass(frozen=True)
class TagFilter:
    text: str = ""  # contained in the idTag, any case
    parent: str = ""  # the parent's idTag, any case
    expired: bool | None = None  # by the tag's own expiry (a parent's is not looked at)
    charging: bool | None = None  # in a charging session now
    blocked: bool | None = None
    owner_id: int | None = None


def page(filters: TagFilter, number: int = 1) -> Page[Tag]:
    """A page of the company's tags, by idTag."""
    query = select(Tag).options(selectinload(Tag.parent), selectinload(Tag.owner))
    if filters.text:
        query = query.where(Tag.id_tag.icontains(filters.text, autoescape=True))
    if filters.parent:
        parent = aliased(Tag)
        query = query.where(Tag.parent_id.in_(select(parent.id).where(
            func.upper(parent.id_tag) == filters.parent.upper())))
    if filters.expired is not None:
        expired = Tag.expiry_at <= utcnow()
        query = query.where(expired if filters.expired
                            else or_(Tag.expiry_at.is_(None), ~expired))
    if filters.charging is not None:
        charging = exists().where(ChargingSession.tag_id == Tag.id,
                                  ChargingSession.stopped_at.is_(None))
        query = query.where(charging if filters.charging else ~charging)
    if filters.blocked is not None:
        query = query.where(Tag.blocked.is_(filters.blocked))
    if filters.owner_id is not None:
        query = query.where(Tag.owner_id == filters.owner_id)
    return paginate(query.order_by(Tag.id_tag), number, PAGE_SIZE)


def find(id_tag: str) -> Tag | None:
    return db.session.scalar(select(Tag).where(Tag.id_tag == id_tag))


def get(tag_id: int) -> Tag:
    """The company's tag with this id; NotFound otherwise (another company's included)."""
    tag = db.session.scalar(select(Tag).where(Tag.id == tag_id))
    if tag is None:
        raise NotFound(f"No tag {tag_id}.")
    return tag


def owners() -> list[User]:
    """Who a tag may belong to: the company's EV users (a driver sees their tags' sessions)."""
    return list(db.session.scalars(select(User).where(User.role == Role.EV_USER)
                                   .order_by(User.email)))


def add(
    tenant: Tenant,
    id_tag: str,
    *,
    expiry_at: datetime | None = None,
    max_active_transactions: int = 1,
    blocked: bool = False,
    parent_id_tag: str | None = None,
    owner: User | None = None,
    note: str = "",
) -> Tag:
    id_tag = _free_id_tag(id_tag, None)
    parent = _parent(parent_id_tag, None)
    tag = Tag(
        tenant_id=tenant.id,
        id_tag=id_tag,
        expiry_at=expiry_at,
        max_active_transactions=max_active_transactions,
        blocked=blocked,
        parent=parent,
        note=note,
    )
    db.session.add(tag)
    db.session.flush()
    set_owner(tag, owner)
    return tag


@dataclass(frozen=True)
class TagValues:
    """A tag as the portal's form sets it."""

    id_tag: str
    parent_id_tag: str = ""
    expiry_at: datetime | None = None
    max_active_transactions: int = 1
    blocked: bool = False
    note: str = ""
    owner_id: int | None = None


def create(tenant: Tenant, values: TagValues) -> Tag:
    return add(tenant, values.id_tag, expiry_at=values.expiry_at,
               max_active_transactions=values.max_active_transactions,
               blocked=values.blocked, parent_id_tag=values.parent_id_tag,
               owner=_owner(values.owner_id), note=values.note)


def edit(tag: Tag, values: TagValues) -> None:
    """Change every value of a tag; a renamed tag's past sessions keep the idTag they had."""
    id_tag = _free_id_tag(values.id_tag, tag)
    parent = _parent(values.parent_id_tag, tag)
    owner = _owner(values.owner_id)
    tag.id_tag, tag.parent = id_tag, parent
    tag.expiry_at, tag.max_active_transactions = values.expiry_at, values.max_active_transactions
    tag.blocked, tag.note = values.blocked, values.note
    set_owner(tag, owner)
    db.session.flush()


def set_owner(tag: Tag, owner: User | None) -> None:
    """Give a card to a person, move it to another, or take it back.

    A session belongs to whoever held its tag when it started (charging_sessions stamps
    it), so after a move the earlier sessions stay with the first person. Sessions the tag
    started while it had no owner go to the person it is now given to: a driver sees their
    history from before their card was linked to them."""
    if tag.owner_id == (owner.id if owner else None):
        return
    tag.owner = owner
    db.session.flush()
    if owner is not None:
        db.session.execute(
            update(ChargingSession)
            .where(ChargingSession.tag_id == tag.id, ChargingSession.user_id.is_(None))
            .values(user_id=owner.id))


def block(tag: Tag, blocked: bool) -> None:
    """Block or unblock: Authorize reads it at once; stations' local lists at their next
    update (local_list.changes compares what they hold with what the tags say now)."""
    tag.blocked = blocked
    db.session.flush()


@dataclass(frozen=True)
class Deletion:
    """What deleting a tag would do: its sessions stay (with their idTag), its children
    must first go or get another parent."""

    sessions: int
    children: list[str]


def deletion_of(tag: Tag) -> Deletion:
    sessions = db.session.scalar(select(func.count()).select_from(ChargingSession)
                                 .where(ChargingSession.tag_id == tag.id))
    children = db.session.scalars(select(Tag.id_tag).where(Tag.parent_id == tag.id)
                                  .order_by(Tag.id_tag))
    return Deletion(sessions or 0, list(children))


def delete(tag: Tag) -> None:
    """Delete a tag; its charging sessions and reservations stay, without the link.

    A parent is refused rather than its children unset: deleting a fleet's card to end the
    fleet would otherwise leave every car's card valid on its own, no longer limited by
    the parent's block or expiry."""
    children = deletion_of(tag).children
    if children:
        raise Conflict(f"Tag {tag.id_tag} is the parent of {', '.join(children)}: give them "
                       "another parent or delete them first.", field="id_tag")
    db.session.delete(tag)
    db.session.flush()


def _free_id_tag(id_tag: str, tag: Tag | None) -> str:
    """The idTag, checked: 1 to 20 characters, no other tag's in any case (stations present
    idTags in any case, see find_presented)."""
    id_tag = id_tag.strip()
    if not id_tag or len(id_tag) > MAX_ID_TAG_LENGTH:
        raise Invalid(f"An idTag has 1 to {MAX_ID_TAG_LENGTH} characters.", field="id_tag")
    same = find_presented(id_tag)
    if same is not None and same is not tag:
        raise Conflict(f"Tag {same.id_tag} already exists.", field="id_tag")
    return id_tag


def _parent(parent_id_tag: str | None, tag: Tag | None) -> Tag | None:
    """The parent named, if any: a tag of the company that is neither the tag itself nor
    one of its descendants (a cycle would make each the other's parent)."""
    parent_id_tag = (parent_id_tag or "").strip()
    if not parent_id_tag:
        return None
    parent = find_presented(parent_id_tag)
    if parent is None:
        raise NotFound(f"No parent tag {parent_id_tag}.", field="parent")
    ancestor: Tag | None = parent
    while ancestor is not None:  # the stored tags hold no cycle, so this ends
        if ancestor is tag:
            raise Invalid(f"{parent.id_tag} cannot be the parent of {tag.id_tag}: it is the "
                          "tag itself or one of its children.", field="parent")
        ancestor = ancestor.parent
    return parent


def _owner(owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    owner = db.session.scalar(select(User).where(User.id == owner_id,
                                                 User.role == Role.EV_USER))
    if owner is None:
        raise NotFound("No such EV user in the company.", field="owner")
    return owner


@dataclass(frozen=True)
class Authorization:
    """The answer to "may this idTag charge": OCPP's idTagInfo, and the tag it matched."""

    status: AuthorizationStatus
    tag: Tag | None = None

    @property
    def accepted(self) -> bool:
        return self.status is AuthorizationStatus.accepted

    @property
    def expiry_at(self) -> datetime | None:
        return self.tag.expiry_at if self.tag else None

    @property
    def parent_id_tag(self) -> str | None:
        return self.tag.parent.id_tag if self.tag and self.tag.parent else None


def find_presented(id_tag: str) -> Tag | None:
    """The tag a station presents: idTags are case-insensitive (CiString20) in OCPP."""
    tag = find(id_tag)
    if tag is None:  # rare: only unknown or differently-cased tags pay for the scan
        tag = db.session.scalar(select(Tag).where(func.upper(Tag.id_tag) == id_tag.upper()))
    return tag


def find_sent(id_tag: str) -> Tag | None:
    """The tag a station sends: as presented, else (an all-digit idTag unknown as it is)
    the tag stored as its hex form, for readers that send a card's number in decimal."""
    tag = find_presented(id_tag)
    if tag is None and (hex_form := rfid.hex_of_decimal(id_tag)) is not None:
        tag = find(hex_form)  # one more indexed query, on a miss only
    return tag


def find_typed(number: str) -> Tag | None:
    """The tag whose number a person typed as the card shows it: as a station would send it
    (any case, or all digits for a card stored in hex), else read as an RFID number with
    separators or without its leading zero, in hex first, as a stored tag is matched first
    ("04:A1:B2:C3", "4a1b2c3", "77 705 923" find 04A1B2C3)."""
    typed = number.strip()
    if 0 < len(typed) <= MAX_ID_TAG_LENGTH and (tag := find_sent(typed)) is not None:
        return tag
    for number_format in (rfid.RfidFormat.HEX, rfid.RfidFormat.DECIMAL):
        try:
            stored = rfid.normalise(typed, number_format)
        except Invalid:
            continue
        if stored != typed and (tag := find(stored)) is not None:
            return tag
    return None


def authorize(id_tag: str, *, count_active: bool = True,
              mode: OutletMode = OutletMode.RFID) -> Authorization:
    """Accepted, Blocked, Expired, Invalid or ConcurrentTx, from the tag and its parent.

    On an OPEN outlet anyone may charge: an unknown tag is Accepted and no tag is held to
    its number of sessions (any other card would do), but a tag the company blocked or let
    expire is still refused: that is what the company said of this card.
    """
    tag = find_sent(id_tag)
    if mode is OutletMode.OPEN:
        if tag is None:
            return Authorization(AuthorizationStatus.accepted)
        return authorization_of(tag, count_active=False)
    if tag is None:
        return Authorization(AuthorizationStatus.invalid)
    return authorization_of(tag, count_active=count_active)


def authorize_stop(id_tag: str, session: ChargingSession | None) -> Authorization:
    """The idTagInfo answered to a StopTransaction: the tag judged by the mode of the
    session's outlet, without counting sessions (this one is ending)."""
    outlet = session.outlet if session is not None else None
    mode = outlet.mode if outlet is not None else OutletMode.RFID
    return authorize(id_tag, count_active=False, mode=mode)


def station_mode(station: Station) -> OutletMode:
    """The mode an Authorize is judged by: it names no connector, so a station is OPEN only
    when every one of its outlets is."""
    modes = set(db.session.scalars(select(Outlet.mode).where(Outlet.station_id == station.id)
                                   .distinct()))
    return OutletMode.OPEN if modes == {OutletMode.OPEN} else OutletMode.RFID


def authorization_of(tag: Tag, *, count_active: bool = True) -> Authorization:
    """The idTagInfo of a known tag: blocked or expired (itself or its parent), else Accepted
    unless, when counting, it already has as many sessions as it may."""
    for holder in (tag, tag.parent):
        if holder is None:
            continue
        if holder.blocked or holder.max_active_transactions == 0:
            return Authorization(AuthorizationStatus.blocked, tag)
        if holder.expiry_at is not None and holder.expiry_at <= utcnow():
            return Authorization(AuthorizationStatus.expired, tag)
    if count_active and tag.max_active_transactions > 0:
        active = db.session.scalar(
            select(func.count()).select_from(ChargingSession).where(
                ChargingSession.tag_id == tag.id, ChargingSession.stopped_at.is_(None),
                ChargingSession.authorization_status == AuthorizationStatus.accepted.value)
        )
        if active >= tag.max_active_transactions:
            return Authorization(AuthorizationStatus.concurrent_tx, tag)
    return Authorization(AuthorizationStatus.accepted, tag)
