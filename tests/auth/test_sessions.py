"""Logins end on the server: logging out, a password change or a deactivation makes copies
of the session and remember cookies worthless, and no login outlives REMEMBER_COOKIE_DAYS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import update

from portal.extensions import db
from portal.models import Role, Tenant, User, UserSession
from portal.models.base import utcnow
from tenants.scoping import tenant_scope
from tests.factories import PASSWORD, Company, World

NEW_PASSWORD = "brand-new-pass-2"


def _sent_to_login(client) -> bool:
    response = client.get("/dashboard")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def _with_cookie(portal, company: Company, name: str, value: str):
    """Another browser holding only a copy of one cookie."""
    thief = portal(company)
    thief.use_cookie(name, value)
    return thief


def _change_password(client):
    return client.post("/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    }, csrf_from="/account/password")


def _logged_in_copies(portal, company: Company, email: str):
    """A browser logged in with "keep me logged in", and copies of both of its cookies."""
    client = portal(company)
    assert client.login(email, remember=True).status_code == 302
    session = _with_cookie(portal, company, "session", client.session_cookie())
    remember = _with_cookie(portal, company, "remember_token",
                            client.cookie("remember_token").value)
    assert client.get("/dashboard").status_code == 200
    assert session.get("/dashboard").status_code == 200
    assert remember.get("/dashboard").status_code == 200
    return client, session, remember


def test_copied_session_cookie_is_sent_to_login_after_logout(portal, world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    copied = client.session_cookie()
    assert client.post("/logout", csrf_from="/dashboard").status_code == 302
    assert _sent_to_login(_with_cookie(portal, world.a, "session", copied))


def test_copied_remember_cookie_does_not_log_in_after_logout(portal, world: World) -> None:
    client, session, remember = _logged_in_copies(portal, world.a, world.a.email(Role.ADMIN))
    assert client.post("/logout", csrf_from="/dashboard").status_code == 302
    assert _sent_to_login(remember)
    assert _sent_to_login(session)


def test_logout_ends_only_the_login_of_that_browser(portal, world: World) -> None:
    email = world.a.email(Role.ADMIN)
    laptop, phone = portal(world.a), portal(world.a)
    laptop.login(email)
    phone.login(email)
    laptop.post("/logout", csrf_from="/dashboard")
    assert phone.get("/dashboard").status_code == 200


def test_remember_cookie_from_before_a_password_change_does_not_log_in(portal, world: World
                                                                       ) -> None:
    client, session, remember = _logged_in_copies(portal, world.a, world.a.email(Role.SUPPORT))
    assert _change_password(client).status_code == 302
    assert _sent_to_login(remember)
    assert _sent_to_login(session)


def test_password_change_ends_other_logins_and_keeps_this_browser_logged_in(
        portal, world: World) -> None:
    email = world.a.email(Role.SUPPORT)
    elsewhere = portal(world.a)
    elsewhere.login(email)
    client = portal(world.a)
    client.login(email, remember=True)
    before = client.session_cookie(), client.cookie("remember_token").value
    assert _change_password(client).status_code == 302
    assert _sent_to_login(elsewhere)
    assert client.get("/dashboard").status_code == 200
    after = client.session_cookie(), client.cookie("remember_token").value
    assert after[0] != before[0] and after[1] != before[1]  # a new login, kept remembered
    assert _with_cookie(portal, world.a, "remember_token", after[1]) \
        .get("/dashboard").status_code == 200


def test_remember_cookie_differs_between_logins_and_lasts_30_days(portal, world: World) -> None:
    email = world.a.email(Role.ADMIN)
    first, second = portal(world.a), portal(world.a)
    first.login(email, remember=True)
    second.login(email, remember=True)
    one, two = first.cookie("remember_token"), second.cookie("remember_token")
    assert one.value != two.value
    assert abs(one.expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=1)
    assert one.http_only


def test_deactivated_user_is_sent_to_login_everywhere(app: Flask, portal, world: World) -> None:
    client, session, remember = _logged_in_copies(portal, world.a, world.a.email(Role.SUPPORT))
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        db.session.execute(update(User).where(User.email == world.a.email(Role.SUPPORT))
                           .values(active=False))
        db.session.commit()
    assert _sent_to_login(client)
    assert _sent_to_login(session)
    assert _sent_to_login(remember)


def test_no_login_lasts_longer_than_remember_cookie_days(app: Flask, portal, world: World
                                                         ) -> None:
    # A copied cookie keeps its value for ever; the server ends the login it names.
    client, session, remember = _logged_in_copies(portal, world.a, world.a.email(Role.ADMIN))
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        db.session.execute(update(UserSession).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert _sent_to_login(client)
    assert _sent_to_login(session)
    assert _sent_to_login(remember)
