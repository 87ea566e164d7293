"""A person resets a forgotten password and changes their e-mail address in Chromium: the
portal's own server sends the e-mails to a real SMTP server, and the links in them are
followed in the browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.auth.account_mail import LINK, company_with_staff, mail_to
from tests.conftest import free_port
from tests.factories import PASSWORD, Company
from tests.live_server import running_server
from tests.mail_server import MailServer, running_mail_server


@pytest.fixture(scope="module")
def mailbox() -> Iterator[MailServer]:
    with running_mail_server() as server:
        yield server


@pytest.fixture(scope="module")
def mailing_server(database_url: str, mailbox: MailServer) -> Iterator[int]:
    """The real server, sending its e-mail to `mailbox` with links to itself."""
    port = free_port()
    with running_server(database_url, port, SMTP_URL=mailbox.url(),
                        PORTAL_URL=f"http://localhost:{port}"):
        yield port


@pytest.fixture
def company(app: Flask) -> Company:
    return company_with_staff(app, "Company B")


def _link_to(mailbox: MailServer, address: str) -> str:
    (link,) = LINK.findall(mail_to(mailbox, address).text)
    return link


def test_forgotten_password_is_reset_from_the_link_in_the_email(
        page: Page, mailing_server: int, mailbox: MailServer, company: Company) -> None:
    email = company.email(Role.SUPPORT)
    page.goto(f"http://{company.slug}.localhost:{mailing_server}/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    page.goto(_link_to(mailbox, email))
    page.get_by_label("New password", exact=True).fill("brand-new-pass-7")
    page.get_by_label("Repeat the new password").fill("brand-new-pass-7")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("brand-new-pass-7")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_new_email_address_is_confirmed_from_the_link_sent_to_it(
        page: Page, mailing_server: int, mailbox: MailServer, company: Company) -> None:
    old, new = company.email(Role.EV_USER), f"driver-new@{company.slug}.example"
    page.goto(f"http://{company.slug}.localhost:{mailing_server}/login")
    page.get_by_label("E-mail").fill(old)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My charging sessions")).to_be_visible()
    page.goto(f"http://{company.slug}.localhost:{mailing_server}/account/email")
    page.get_by_label("New e-mail address").fill(new)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#pending-email")).to_contain_text(new)
    expect(page.locator("#current-email")).to_have_text(old)

    page.goto(_link_to(mailbox, new))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text(f"Your e-mail address is now {new}.")).to_be_visible()
    assert f"was changed to {new}" in " ".join(mail_to(mailbox, old).text.split())
