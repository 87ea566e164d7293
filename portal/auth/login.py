"""Flask-Login wiring: users are loaded only within the tenant of the request."""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy import select

from portal.extensions import db, login_manager
from portal.models import User


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    # Session cookies are host-only; a cookie copied to another company's subdomain names
    # a tenant that is not the request's, and the tenant scope would not find the user anyway.
    tenant_id, _, user_id = identity.partition(":")
    tenant = g.get("tenant")
    if tenant is None or tenant_id != str(tenant.id) or not user_id.isdigit():
        return None
    return db.session.scalar(select(User).where(User.id == int(user_id)))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
