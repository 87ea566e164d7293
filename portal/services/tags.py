"""RFID tags (OCPP idTags) of a tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import Tag, Tenant, User

MAX_ID_TAG_LENGTH = 20  # OCPP 1.6 IdToken is CiString20Type


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
