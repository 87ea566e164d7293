"""Sites and floors of a tenant's topology."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.permissions import Actor
from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import Floor, Role, Site, Station, Tenant
from portal.services import live, positions

NAME_LENGTH = 200  # Site.name, Floor.name


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


def listed(actor: Actor) -> list[Site]:
    """The sites the actor may see, by name."""
    query = select(Site).order_by(Site.name)
    if actor.role is Role.SITE_ADMIN:
        query = query.where(Site.id == actor.site_id)  # type: ignore[union-attr]
    return list(db.session.scalars(query))


def get(actor: Actor, site_id: int) -> Site:
    """The site if the actor may see it; NotFound otherwise (also another site's admin)."""
    site = db.session.get(Site, site_id)
    if site is None or not _may_see(actor, site.id):
        raise NotFound(f"No site {site_id}.")
    return site


def get_floor(actor: Actor, floor_id: int) -> Floor:
    """The floor if the actor may see its site; NotFound otherwise."""
    floor = db.session.get(Floor, floor_id)
    if floor is None or not _may_see(actor, floor.site_id):
        raise NotFound(f"No floor {floor_id}.")
    return floor


def _may_see(actor: Actor, site_id: int) -> bool:
    return actor.role is not Role.SITE_ADMIN or actor.site_id == site_id  # type: ignore[union-attr]


def update(site: Site, *, name: str, address: str, latitude: float | None,
           longitude: float | None) -> None:
    """Rename and place a site; its name stays unique in the company."""
    name = _checked_name(name)
    latitude, longitude = positions.checked_coordinates(latitude, longitude)
    if db.session.scalar(select(Site.id).where(Site.name == name, Site.id != site.id)):
        raise Conflict(f"Another site is called {name}.", field="name")
    if name != site.name:
        live.changed(site.tenant_id)  # the navigator shows the name
    site.name, site.address = name, address.strip()
    site.latitude, site.longitude = latitude, longitude
    db.session.flush()


def rename_floor(floor: Floor, name: str) -> None:
    name = _checked_name(name)
    if db.session.scalar(select(Floor.id).where(Floor.site_id == floor.site_id,
                                                Floor.name == name, Floor.id != floor.id)):
        raise Conflict(f"Another floor of this site is called {name}.", field="name")
    if name != floor.name:
        live.changed(floor.tenant_id)
    floor.name = name
    db.session.flush()


def stations_off_floor(site: Site) -> list[Station]:
    """The site's stations on none of its floors: they are placed by their own coordinates."""
    return list(db.session.scalars(select(Station).where(
        Station.site_id == site.id, Station.floor_id.is_(None)).order_by(Station.charge_box_id)))


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("Give a name.", field="name")
    if len(name) > NAME_LENGTH:
        raise Invalid(f"At most {NAME_LENGTH} characters.", field="name")
    return name
