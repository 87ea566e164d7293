"""Charging sessions (OCPP transactions) as people look at them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import ChargingSession, Tag, User

PAGE_SIZE = 50


def of_driver(user: User, page: int = 1) -> list[ChargingSession]:
    """The sessions of an EV user: those started with one of their tags."""
    # By tag alone, so the (tag_id, started_at) index serves the page with a year of data.
    own_tags = select(Tag.id).where(Tag.owner_id == user.id)
    query = (
        select(ChargingSession)
        .where(ChargingSession.tag_id.in_(own_tags))
        .options(joinedload(ChargingSession.station), joinedload(ChargingSession.outlet))
        .order_by(ChargingSession.started_at.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return list(db.session.scalars(query))
