"""Forgot password: a single-use link by e-mail (a real SMTP server), valid for an hour;
the answer is the same for an address with and without an account."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import AccountToken, AuditEntry, Role
from tests.auth.account_mail import company_with_staff, link_in, mail_to, words
from tests.factories import PASSWORD, Company
from tests.mail_server import MailServer
from tests.scene import company_scope

NEW_PASSWORD = "fresh-pass-42"


@pytest.fixture
def company(app: Flask) -> Company:
    return company_with_staff(app)


def _forgot(client, email: str, client_address: str = "127.0.0.1"):
    return client.post("/password/forgot", {"email": email}, csrf_from="/password/forgot",
                       environ_base={"REMOTE_ADDR": client_address})


def _reset(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None,
           csrf_from: str | None = None):
    return client.post(path, {"new_password": password, "confirm": confirm or password},
                       csrf_from=csrf_from or path)


def _reset_link(portal, company: Company, mail_server: MailServer, role: Role) -> str:
    email = company.email(role)
    assert _forgot(portal(company), email).status_code == 200
    return link_in(mail_to(mail_server, email), company)


def _answer_words(response) -> str:
    return re.sub(r"\S+@\S+", "<address>", words(response))


def test_login_page_leads_to_forgot_password(portal, company: Company) -> None:
    page = portal(company).get("/login").get_data(as_text=True)
    assert 'href="/password/forgot">Forgot password?</a>' in page


def test_forgot_answers_the_same_for_known_and_unknown_addresses(
        portal, company: Company, mail_server: MailServer) -> None:
    known = _forgot(portal(company), company.email(Role.SUPPORT))
    unknown = _forgot(portal(company), f"nobody@{company.slug}.example")
    assert known.status_code == unknown.status_code == 200
    assert _answer_words(known) == _answer_words(unknown)
    assert "If an account of Company S has this address" in words(known)
    # One e-mail each, with the same subject: only the mailbox's owner learns the difference.
    to_known = mail_to(mail_server, company.email(Role.SUPPORT))
    to_unknown = mail_to(mail_server, f"nobody@{company.slug}.example")
    assert to_known.message["Subject"] == to_unknown.message["Subject"] \
        == "Reset your password for Company S"
    assert "/password/reset/" in to_known.text
    assert "no account of Company S has this address" in to_unknown.text


def test_reset_link_sets_the_password_and_ends_every_login(
        app: Flask, portal, company: Company, mail_server: MailServer) -> None:
    email = company.email(Role.SUPPORT)
    elsewhere = portal(company)
    assert elsewhere.login(email).status_code == 302
    path = _reset_link(portal, company, mail_server, Role.SUPPORT)
    browser = portal(company)
    assert "Choose a new password" in browser.get(path).get_data(as_text=True)
    done = _reset(browser, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert elsewhere.get("/dashboard").status_code == 302  # that login has ended
    assert portal(company).login(email, PASSWORD).status_code == 401
    assert portal(company).login(email, NEW_PASSWORD).status_code == 302
    # The link's holder acted as the user, logged in or not: the audit log says who and where.
    with company_scope(app, company):
        changed = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "changed", AuditEntry.target == email))
        assert (changed.actor, changed.address) == (email, "127.0.0.1")
        assert changed.after == {"password": "********"}


def test_reset_link_works_once(portal, company: Company, mail_server: MailServer) -> None:
    path = _reset_link(portal, company, mail_server, Role.SUPPORT)
    assert _reset(portal(company), path).status_code == 302
    again = portal(company).get(path)
    assert again.status_code == 404
    assert "This link no longer works" in again.get_data(as_text=True)
    assert portal(company).login(company.email(Role.SUPPORT), NEW_PASSWORD).status_code == 302


def test_reset_link_used_in_two_tabs_at_once_sets_one_password(
        app: Flask, portal, company: Company, mail_server: MailServer) -> None:
    path = _reset_link(portal, company, mail_server, Role.SUPPORT)
    tabs = [portal(company) for _ in range(2)]
    forms = [{"new_password": password, "confirm": password,
              "csrf_token": tab.csrf_token(path)}
             for tab, password in zip(tabs, ("first-tab-pass-1", "second-tab-pass-2"),
                                      strict=True)]
    start, statuses = threading.Barrier(2), []

    def post(tab, form) -> None:
        start.wait(timeout=10)
        statuses.append(tab.post(path, form).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(tabs, forms,
                                                                          strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302, 404]
    email = company.email(Role.SUPPORT)
    logins = [portal(company).login(email, password).status_code
              for password in ("first-tab-pass-1", "second-tab-pass-2")]
    assert sorted(logins) == [302, 401]


def test_reset_link_older_than_an_hour_is_refused(
        app: Flask, portal, company: Company, mail_server: MailServer) -> None:
    path = _reset_link(portal, company, mail_server, Role.SUPPORT)
    with company_scope(app, company):  # the link was sent an hour and a minute ago
        for link in db.session.scalars(select(AccountToken)):
            link.created_at -= timedelta(minutes=61)
            link.expires_at -= timedelta(minutes=61)
    assert portal(company).get(path).status_code == 404
    assert _reset(portal(company), path, csrf_from="/login").status_code == 404
    assert portal(company).login(company.email(Role.SUPPORT)).status_code == 302


def test_a_new_password_that_breaks_the_policy_keeps_the_link(
        portal, company: Company, mail_server: MailServer) -> None:
    path = _reset_link(portal, company, mail_server, Role.SUPPORT)
    client = portal(company)
    weak = _reset(client, path, "short1")
    assert weak.status_code == 400
    assert "at least 8 characters" in weak.get_data(as_text=True)
    differ = _reset(client, path, NEW_PASSWORD, "other-pass-9")
    assert "The passwords differ." in differ.get_data(as_text=True)
    assert _reset(client, path).status_code == 302


def test_a_link_of_another_company_is_unknown_here(
        app: Flask, portal, company: Company, mail_server: MailServer) -> None:
    other = company_with_staff(app, "Company T")
    path = _reset_link(portal, company, mail_server, Role.SUPPORT)
    assert portal(other).get(path).status_code == 404
    assert _reset(portal(other), path, csrf_from="/login").status_code == 404


def test_forgot_requests_are_throttled_per_address_known_or_not(
        portal, company: Company, mail_server: MailServer) -> None:
    known, unknown = company.email(Role.SUPPORT), f"nobody@{company.slug}.example"
    for number, email in enumerate((known, unknown)):
        client = portal(company)
        for _ in range(5):  # ACCOUNT_MAIL_RATE_LIMIT: 5 per hour
            assert _forgot(client, email, f"10.0.0.{number}").status_code == 200
        throttled = _forgot(client, email, f"10.0.0.{number}")
        assert throttled.status_code == 429
        assert "Too many e-mails were asked for" in words(throttled)
        assert _forgot(client, email, "10.0.1.1").status_code == 429  # from anywhere
    assert len(mail_server.received) == 10


def test_forgot_requests_are_throttled_per_client_address(
        portal, company: Company, mail_server: MailServer) -> None:
    client = portal(company)
    for number in range(5):
        assert _forgot(client, f"someone-{number}@example.com").status_code == 200
    assert _forgot(client, "someone-else@example.com").status_code == 429


@pytest.mark.parametrize("email", ["", "not-an-address", "x" * 300 + "@example.com",
                                   "two@at@example.com"])
def test_forgot_refuses_what_is_not_an_address_next_to_the_field(
        portal, company: Company, email: str) -> None:
    answer = _forgot(portal(company), email)
    assert answer.status_code == 400
    assert 'class="invalid-feedback"' in answer.get_data(as_text=True)
