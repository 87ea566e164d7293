"""Flask-Login wiring: users are loaded only within the tenant of the request."""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy import select

from portal.extensions import db, login_manager
from portal.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # A session cookie is host-only, and even a copied one names a user id that the
    # tenant scope will not find on another company's subdomain.
    if g.get("tenant") is None or not user_id.isdigit():
        return None
    return db.session.scalar(select(User).where(User.id == int(user_id)))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
