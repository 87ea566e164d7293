"""People's accounts: the roles a person may have."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.errors import Invalid
from portal.extensions import db
from portal.models import Role, Tenant
from portal.services import users
from tenants.scoping import tenant_scope
from tests.factories import PASSWORD, make_tenant


def test_a_person_cannot_be_given_the_monitor_role(app: Flask) -> None:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            with pytest.raises(Invalid) as refused:
                users.create(tenant, email=f"watcher@{company.slug}.example",
                             password=PASSWORD, role=Role.MONITOR)
            assert refused.value.field == "role"
            assert str(refused.value) == "The monitor role is for API tokens, not for people."
            assert users.find_by_email(f"watcher@{company.slug}.example") is None
