"""Creating tenants and their first administrator (the platform operator's job)."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import Role, Tenant
from portal.services import users
from tenants.scoping import tenant_scope

# A DNS label: 1-63 lower-case letters, digits and hyphens, not starting or ending with "-".
SLUG_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# Names that would shadow the portal's own hosts.
RESERVED_SLUGS = frozenset({"www", "api", "admin", "mail", "static", "ocpp"})


def validate_slug(slug: str) -> str:
    if not SLUG_PATTERN.fullmatch(slug):
        raise Invalid(
            f"{slug!r} is not a valid company slug: use 1-63 lower-case letters, digits and "
            "hyphens, starting and ending with a letter or digit"
        )
    if slug in RESERVED_SLUGS:
        raise Invalid(f"{slug!r} is reserved")
    return slug


def create_tenant(
    slug: str, name: str, admin_email: str, admin_password: str, time_zone: str = "UTC"
) -> Tenant:
    """Create a tenant with its first administrator; nothing is written if any part is bad."""
    validate_slug(slug)
    if not name.strip():
        raise Invalid("the company name must not be empty")
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(f"a company with slug {slug!r} already exists")
    tenant = Tenant(slug=slug, name=name.strip(), time_zone=time_zone)
    db.session.add(tenant)
    db.session.flush()
    with tenant_scope(tenant):
        admin = users.create(tenant, email=admin_email, password=admin_password,
                             role=Role.ADMIN)
        admin.email_on_alarm = True  # the daily alarm digest, which they may turn off
    return tenant


def find_by_slug(slug: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug.lower()))


def all_tenants() -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).order_by(Tenant.slug)))

