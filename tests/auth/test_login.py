"""Logging in, out and changing one's password: refusals are clear and change nothing."""

from __future__ import annotations

from sqlalchemy import update

from portal.extensions import db
from portal.models import Role, Tenant, User
from tenants.scoping import tenant_scope
from tests.factories import PASSWORD, World


def _logged_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def test_admin_logs_in_and_lands_on_the_dashboard(portal, world: World) -> None:
    client = portal(world.a)
    response = client.login(world.a.email(Role.ADMIN))
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Dashboard" in page and "Company A" in page


def test_wrong_password_is_refused_with_a_clear_message(portal, world: World) -> None:
    client = portal(world.a)
    response = client.login(world.a.email(Role.ADMIN), "wrong-pass-1")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(portal, world: World) -> None:
    client = portal(world.a)
    response = client.login("nobody@example.com")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(portal, world: World) -> None:
    client = portal(world.a)
    response = client.post("/login", {"email": world.a.email(Role.ADMIN), "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_user_of_one_company_cannot_log_in_on_another(portal, world: World) -> None:
    client = portal(world.b)
    assert client.login(world.a.email(Role.ADMIN)).status_code == 401
    assert not _logged_in(client)


def test_session_cookie_of_one_company_is_no_login_on_another(portal, world: World) -> None:
    a = portal(world.a)
    a.login(world.a.email(Role.ADMIN))
    b = portal(world.b)
    b.use_session_cookie(a.session_cookie())
    response = b.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_inactive_user_cannot_log_in(app, portal, world: World) -> None:


    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        db.session.execute(update(User).where(User.email == world.a.email(Role.SUPPORT))
                           .values(active=False))
        db.session.commit()
    assert portal(world.a).login(world.a.email(Role.SUPPORT)).status_code == 401


def test_repeated_failures_are_throttled_even_for_the_right_password(portal, world: World) -> None:
    client = portal(world.a)
    email = world.a.email(Role.SUPPORT)
    statuses = [client.login(email, "wrong-pass-1").status_code for _ in range(5)]
    assert statuses == [401] * 5
    throttled = client.login(email)
    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.get_data(as_text=True)
    assert not _logged_in(client)


def test_successful_logins_do_not_count_towards_throttling(portal, world: World) -> None:
    for _ in range(7):
        client = portal(world.a)
        assert client.login(world.a.email(Role.ADMIN)).status_code == 302


def test_logout_needs_a_post_with_csrf_and_ends_the_session(portal, world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert _logged_in(client)
    assert client.post("/logout", csrf_from="/dashboard").status_code == 302
    assert not _logged_in(client)


def _change_password(client, current: str, new: str, confirm: str | None = None):
    return client.post("/account/password", {
        "current_password": current, "new_password": new,
        "confirm": new if confirm is None else confirm,
    }, csrf_from="/account/password")


def test_weak_new_password_is_refused_and_the_old_one_still_works(portal, world: World) -> None:
    client = portal(world.a)
    email = world.a.email(Role.SUPPORT)
    client.login(email)
    for weak, message in [("short1", "at least 8 characters"),
                          ("onlyletters", "both letters and digits"),
                          ("1234567890", "both letters and digits")]:
        response = _change_password(client, PASSWORD, weak)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert portal(world.a).login(email).status_code == 302
    assert portal(world.a).login(email, "short1").status_code == 401


def test_wrong_current_password_or_mismatch_changes_nothing(portal, world: World) -> None:
    client = portal(world.a)
    email = world.a.email(Role.SUPPORT)
    client.login(email)
    wrong = _change_password(client, "not-my-pass-1", "brand-new-pass-2")
    assert wrong.status_code == 400
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    mismatch = _change_password(client, PASSWORD, "brand-new-pass-2", "other-pass-3")
    assert "The passwords differ." in mismatch.get_data(as_text=True)
    assert portal(world.a).login(email).status_code == 302


def test_password_change_takes_effect(portal, world: World) -> None:
    client = portal(world.a)
    email = world.a.email(Role.EV_USER)
    client.login(email)
    assert _change_password(client, PASSWORD, "brand-new-pass-2").status_code == 302
    assert portal(world.a).login(email).status_code == 401
    assert portal(world.a).login(email, "brand-new-pass-2").status_code == 302


def test_next_parameter_only_leads_to_paths_on_this_host(portal, world: World) -> None:
    client = portal(world.a)
    response = client.post("/login?next=//evil.example/x",
                           {"email": world.a.email(Role.ADMIN), "password": PASSWORD},
                           csrf_from="/login")
    assert response.headers["Location"] == "/"


def test_session_cookie_is_http_only_and_same_site(portal, world: World) -> None:
    client = portal(world.a)
    response = client.login(world.a.email(Role.ADMIN))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
