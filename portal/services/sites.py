"""Sites and floors of a tenant's topology."""

from __future__ import annotations

from sqlalchemy import select

from portal.errors import Invalid
from portal.extensions import db
from portal.models import Floor, Site, Tenant


def find_or_create(tenant: Tenant, name: str) -> Site:
    name = name.strip()
    if not name:
        raise Invalid("A site needs a name.", field="site")
    site = db.session.scalar(select(Site).where(Site.name == name))
    if site is None:
        site = Site(tenant_id=tenant.id, name=name)
        db.session.add(site)
        db.session.flush()
    return site


def add_floor(site: Site, name: str) -> Floor:
    floor = Floor(tenant_id=site.tenant_id, site=site, name=name)
    db.session.add(floor)
    db.session.flush()
    return floor


def find_or_create_floor(site: Site, name: str) -> Floor:
    name = name.strip()
    if not name:
        raise Invalid("A floor needs a name.", field="floor")
    floor = next((floor for floor in site.floors if floor.name == name), None)
    return floor if floor is not None else add_floor(site, name)
