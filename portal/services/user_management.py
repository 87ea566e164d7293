"""An administrator's work on the company's users: add and edit one with the fields of its
role, give and take back RFID cards, deactivate, reactivate and delete.

The role is chosen when a user is added and does not change: the fields, the cards and
the reach of each role differ, so another role is another user.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import Role, Site, Tag, Tenant, User
from portal.services import tags, user_sessions, users

# The fields beyond names, e-mail and password that each role has.
SITE, PARKING, ALARM_MAIL, CARDS = "site", "parking_label", "email_on_alarm", "cards"
ROLE_FIELDS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset({ALARM_MAIL}),
    Role.SITE_ADMIN: frozenset({SITE, ALARM_MAIL}),
    Role.SUPPORT: frozenset(),
    Role.EV_USER: frozenset({SITE, PARKING, CARDS}),
}
MAX_NAME_LENGTH = 100  # User.first_name, User.last_name
MAX_PARKING_LENGTH = 50  # User.parking_label


@dataclass(frozen=True)
class UserValues:
    """A user as the portal's form sets it; the fields the role lacks are ignored."""

    email: str
    first_name: str = ""
    last_name: str = ""
    password: str = ""  # when editing, empty keeps the password
    site_id: int | None = None
    parking_label: str = ""
    email_on_alarm: bool = False


def create(tenant: Tenant, role: Role, values: UserValues, cards: tuple[str, ...] = (),
           *, move_cards: bool = False) -> User:
    """A new user of `role`; an EV user gets `cards` (stored idTags, see rfid.normalise)."""
    user = users.create(tenant, email=values.email, password=values.password, role=role,
                        first_name=_name(values.first_name, "first_name"),
                        last_name=_name(values.last_name, "last_name"),
                        site=_site(role, values.site_id))
    _set_role_fields(user, values)
    for id_tag in cards:
        give_card(user, id_tag, move=move_cards)
    return user


def edit(user: User, values: UserValues, actor: User | None = None) -> None:
    """Change a user's values; a new password ends every login of theirs."""
    if values.password and actor is not None and actor.id == user.id:
        # That page asks for the current password and keeps this browser logged in.
        raise Invalid("Change your own password on the Change password page.",
                      field="password")
    email = users.normalize_email(values.email)
    same = users.find_by_email(email)
    if same is not None and same is not user:
        raise Conflict(f"A user with e-mail {email} already exists.", field="email")
    user.email = email
    user.first_name = _name(values.first_name, "first_name")
    user.last_name = _name(values.last_name, "last_name")
    user.site = _site(user.role, values.site_id)
    _set_role_fields(user, values)
    if values.password:
        users.set_password(user, values.password, field="password")
    db.session.flush()


def _set_role_fields(user: User, values: UserValues) -> None:
    fields = ROLE_FIELDS[user.role]
    parking = values.parking_label.strip() if PARKING in fields else ""
    if len(parking) > MAX_PARKING_LENGTH:
        raise Invalid(f"A parking label has at most {MAX_PARKING_LENGTH} characters.",
                      field=PARKING)
    user.parking_label = parking
    user.email_on_alarm = values.email_on_alarm and ALARM_MAIL in fields


def _name(name: str, field: str) -> str:
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(f"A name has at most {MAX_NAME_LENGTH} characters.", field=field)
    return name


def _site(role: Role, site_id: int | None) -> Site | None:
    if site_id is None or SITE not in ROLE_FIELDS[role]:
        return None
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound("No such site in the company.", field=SITE)
    return site


def give_card(user: User, id_tag: str, *, move: bool = False) -> Tag:
    """Give an EV user the card `id_tag`: a new tag, an unowned one, or (with `move`) one
    another person holds; tags.set_owner decides whose its sessions are."""
    if CARDS not in ROLE_FIELDS[user.role]:
        raise Invalid(f"A {user.role.label.lower()} holds no RFID cards.", field="rfid")
    tag = tags.find_presented(id_tag)
    if tag is None:
        return tags.add(db.session.get(Tenant, user.tenant_id), id_tag, owner=user)
    if tag.owner is not None and tag.owner is not user and not move:
        raise Conflict(f"Tag {tag.id_tag} belongs to {tag.owner.display_name}: tick "
                       "\"Move it to this person\" to give it to them.", field="rfid")
    tags.set_owner(tag, user)
    return tag


def take_card(user: User, tag_id: int) -> Tag:
    """Take a card back from its holder: the tag stays, unowned, with its past sessions."""
    tag = tags.get(tag_id)
    if tag.owner_id != user.id:
        raise NotFound(f"{user.email} holds no tag {tag_id}.")
    tags.set_owner(tag, None)
    return tag


def cards_of(user: User) -> list[Tag]:
    return list(db.session.scalars(select(Tag).where(Tag.owner_id == user.id)
                                   .order_by(Tag.id_tag)))


def deactivate(user: User, actor: User | None) -> None:
    """No more logins: the running ones end, the password stops opening the portal."""
    _check_removable(user, actor, "deactivate")
    user.active = False
    user_sessions.end_all(user)
    db.session.flush()


def reactivate(user: User) -> None:
    user.active = True
    db.session.flush()


def delete(user: User, actor: User | None) -> None:
    """Delete a user. Their charging sessions stay, in the statistics too, without the
    link to them; their tags stay, unowned (both foreign keys are ON DELETE SET NULL)."""
    _check_removable(user, actor, "delete")
    user_sessions.end_all(user)
    db.session.delete(user)
    db.session.flush()


def _check_removable(user: User, actor: User | None, verb: str) -> None:
    """Nobody removes themselves, and a company keeps an active administrator: either
    would leave no one to undo it."""
    if actor is not None and user.id == actor.id:
        raise Conflict(f"You cannot {verb} your own account.")
    if user.role is Role.ADMIN and user.active and _active_administrators() <= 1:
        raise Conflict(f"{user.email} is the company's last active administrator: make "
                       f"another administrator first, then {verb} this one.")


def _active_administrators() -> int:
    return db.session.scalar(select(func.count()).select_from(User)
                             .where(User.role == Role.ADMIN, User.active)) or 0
