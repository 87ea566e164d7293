"""What the account-security tests share: a company with a user of each staff role, and
the links read from the e-mails a real SMTP server received."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask

from portal.models import Role, Tenant
from portal.services import users
from tests.factories import PASSWORD, Company, make_tenant
from tests.mail_server import MailServer, Received
from tests.scene import company_scope

LINK = re.compile(r"https?://\S+")
TAG = re.compile(r"<[^>]*>")


def company_with_staff(app: Flask, name: str = "Company S") -> Company:
    """A company with its administrator, a support user and an EV user."""
    company = make_tenant(app, name=name)
    with company_scope(app, company) as tenant:
        for role in (Role.SUPPORT, Role.EV_USER):
            company.logins[role] = _add_user(tenant, company, role)
    return company


def logged_in(portal, company: Company, role: Role):
    """A browser-like client of the company, logged in as its user of `role`."""
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _add_user(tenant: Tenant, company: Company, role: Role) -> str:
    email = f"{role.value}@{company.slug}.example"
    users.create(tenant, email=email, password=PASSWORD, role=role)
    return email


def mail_to(server: MailServer, address: str) -> Received:
    """The one e-mail the server received for `address`."""
    found = [mail for mail in server.received if address in mail.recipients]
    assert len(found) == 1, [mail.recipients for mail in server.received]
    return found[0]


def link_in(mail: Received, company: Company) -> str:
    """The path of the one link in the e-mail's text, which leads to the company's host."""
    (link,) = LINK.findall(mail.text)
    parts = urlsplit(link)
    assert parts.hostname == f"{company.slug}.localhost", link
    assert link in mail.html  # the HTML part leads to the same page
    return parts.path


def words(response) -> str:
    """The page's text as a person reads it: no tags, one space between words."""
    return " ".join(TAG.sub(" ", response.get_data(as_text=True)).split())
