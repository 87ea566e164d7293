"""A new e-mail address is confirmed from a link sent to it (a real SMTP server); the old
address stays until then, and is told of the change afterwards."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.models import Role
from tests.auth.account_mail import company_with_staff, link_in, logged_in, mail_to, words
from tests.factories import PASSWORD, Company
from tests.mail_server import MailServer


@pytest.fixture
def company(app: Flask) -> Company:
    return company_with_staff(app)


def _ask(client, new_email: str, password: str = PASSWORD):
    return client.post("/account/email", {"new_email": new_email, "password": password},
                       csrf_from="/account/email")


def test_new_address_takes_effect_once_confirmed_and_the_old_one_is_told(
        portal, company: Company, mail_server: MailServer) -> None:
    old, new = company.email(Role.EV_USER), f"new-driver@{company.slug}.example"
    client = logged_in(portal, company, Role.EV_USER)
    asked = _ask(client, new)
    assert asked.status_code == 302
    page = client.get("/account/email")
    assert f"Waiting for you to open the link we sent to {new}" in words(page)
    assert portal(company).login(old).status_code == 302  # the old address still logs in
    assert portal(company).login(new).status_code == 401
    path = link_in(mail_to(mail_server, new), company)

    anywhere = portal(company)  # the link works without a login, in any browser
    assert f"will use {new} from now on" in words(anywhere.get(path))
    confirmed = anywhere.post(path, csrf_from=path)
    assert confirmed.status_code == 302
    assert portal(company).login(new).status_code == 302
    assert portal(company).login(old).status_code == 401
    notice = mail_to(mail_server, old)
    assert f"was changed to {new}" in " ".join(notice.text.split())
    assert f"Your address is {new}" in words(client.get("/account/email"))


def test_confirmation_link_works_once(portal, company: Company,
                                      mail_server: MailServer) -> None:
    new = f"new-driver@{company.slug}.example"
    assert _ask(logged_in(portal, company, Role.EV_USER), new).status_code == 302
    path = link_in(mail_to(mail_server, new), company)
    browser = portal(company)
    assert browser.post(path, csrf_from=path).status_code == 302
    again = browser.get(path)
    assert again.status_code == 404
    assert "This link no longer works" in words(again)


def test_a_second_request_voids_the_first_link(portal, company: Company,
                                               mail_server: MailServer) -> None:
    client = logged_in(portal, company, Role.EV_USER)
    first, second = (f"{name}@{company.slug}.example" for name in ("first", "second"))
    assert _ask(client, first).status_code == 302
    assert _ask(client, second).status_code == 302
    assert portal(company).get(link_in(mail_to(mail_server, first), company)).status_code \
        == 404
    path = link_in(mail_to(mail_server, second), company)
    assert portal(company).post(path, csrf_from=path).status_code == 302
    assert portal(company).login(second).status_code == 302


def test_wrong_password_sends_nothing_and_counts_as_a_guess(
        portal, company: Company, mail_server: MailServer) -> None:
    client = logged_in(portal, company, Role.EV_USER)
    wrong = _ask(client, f"new@{company.slug}.example", "not-my-pass-1")
    assert wrong.status_code == 400
    assert "The password is wrong." in words(wrong)
    for _ in range(4):
        _ask(client, f"new@{company.slug}.example", "not-my-pass-1")
    assert _ask(client, f"new@{company.slug}.example").status_code == 429
    assert mail_server.received == []


def test_an_address_another_user_has_is_refused(portal, company: Company,
                                                mail_server: MailServer) -> None:
    taken = _ask(logged_in(portal, company, Role.EV_USER), company.email(Role.SUPPORT))
    assert taken.status_code == 409
    assert "Another user of this company has this address." in words(taken)
    same = _ask(logged_in(portal, company, Role.EV_USER), company.email(Role.EV_USER).upper())
    assert "This is your address already." in words(same)
    assert mail_server.received == []


@pytest.mark.parametrize("new_email", ["", "no-at-sign", "x" * 300 + "@example.com"])
def test_what_is_not_an_address_is_refused_next_to_the_field(
        portal, company: Company, new_email: str) -> None:
    answer = _ask(logged_in(portal, company, Role.EV_USER), new_email)
    assert answer.status_code == 400
    assert 'class="invalid-feedback"' in answer.get_data(as_text=True)
