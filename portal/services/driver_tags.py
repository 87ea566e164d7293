"""An EV driver's own cards: which are theirs, blocking a lost one, adding one by its number.

A driver blocks but never unblocks: a card reported lost may be in someone else's hands, and
whoever asks to unblock it must convince the company's staff (the tags page), not a form.
"""

from __future__ import annotations

from ocpp.v16.enums import AuthorizationStatus
from sqlalchemy import select

from portal import rate_limits
from portal.errors import Invalid, NotFound, TooMany
from portal.extensions import db
from portal.models import Tag, Tenant, User
from portal.services import tags

# Guesses at card numbers a driver may make: every try counts, a success too.
ADD_CARD_LIMIT = "10 per hour"
# One answer for a number that names no card and for a card that is not free: a refusal must
# not tell a guesser which numbers exist.
NOT_AVAILABLE = ("No card with this number can be added. Check the number on the card, or "
                 "ask the company.")


def own(user: User) -> list[Tag]:
    return list(db.session.scalars(select(Tag).where(Tag.owner_id == user.id)
                                   .order_by(Tag.id_tag)))


def own_tag(user: User, tag_id: int) -> Tag:
    """The driver's tag with this id; NotFound for anyone else's or none."""
    tag = db.session.scalar(select(Tag).where(Tag.id == tag_id, Tag.owner_id == user.id))
    if tag is None:
        raise NotFound(f"No tag {tag_id}.")
    return tag


def block_own(user: User, tag_id: int) -> Tag:
    """Block one of the driver's cards (lost): refused at once by Authorize, and in stations'
    local lists at their next update."""
    tag = own_tag(user, tag_id)
    tags.block(tag, True)
    return tag


def may_add(tenant: Tenant) -> bool:
    return tenant.drivers_add_cards


def add(tenant: Tenant, user: User, id_tag: str) -> Tag:
    """Link to the driver the card with this number, typed in hex or decimal, with or
    without separators (tags.find_typed): one the company registered, that belongs to no
    one and is not blocked (nor its parent). Its sessions from before it had an owner become
    the driver's (tags.set_owner)."""
    if not may_add(tenant):
        raise NotFound("This company does not let drivers add cards.")
    if not rate_limits.allow(ADD_CARD_LIMIT, "add-card", tenant.slug, str(user.id)):
        raise TooMany("Too many card numbers tried: wait an hour and try again.",
                        field="id_tag")
    tag = tags.find_typed(id_tag)
    if (tag is None or tag.owner_id is not None or tags.authorization_of(
            tag, count_active=False).status is AuthorizationStatus.blocked):
        raise Invalid(NOT_AVAILABLE, field="id_tag")
    tags.set_owner(tag, user)
    return tag
