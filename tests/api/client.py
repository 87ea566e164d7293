"""The JSON API as a program sees it: one company's host, a bearer token, JSON in and out."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from portal.extensions import db
from portal.models import Command, Role, Tenant
from portal.services import api_tokens
from tenants.scoping import tenant_scope
from tests.factories import Company


class Api:
    def __init__(self, app: Flask, company: Company, token: str | None) -> None:
        self.client, self.company, self.token = app.test_client(), company, token

    def get(self, path: str) -> TestResponse:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, json=body, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.client.open(path, method=method, headers=headers,
                                base_url=f"http://{self.company.slug}.localhost", **kwargs)


def new_token(app: Flask, company: Company, role: Role) -> str:
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            secret, _ = api_tokens.create(tenant, "platform", role)
            db.session.commit()
            return secret


def command_count(app: Flask, company: Company) -> int:
    """How many commands the company has stored (sent or not)."""
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return db.session.scalar(select(func.count()).select_from(Command)) or 0
