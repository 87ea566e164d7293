from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.models.base import Base, TenantOwned, str_enum, utcnow
from portal.models.site import Site


class Role(enum.StrEnum):
    ADMIN = "admin"
    SITE_ADMIN = "site_admin"
    SUPPORT = "support"
    EV_USER = "ev_user"
    # API tokens only (portal.services.users refuses it for people): reads, never operates.
    # No longer than "site_admin", the width of the role columns.
    MONITOR = "monitor"

    @property
    def label(self) -> str:
        return {
            Role.ADMIN: "Administrator",
            Role.SITE_ADMIN: "Site administrator",
            Role.SUPPORT: "Support",
            Role.EV_USER: "EV user",
            Role.MONITOR: "Monitor",
        }[self]

    @property
    def in_sentence(self) -> str:
        """The label inside a sentence: "New EV user", "New site administrator"."""
        label = self.label
        return label if label[:2].isupper() else label[0].lower() + label[1:]


class User(UserMixin, TenantOwned, Base):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    # A site administrator's site (they are limited to it); an EV user's home site, if any.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    # The daily alarm digest; and, at once, each critical alarm (at most one e-mail per
    # station and hour). Administrators and site administrators only.
    # Where an EV user parks (a bay or a label on the site's plan); shown and filtered only.
    parking_label: Mapped[str] = mapped_column(String(50), default="", server_default="")
    email_on_alarm: Mapped[bool] = mapped_column(default=False)
    email_at_once: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # The dashboard widgets this user chose, in order; None: the default set.
    dashboard_widgets: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site | None] = relationship()

    # The login (a UserSession's token, a str) this object was loaded or logged in for, set by
    # portal.auth.login; not a column, hence no annotation (the ORM would map it).
    session_token = None

    def get_id(self) -> str:
        # Kept in the session and remember cookies: the tenant and the login, which the server
        # can end (portal.services.user_sessions); the user is found through the login.
        if self.session_token is None:
            raise RuntimeError("log in through portal.auth.login.log_in")
        return f"{self.tenant_id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def set_password(self, password: str, method: str = "scrypt") -> None:
        # Salted with 16 random bytes; the method is stored in the hash, so it can change.
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class UserSession(TenantOwned, Base):
    """One login of a user in one browser; its cookies name it by a random token."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token: a copy of the database does not hold working cookies.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
