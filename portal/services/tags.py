"""RFID tags (OCPP idTags) of a tenant, and whether one may charge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ocpp.v16.enums import AuthorizationStatus
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import ChargingSession, Outlet, OutletMode, Station, Tag, Tenant, User
from portal.models.base import utcnow
from portal.services.monitoring import PAGE_SIZE, Page, paginate

MAX_ID_TAG_LENGTH = 20  # OCPP 1.6 IdToken is CiString20Type


@dataclass(frozen=True)
class TagFilter:
    text: str = ""  # contained in the idTag, any case
    blocked: bool | None = None


def page(filters: TagFilter, number: int = 1) -> Page[Tag]:
    """A page of the company's tags, by idTag."""
    query = select(Tag).options(selectinload(Tag.parent))
    if filters.text:
        query = query.where(Tag.id_tag.icontains(filters.text, autoescape=True))
    if filters.blocked is not None:
        query = query.where(Tag.blocked.is_(filters.blocked))
    return paginate(query.order_by(Tag.id_tag), number, PAGE_SIZE)


def find(id_tag: str) -> Tag | None:
    return db.session.scalar(select(Tag).where(Tag.id_tag == id_tag))


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
    id_tag = id_tag.strip()
    if not id_tag or len(id_tag) > MAX_ID_TAG_LENGTH:
        raise Invalid(f"An idTag has 1 to {MAX_ID_TAG_LENGTH} characters.", field="id_tag")
    if find(id_tag) is not None:
        raise Conflict(f"Tag {id_tag} already exists.", field="id_tag")
    parent = None
    if parent_id_tag:
        parent = find(parent_id_tag)
        if parent is None:
            raise NotFound(f"No parent tag {parent_id_tag}.", field="parent")
    tag = Tag(
        tenant_id=tenant.id,
        id_tag=id_tag,
        expiry_at=expiry_at,
        max_active_transactions=max_active_transactions,
        blocked=blocked,
        parent=parent,
        owner=owner,
        note=note,
    )
    db.session.add(tag)
    db.session.flush()
    return tag


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


def authorize(id_tag: str, *, count_active: bool = True,
              mode: OutletMode = OutletMode.RFID) -> Authorization:
    """Accepted, Blocked, Expired, Invalid or ConcurrentTx, from the tag and its parent.

    On an OPEN outlet anyone may charge: an unknown tag is Accepted and no tag is held to
    its number of sessions (any other card would do), but a tag the company blocked or let
    expire is still refused: that is what the company said of this card.
    """
    tag = find_presented(id_tag)
    if mode is OutletMode.OPEN:
        if tag is None:
            return Authorization(AuthorizationStatus.accepted)
        return authorization_of(tag, count_active=False)
    if tag is None:
        return Authorization(AuthorizationStatus.invalid)
    return authorization_of(tag, count_active=count_active)


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
