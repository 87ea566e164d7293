"""Flask-Login wiring: a login is a server-side UserSession (portal.services.user_sessions)
named by the cookies, and users are loaded only within the tenant of the request."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME

from portal.extensions import login_manager
from portal.models import User
from portal.services import audit, user_sessions


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    # Session cookies are host-only; a cookie copied to another company's subdomain names
    # a tenant that is not the request's, and the tenant scope would not find the user anyway.
    tenant_id, _, token = identity.partition(":")
    tenant = g.get("tenant")
    if tenant is None or tenant_id != str(tenant.id) or not token:
        return None
    user = user_sessions.user_of(token)
    if user is not None:
        user.session_token = token
        # Throttling and the audit log know a client by the same address (after ProxyFix).
        audit.act_as(audit.Actor.of_user(user, get_remote_address()))
    return user


def log_in(user: User, *, remember: bool) -> None:
    """Start a new login of `user` in this browser: new session and remember cookies. Every
    door ends here (a password, its second step, the company's OpenID provider), and the
    audit log records it."""
    user.session_token = user_sessions.start(user)
    login_user(user, remember=remember)
    audit.logged_in(user, get_remote_address())


def log_out() -> None:
    """End this browser's login, on the server too: copies of its cookies stop working."""
    if current_user.is_authenticated:
        user_sessions.end(current_user.session_token)
    logout_user()


def remembered() -> bool:
    """Whether this browser holds a remember cookie ("Keep me logged in")."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    # Who acts is the request's, from the user loader or the API's token check on.
    app.before_request_funcs.setdefault(None, []).insert(0, _no_actor_yet)
    app.teardown_request(_no_actor_yet)


def _no_actor_yet(_error: BaseException | None = None) -> None:
    audit.act_as(None)
