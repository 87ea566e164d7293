from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import Tenant
from tenants import provisioning
from tests.factories import PASSWORD, make_tenant, unique_slug


@pytest.mark.parametrize("slug", [
    "", "-fast", "fast-", "Fast", "fast_cars", "fast.cars", "a" * 64, "fäst", "www",
])
def test_slugs_follow_dns_label_rules(app: Flask, slug: str) -> None:
    with app.app_context(), pytest.raises(Invalid):
        provisioning.create_tenant(slug, "Name", "admin@example.com", PASSWORD)


@pytest.mark.parametrize("slug", ["a", "fast-cars", "x1", "a" * 63])
def test_valid_slugs_are_accepted(slug: str) -> None:
    assert provisioning.validate_slug(slug) == slug


def test_duplicate_slug_is_refused_and_nothing_is_added(app: Flask) -> None:
    company = make_tenant(app)
    with app.app_context():
        with pytest.raises(Conflict):
            provisioning.create_tenant(company.slug, "Other", "other@example.com", PASSWORD)
        db.session.rollback()
        names = db.session.scalars(select(Tenant.name).where(Tenant.slug == company.slug)).all()
    assert names == ["Company"]


def test_weak_admin_password_leaves_no_half_created_tenant(app: Flask) -> None:
    slug = unique_slug()
    with app.app_context():
        with pytest.raises(Invalid):
            provisioning.create_tenant(slug, "Name", "admin@example.com", "short")
        db.session.rollback()
        assert provisioning.find_by_slug(slug) is None
