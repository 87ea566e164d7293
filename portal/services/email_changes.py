"""A new e-mail address takes effect once confirmed from a link sent to it; until then the
old one stays. The old address is then told of the change, so that a stolen login cannot
quietly move an account away from its owner."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select

from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import AccountToken, Tenant, TokenPurpose, User
from portal.models.base import utcnow
from portal.services import account_tokens, audit, mail, users

EXPIRED = ("This link no longer works: it was used already, or it is more than a day old. "
           "Change the address again from your account.")


@dataclass(frozen=True)
class Confirmed:
    user: User
    notice: EmailMessage  # to the old address, sent after the commit


def request(tenant: Tenant, user: User, new_email: str) -> EmailMessage:
    """The e-mail asking the new address to confirm itself (the door checked the password
    and sends it after its commit); links sent before stop working."""
    address = users.normalize_email(new_email)
    if address == user.email.lower():
        raise Invalid("This is your address already.", field="new_email")
    _check_free(user, address)
    account_tokens.revoke_all(user, TokenPurpose.EMAIL_CHANGE)
    token = account_tokens.issue(user, TokenPurpose.EMAIL_CHANGE, new_email=address)
    return mail.compose("email_change", to=address, subject=f"Confirm your new e-mail address "
                        f"for {tenant.name}", tenant=tenant, user=user, token=token)


def pending(user: User) -> str | None:
    """The new address waiting for its confirmation, if any."""
    return db.session.scalar(
        select(AccountToken.new_email)
        .where(AccountToken.user_id == user.id,
               AccountToken.purpose == TokenPurpose.EMAIL_CHANGE,
               AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())
        .order_by(AccountToken.id.desc()).limit(1))


def check(token: str) -> str:
    """The new address the link confirms; NotFound for a used, expired or unknown link."""
    link = account_tokens.find(token, TokenPurpose.EMAIL_CHANGE)
    if link is None or link.new_email is None:
        raise NotFound(EXPIRED)
    return link.new_email


def confirm(tenant: Tenant, token: str) -> Confirmed:
    """Move the link's user to its new address; NotFound for a used, expired or unknown
    link, Conflict if another user took the address meanwhile."""
    link = account_tokens.use(token, TokenPurpose.EMAIL_CHANGE)
    user = db.session.get(User, link.user_id) if link is not None else None
    if user is None or link.new_email is None or not user.active:
        raise NotFound(EXPIRED)
    audit.act_as_link_holder(user)
    _check_free(user, link.new_email)
    old_email, user.email = user.email, link.new_email
    db.session.flush()
    notice = mail.compose("email_changed", to=old_email, subject=f"Your e-mail address for "
                          f"{tenant.name} was changed", tenant=tenant, user=user)
    return Confirmed(user, notice)


def _check_free(user: User, address: str) -> None:
    other = users.find_by_email(address)
    if other is not None and other.id != user.id:
        raise Conflict("Another user of this company has this address.", field="new_email")
