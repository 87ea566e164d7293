"""The account-security forms no administrator's page offers (tests/blueprints/
test_fuzz_forms.py crawls those) take any value: the forgotten-password form, an e-mailed
link's form, the login's code and enrolment steps, the second factor's password forms.
No 5xx, no error logged, and a refusal (4xx) stores nothing."""

from __future__ import annotations

import logging

import pyotp
import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import Role
from tests.auth.account_mail import company_with_staff, link_in, mail_to
from tests.auth.test_two_factor import SECRET
from tests.blueprints.test_fuzz_forms import _urlencoded
from tests.fuzzing import FUZZ_SETTINGS, row_counts, text_values
from tests.mail_server import MailServer
from tests.scene import company_scope


def _forms(app: Flask, portal, mail_server: MailServer) -> list[tuple[object, str, str, list]]:
    """(client, page with the form, action, fields) for each form, each in the state that
    shows it: a reset link and an address to confirm e-mailed, a password just typed."""
    company = company_with_staff(app)
    driver, support = company.email(Role.EV_USER), company.email(Role.SUPPORT)
    anyone = portal(company)
    anyone.post("/password/forgot", {"email": driver}, csrf_from="/password/forgot")
    reset = link_in(mail_to(mail_server, driver), company)
    asking = portal(company)
    asking.login(driver)
    asking.post("/account/email", {"new_email": "new@example.com", "password": "secret-pass-1"},
                csrf_from="/account/email")
    confirm = link_in(mail_to(mail_server, "new@example.com"), company)
    staff = portal(company)
    staff.login(support)
    secret = SECRET.search(staff.get("/account/two-factor").get_data(as_text=True)).group(1)
    staff.post("/account/two-factor", {"code": pyotp.TOTP(secret).now()},
               csrf_from="/account/two-factor")
    at_code = portal(company)
    at_code.login(support)
    with company_scope(app, company) as tenant:
        tenant.require_two_factor = True
    at_enrolment = portal(company)
    at_enrolment.login(company.email(Role.ADMIN))
    return [(anyone, "/password/forgot", "/password/forgot", ["email"]),
            (anyone, reset, reset, ["new_password", "confirm"]),
            (anyone, confirm, confirm, ["csrf_token"]),
            (at_code, "/login/code", "/login/code", ["code"]),
            (at_enrolment, "/login/enrol", "/login/enrol", ["code"]),
            (staff, "/account/two-factor", "/account/two-factor/recovery-codes",
             ["codes-password"]),
            (staff, "/account/two-factor", "/account/two-factor/disable",
             ["disable-password"])]


def test_account_security_forms_take_any_value_without_a_5xx_or_a_trace(
        app: Flask, portal, mail_server: MailServer, caplog: pytest.LogCaptureFixture) -> None:
    forms = _forms(app, portal, mail_server)
    with app.app_context():
        engine = db.engine

    @settings(FUZZ_SETTINGS, max_examples=12)
    @given(data=st.data())
    def fuzz(client, page: str, action: str, fields: list[str], data: st.DataObject) -> None:
        values = {"csrf_token": client.csrf_token(page)}
        values |= {name: data.draw(text_values(), label=name) for name in fields}
        before = row_counts(engine)
        caplog.clear()
        response = client.client.post(action, base_url=client.base_url,
                                      data=_urlencoded(values),
                                      content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (action, values)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
        if 400 <= response.status_code < 500:
            assert row_counts(engine) == before, (action, values, response.status_code)

    with caplog.at_level(logging.WARNING):
        for client, page, action, fields in forms:
            fuzz(client, page, action, fields)
