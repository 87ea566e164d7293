"""The TOTP second factor of staff (pyotp computes the codes here, as a phone would):
enrolment, the code step of the login, recovery codes, the throttle on wrong codes, and
the company's requirement."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, TwoFactor
from portal.services import encryption
from tests.auth.account_mail import company_with_staff, logged_in, words
from tests.factories import PASSWORD, Company
from tests.scene import company_scope

SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7]+)</code>')
RECOVERY_CODES = re.compile(r"<li>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</li>")


@pytest.fixture
def company(app: Flask) -> Company:
    return company_with_staff(app)


def _enrol(client, page: str = "/account/two-factor") -> tuple[pyotp.TOTP, list[str]]:
    """Scan the key as an app would, confirm with its code; the app and the codes shown."""
    secret = SECRET.search(client.get(page).get_data(as_text=True)).group(1)
    app = pyotp.TOTP(secret)
    shown = client.post(page, {"code": app.now()}, csrf_from=page)
    assert shown.status_code == 200, words(shown)
    return app, RECOVERY_CODES.findall(shown.get_data(as_text=True))


def _next_code(app: pyotp.TOTP) -> str:
    # The current step's code was used to enrol; a phone shows the next one 30 s later.
    return app.at(time.time() + 30)


def _code(client, code: str):
    return client.post("/login/code", {"code": code}, csrf_from="/login/code")


def _enrolled(portal, company: Company) -> pyotp.TOTP:
    app, _ = _enrol(logged_in(portal, company, Role.SUPPORT))
    return app


def test_enrolment_shows_the_key_its_address_and_qr_code_and_ten_codes_once(
        portal, company: Company) -> None:
    client = logged_in(portal, company, Role.SUPPORT)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET.search(page).group(1)
    assert f"otpauth://totp/Plugboard%20Company%20S:support%40{company.slug}.example?" \
           f"secret={secret}&amp;issuer=Plugboard%20Company%20S" in page
    assert '<div class="mb-3" id="qr-code"><svg' in page
    wrong = client.post("/account/two-factor", {"code": "000000"},
                        csrf_from="/account/two-factor")
    assert wrong.status_code == 400
    assert "That code is not right." in words(wrong)
    app = pyotp.TOTP(secret)
    shown = client.post("/account/two-factor", {"code": app.now()},
                        csrf_from="/account/two-factor")
    codes = RECOVERY_CODES.findall(shown.get_data(as_text=True))
    assert len(set(codes)) == 10
    later = client.get("/account/two-factor").get_data(as_text=True)
    assert "You have 10 unused recovery codes." in " ".join(later.split())
    assert not set(codes) & set(RECOVERY_CODES.findall(later))



def test_the_key_is_kept_encrypted(app: Flask, portal, company: Company) -> None:
    app_of_phone, _ = _enrol(logged_in(portal, company, Role.SUPPORT))
    with company_scope(app, company):
        kept = db.session.scalar(select(TwoFactor.secret_encrypted))
        assert app_of_phone.secret not in kept
        assert encryption.decrypt(kept) == app_of_phone.secret


def test_login_asks_for_the_code_after_the_password_and_not_before(
        portal, company: Company) -> None:
    app = _enrolled(portal, company)
    client = portal(company)
    after_password = client.login(company.email(Role.SUPPORT))
    assert after_password.headers["Location"] == "/login/code"
    assert client.get("/dashboard").headers["Location"].startswith("/login")  # not logged in
    code = _next_code(app)
    assert _code(client, code).headers["Location"] == "/"
    assert client.get("/dashboard").status_code == 200
    # The same code again, in another browser with the password: refused.
    other = portal(company)
    other.login(company.email(Role.SUPPORT))
    reused = _code(other, code)
    assert reused.status_code == 401
    assert "That code is not right, or it was used already." in words(reused)


def test_a_recovery_code_logs_in_once(portal, company: Company) -> None:
    _, codes = _enrol(logged_in(portal, company, Role.SUPPORT))
    first = portal(company)
    first.login(company.email(Role.SUPPORT))
    assert _code(first, codes[3].upper().replace("-", " ")).headers["Location"] == "/"
    again = portal(company)
    again.login(company.email(Role.SUPPORT))
    assert _code(again, codes[3]).status_code == 401
    settings = first.get("/account/two-factor").get_data(as_text=True)
    assert "You have 9 unused recovery codes." in " ".join(settings.split())


def test_wrong_codes_count_towards_the_login_throttle(portal, company: Company) -> None:
    app = _enrolled(portal, company)
    client = portal(company)
    client.login(company.email(Role.SUPPORT))
    assert [_code(client, "123456").status_code for _ in range(5)] == [401] * 5
    throttled = _code(client, _next_code(app))  # LOGIN_RATE_LIMIT: 5 a minute
    assert throttled.status_code == 429
    assert "Too many failed attempts" in words(throttled)
    assert portal(company).login(company.email(Role.SUPPORT)).status_code == 429


def test_turning_it_off_needs_the_password(portal, company: Company) -> None:
    client = logged_in(portal, company, Role.SUPPORT)
    _enrol(client)
    refused = client.post("/account/two-factor/disable", {"disable-password": "wrong-pass-1"},
                          csrf_from="/account/two-factor")
    assert refused.status_code == 400
    assert "The password is wrong." in words(refused)
    off = client.post("/account/two-factor/disable", {"disable-password": PASSWORD},
                      csrf_from="/account/two-factor")
    assert off.headers["Location"] == "/account/two-factor"
    assert portal(company).login(company.email(Role.SUPPORT)).headers["Location"] == "/"


def test_new_recovery_codes_need_the_password_and_void_the_old_ones(
        portal, company: Company) -> None:
    client = logged_in(portal, company, Role.SUPPORT)
    _, old = _enrol(client)
    refused = client.post("/account/two-factor/recovery-codes",
                          {"codes-password": "wrong-pass-1"}, csrf_from="/account/two-factor")
    assert "The password is wrong." in words(refused)
    shown = client.post("/account/two-factor/recovery-codes", {"codes-password": PASSWORD},
                        csrf_from="/account/two-factor")
    new = RECOVERY_CODES.findall(shown.get_data(as_text=True))
    assert len(set(new)) == 10 and not set(new) & set(old)
    login = portal(company)
    login.login(company.email(Role.SUPPORT))
    assert _code(login, old[0]).status_code == 401
    assert _code(login, new[0]).headers["Location"] == "/"


def _require_two_factor(portal, company: Company) -> None:
    """The administrator ticks the requirement on the company settings page."""
    admin = logged_in(portal, company, Role.ADMIN)
    page = admin.get("/settings").get_data(as_text=True)
    assert "Staff must log in with a second factor" in page
    saved = admin.post("/settings", {"name": "Company S", "time_zone": "UTC",
                                     "heartbeat_interval": "300", "require_two_factor": "y"},
                       csrf_from="/settings")
    assert saved.headers["Location"] == "/settings", words(saved)


def test_when_the_company_requires_it_staff_enrol_right_after_the_password(
        portal, company: Company) -> None:
    _require_two_factor(portal, company)
    client = portal(company)
    assert client.login(company.email(Role.SUPPORT)).headers["Location"] == "/login/enrol"
    assert client.get("/dashboard").headers["Location"].startswith("/login")
    page = client.get("/login/enrol")
    assert "Company S requires a second factor for staff" in words(page)
    app, codes = _enrol(client, "/login/enrol")
    assert len(codes) == 10
    assert client.get("/dashboard").status_code == 200
    again = portal(company)
    assert again.login(company.email(Role.SUPPORT)).headers["Location"] == "/login/code"
    assert _code(again, _next_code(app)).headers["Location"] == "/"
    # EV users are not staff: no second factor for them.
    assert portal(company).login(company.email(Role.EV_USER)).headers["Location"] == "/"


def test_a_login_from_before_the_requirement_can_only_enrol(portal, company: Company) -> None:
    support = logged_in(portal, company, Role.SUPPORT)
    _require_two_factor(portal, company)
    for page in ("/dashboard", "/stations", "/account/password"):
        assert support.get(page).headers["Location"] == "/account/two-factor"
    _enrol(support)
    assert support.get("/dashboard").status_code == 200


def test_a_required_second_factor_cannot_be_turned_off(portal, company: Company) -> None:
    support = logged_in(portal, company, Role.SUPPORT)
    _enrol(support)
    _require_two_factor(portal, company)
    page = support.get("/account/two-factor")
    assert "requires two-factor login for staff: it stays on" in words(page)
    refused = support.post("/account/two-factor/disable", {"disable-password": PASSWORD},
                           csrf_from="/account/two-factor")
    assert refused.status_code == 409
    assert portal(company).login(company.email(Role.SUPPORT)).headers["Location"] \
        == "/login/code"


def test_ev_users_have_no_second_factor(portal, company: Company) -> None:
    client = logged_in(portal, company, Role.EV_USER)
    assert client.get("/account/two-factor").status_code == 404  # no such page for an EV user
