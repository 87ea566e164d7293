"""Users of a tenant: creation, the password policy, login and password changes."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select

from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import Role, Site, Tenant, User
from portal.models.base import utcnow
from portal.services import user_sessions

MIN_PASSWORD_LENGTH = 8
# The roles a person may have; the others are for API tokens (portal.services.api_tokens).
USER_ROLES = (Role.ADMIN, Role.SITE_ADMIN, Role.SUPPORT, Role.EV_USER)
# Who has a site: a site administrator's is their reach, an EV user's (optional) their home.
SITED_ROLES = (Role.SITE_ADMIN, Role.EV_USER)
# Checked against this dummy so an unknown e-mail costs as much time as a wrong password.
_DUMMY_USER = User(password_hash="scrypt:32768:8:1$x$0")


def check_password_policy(password: str, field: str = "new_password") -> None:
    """At least 8 characters with at least one letter and one digit."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", field=field
        )
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise Invalid("The password must contain both letters and digits.", field=field)


def normalize_email(email: str, field: str = "email") -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid(f"{email!r} is not a valid e-mail address: {error}", field=field) from None


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create(
    tenant: Tenant,
    *,
    email: str,
    password: str,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    site: Site | None = None,
) -> User:
    if role not in USER_ROLES:
        raise Invalid(f"The {role.value} role is for API tokens, not for people.", field="role")
    email = normalize_email(email)
    check_password_policy(password, field="password")
    if role is Role.SITE_ADMIN and site is None:
        raise Invalid("A site administrator needs a site.", field="site")
    if find_by_email(email) is not None:
        raise Conflict(f"A user with e-mail {email} already exists.", field="email")
    user = User(
        tenant_id=tenant.id,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        site=site if role in SITED_ROLES else None,
    )
    user.set_password(password, _hash_method())
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user of the scoped tenant with this e-mail and password, or None."""
    user = find_by_email(email)
    if user is None:
        _DUMMY_USER.check_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password and end every login of the user: whoever had the old one may have
    logged in with it (the door starts a new login for the browser that changed it)."""
    if not user.check_password(current_password):
        raise Invalid("The current password is wrong.", field="current_password")
    if current_password == new_password:
        raise Invalid("The new password must differ from the current one.", field="new_password")
    set_password(user, new_password)


def set_password(user: User, new_password: str, field: str = "new_password") -> None:
    """Set a new password that meets the policy and end every login of the user: whoever had
    the old one may have logged in with it (an administrator who set it included)."""
    check_password_policy(new_password, field=field)
    user.set_password(new_password, _hash_method())
    user_sessions.end_all(user)


NAME_LENGTH = 100  # User.first_name, User.last_name


def rename(user: User, first_name: str, last_name: str) -> None:
    """A person's own first and last name (either may be empty: the e-mail stands in)."""
    for field, name in (("first_name", first_name), ("last_name", last_name)):
        if len(name.strip()) > NAME_LENGTH:
            raise Invalid(f"A name has at most {NAME_LENGTH} characters.", field=field)
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    db.session.flush()
