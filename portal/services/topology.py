"""The company's topology: creating, moving and deleting sites, floors, stations and outlets.

Renaming and the other fields are the settings pages'; here nodes come and go and stations
change place. The rules:

- a node that still has children is not deleted: a site with floors or stations, a floor
  with stations. A station's outlets are part of it and go with it;
- a station or an outlet with charging sessions is never deleted: its sessions (the
  company's billing and history) would go with it;
- a moved station keeps its id, so its sessions, messages and events stay with it;
- a floor belongs to one site: a station is placed on a floor of its own site;
- a site administrator works inside their own site: every lookup here stops at it
  (another site's node is NotFound), their stations always have their site, and making
  or deleting a site is company-wide (Capability.MANAGE_SITES on the doors).

Every change calls `live.changed`, so open navigators and floor maps follow.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import selectinload

from ocpp_ws import transport
from portal.auth.permissions import Actor
from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import (
    ChargingSession,
    Floor,
    Outlet,
    OutletMode,
    Role,
    Site,
    Station,
    Tenant,
    User,
)
from portal.services import alarms, events, live, sites, stations

# Outlets a station may be given by hand (OCPP connectorId 1..n), and how many at once.
CONNECTOR_IDS = range(1, 51)
MAX_NAME = 200  # the name columns' length


def _own_site_id(actor: Actor) -> int | None:
    """The one site a site administrator may touch; None for company-wide roles."""
    return actor.site_id if actor.role is Role.SITE_ADMIN else None  # type: ignore[union-attr]


def visible_sites(actor: Actor) -> list[Site]:
    """The sites the actor may work in, by name, with their floors (for choosing one)."""
    query = select(Site).options(selectinload(Site.floors)).order_by(Site.name)
    if (site_id := _own_site_id(actor)) is not None:
        query = query.where(Site.id == site_id)
    return list(db.session.scalars(query))


def site_of(actor: Actor, site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or _own_site_id(actor) not in (None, site.id):
        raise NotFound(f"No site {site_id}.", field="site")
    return site


def floor_of(actor: Actor, floor_id: int) -> Floor:
    floor = db.session.get(Floor, floor_id)
    if floor is None or _own_site_id(actor) not in (None, floor.site_id):
        raise NotFound(f"No floor {floor_id}.", field="floor")
    return floor


def outlet_of(station: Station, outlet_id: int) -> Outlet:
    """The station's outlet of this id (the station found within the actor's reach)."""
    outlet = next((outlet for outlet in station.outlets if outlet.id == outlet_id), None)
    if outlet is None:
        raise NotFound(f"{station.charge_box_id} has no outlet {outlet_id}.")
    return outlet


def checked_name(name: str, field: str = "name") -> str:
    """A node's name: stripped, not empty, fits its column."""
    name, what = name.strip(), "name" if field == "name" else f"{field} name"
    if not name:
        raise Invalid(f"Give a {what}.", field=field)
    if len(name) > MAX_NAME:
        raise Invalid(f"A {what} has at most {MAX_NAME} characters.", field=field)
    return name


def create_site(tenant: Tenant, name: str) -> Site:
    name = checked_name(name)
    if db.session.scalar(select(exists().where(Site.name == name))):
        raise Conflict(f"A site named {name!r} already exists.", field="name")
    site = sites.find_or_create(tenant, name)
    live.changed(tenant.id)
    return site


def create_floor(site: Site, name: str) -> Floor:
    name = checked_name(name)
    if any(floor.name == name for floor in site.floors):
        raise Conflict(f"Site {site.name} already has a floor named {name!r}.", field="name")
    floor = sites.add_floor(site, name)
    live.changed(site.tenant_id)
    return floor


def check_place(site: Site | None, floor: Floor | None) -> None:
    """A station's place: a floor only together with the site it belongs to."""
    if floor is not None and (site is None or floor.site_id != site.id):
        raise Invalid(f"Floor {floor.name} is on site {floor.site.name}: choose that site, or "
                      "one of the chosen site's floors.", field="floor")


def _check_actor_place(actor: Actor, site: Site | None) -> None:
    if site is None and _own_site_id(actor) is not None:
        raise Invalid("Choose your site: a station on no site would be out of your reach.",
                      field="site")


def create_station(actor: Actor, tenant: Tenant, charge_box_id: str, *, name: str = "",
                   site: Site | None = None, floor: Floor | None = None, connectors: int = 0,
                   auth_key: str | None = None) -> Station:
    """Register a station staff expect to connect, on its site and floor, with its outlets."""
    _check_actor_place(actor, site)
    return add_station(tenant, charge_box_id, name=name, site=site, floor=floor,
                       connectors=connectors, auth_key=auth_key)


def add_station(tenant: Tenant, charge_box_id: str, *, name: str = "",
                site: Site | None = None, floor: Floor | None = None, connectors: int = 0,
                auth_key: str | None = None) -> Station:
    """`create_station` for company-wide doors (the CSV import, the CLI)."""
    check_place(site, floor)
    if connectors not in range(0, CONNECTOR_IDS.stop):
        raise Invalid(f"A station has 0 to {CONNECTOR_IDS.stop - 1} connectors.",
                      field="connectors")
    station = stations.add(tenant, charge_box_id, auth_key=auth_key, site=site, floor=floor,
                           connectors=connectors)
    rename_station(station, name)
    events.record(station, "created", f"Created on {_place_name(site, floor)}.")
    live.changed(tenant.id)
    return station


def move_station(actor: Actor, station: Station, site: Site | None,
                 floor: Floor | None) -> bool:
    """Place the station on another site or floor (whether it moved); it stays the same
    row, so its sessions, messages and events follow it."""
    _check_actor_place(actor, site)
    return place(station, site, floor)


def place(station: Station, site: Site | None, floor: Floor | None) -> bool:
    """Put the station on this site and floor; whether that moved it."""
    check_place(site, floor)
    if (station.site_id, station.floor_id) == (site and site.id, floor and floor.id):
        return False
    before = _place_name(station.site, station.floor)
    station.site, station.floor = site, floor
    if floor is None:  # a position on the old floor's map means nothing elsewhere
        station.floor_x = station.floor_y = None
    events.record(station, "moved", f"Moved from {before} to {_place_name(site, floor)}.")
    live.changed(station.tenant_id)
    db.session.flush()
    return True


def _place_name(site: Site | None, floor: Floor | None) -> str:
    if site is None:
        return "no site"
    return f"{site.name} / {floor.name}" if floor else site.name


def rename_station(station: Station, name: str) -> None:
    """A station's name as an import gives it (empty: shown by its chargeBoxId)."""
    name = name.strip()
    if len(name) > MAX_NAME:
        raise Invalid(f"A name has at most {MAX_NAME} characters.", field="name")
    if name != station.name:
        station.name = name
        live.changed(station.tenant_id)


def set_mode(station: Station, mode: OutletMode) -> None:
    """Every outlet of the station starts charging on plug-in (OPEN) or needs a tag (RFID)."""
    changed = [outlet for outlet in station.outlets if outlet.mode is not mode]
    for outlet in changed:
        outlet.mode = mode
    if changed:
        events.record(station, "mode", f"Every outlet in {mode.value} mode.")
        _outlets_changed(station)


def add_outlet(station: Station, connector_id: int | None = None) -> Outlet:
    """A new outlet: the given connectorId, or the one after the station's last."""
    if connector_id is None:
        connector_id = max((outlet.connector_id for outlet in station.outlets), default=0) + 1
    if connector_id not in CONNECTOR_IDS:
        raise Invalid(f"A connector id is a whole number from {CONNECTOR_IDS.start} to "
                      f"{CONNECTOR_IDS.stop - 1}.", field="connector_id")
    if any(outlet.connector_id == connector_id for outlet in station.outlets):
        raise Conflict(f"{station.charge_box_id} already has connector {connector_id}.",
                       field="connector_id")
    outlet = Outlet(tenant_id=station.tenant_id, connector_id=connector_id)
    station.outlets.append(outlet)
    db.session.flush()
    _outlets_changed(station)
    return outlet


def delete_site(site: Site) -> None:
    if site.floors or db.session.scalar(select(exists().where(Station.site_id == site.id))):
        raise Conflict(f"Site {site.name} still has floors or stations: move or delete them "
                       "first.")
    # A site administrator left with no site would reach the stations on none.
    if db.session.scalar(select(exists().where(User.site_id == site.id))):
        raise Conflict(f"Site {site.name} still has site administrators: give them another "
                       "site or delete them first.")
    db.session.delete(site)
    live.changed(site.tenant_id)
    db.session.flush()


def delete_floor(floor: Floor) -> None:
    if db.session.scalar(select(exists().where(Station.floor_id == floor.id))):
        raise Conflict(f"Floor {floor.name} still has stations: move or delete them first.")
    db.session.delete(floor)
    live.changed(floor.tenant_id)
    db.session.flush()


def delete_station(station: Station) -> None:
    """Delete a station and its outlets, unless it has charging sessions."""
    if _sessions(ChargingSession.station_id == station.id):
        raise Conflict(f"Station {station.charge_box_id} has charging sessions: it stays, so "
                       "that its history does. Move it to another site instead, or reject "
                       "its registration.")
    db.session.delete(station)
    live.changed(station.tenant_id)
    transport.reload_after_commit(station.tenant_id, station.charge_box_id)
    db.session.flush()


def delete_outlet(outlet: Outlet) -> None:
    station = outlet.station
    if _sessions(ChargingSession.outlet_id == outlet.id):
        raise Conflict(f"Outlet {outlet.connector_id} of {station.charge_box_id} has charging "
                       "sessions: it stays, so that its history does.")
    station.outlets.remove(outlet)
    db.session.flush()
    _outlets_changed(station)


def _sessions(condition: ColumnElement[bool]) -> int:
    return db.session.scalar(select(func.count(ChargingSession.id)).where(condition)) or 0


def _outlets_changed(station: Station) -> None:
    alarms.check_connectors(station)
    # A connected station's socket reads its outlets again for its next message.
    live.changed(station.tenant_id)
    transport.reload_after_commit(station.tenant_id, station.charge_box_id)
