"""Forgotten passwords: a single-use link by e-mail, valid for an hour.

The answer to "forgot password" must not tell whether an address has an account, in its
words or in its time: either way one e-mail goes to the address (a link, or word that no
account has it), so the work and the page are the same.
"""

from __future__ import annotations

from email.message import EmailMessage

from portal.errors import NotFound
from portal.extensions import db
from portal.models import Tenant, TokenPurpose, User
from portal.services import account_tokens, audit, mail, users

SUBJECT = "Reset your password for {company}"
EXPIRED = ("This link no longer works: it was used already, or it is more than an hour old. "
           "Ask for a new one.")


def request(tenant: Tenant, email: str) -> EmailMessage:
    """The e-mail answering a reset asked for `email` (Invalid if it is no address); the
    door sends it after its commit."""
    address = users.normalize_email(email)
    user = users.find_by_email(address)
    subject = SUBJECT.format(company=tenant.name)
    if user is None or not user.active:
        return mail.compose("password_reset_unknown", to=address, subject=subject,
                            tenant=tenant)
    token = account_tokens.issue(user, TokenPurpose.PASSWORD_RESET)
    return mail.compose("password_reset", to=user.email, subject=subject, tenant=tenant,
                        user=user, token=token,
                        hours=int(account_tokens.LIFETIME[TokenPurpose.PASSWORD_RESET]
                                  .total_seconds() // 3600))


def check(token: str) -> None:
    """NotFound unless `token` names a usable reset link (the page asks for a password)."""
    if account_tokens.find(token, TokenPurpose.PASSWORD_RESET) is None:
        raise NotFound(EXPIRED)


def reset(token: str, new_password: str) -> User:
    """Set the new password of the link's user and end all their logins; the link and any
    other reset link of theirs stop working. Invalid for a weak password (the link still
    works then), NotFound for a link that is used, expired or unknown."""
    users.check_password_policy(new_password)
    link = account_tokens.use(token, TokenPurpose.PASSWORD_RESET)
    user = db.session.get(User, link.user_id) if link is not None else None
    if user is None or not user.active:
        raise NotFound(EXPIRED)
    audit.act_as_link_holder(user)
    users.set_password(user, new_password)
    account_tokens.revoke_all(user, TokenPurpose.PASSWORD_RESET)
    return user
