"""Stations: registration by staff, lookup within what an actor may see."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from portal.auth.permissions import visible_stations
from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import Outlet, Site, Station, Tenant, User

# OCPP 1.6 security profiles: the authorization key is 16 to 40 printable characters.
AUTH_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{16,40}$")
# chargeBoxId is CiString... of the URL path; keep it to characters that need no escaping.
CHARGE_BOX_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,255}$")


def check_auth_key(auth_key: str) -> None:
    if not AUTH_KEY_PATTERN.fullmatch(auth_key):
        raise Invalid(
            "The authorization key must be 16 to 40 printable characters without spaces.",
            field="auth_key",
        )


def add(
    tenant: Tenant,
    charge_box_id: str,
    *,
    auth_key: str | None = None,
    site: Site | None = None,
    connectors: int = 0,
    name: str = "",
) -> Station:
    """Register a station staff expect to connect, optionally with its outlets."""
    if not CHARGE_BOX_ID_PATTERN.fullmatch(charge_box_id):
        raise Invalid(
            f"{charge_box_id!r} is not a usable chargeBoxId: use letters, digits and . _ : -",
            field="charge_box_id",
        )
    if auth_key is not None:
        check_auth_key(auth_key)
    if db.session.scalar(select(Station.id).where(Station.charge_box_id == charge_box_id)):
        raise Conflict(f"Station {charge_box_id} already exists.", field="charge_box_id")
    station = Station(
        tenant_id=tenant.id,
        charge_box_id=charge_box_id,
        name=name,
        site=site,
        auth_key_hash=generate_password_hash(auth_key) if auth_key else None,
    )
    station.outlets = [
        Outlet(tenant_id=tenant.id, connector_id=number) for number in range(1, connectors + 1)
    ]
    db.session.add(station)
    db.session.flush()
    return station


def visible(actor: User) -> list[Station]:
    query = (
        select(Station)
        .options(selectinload(Station.outlets), selectinload(Station.site))
        .order_by(Station.charge_box_id)
    )
    return list(db.session.scalars(visible_stations(actor, query)))


def get(actor: User, charge_box_id: str) -> Station:
    """The station if the actor may see it; NotFound otherwise (also for other sites)."""
    query = visible_stations(actor, select(Station).where(Station.charge_box_id == charge_box_id))
    station = db.session.scalar(query.options(selectinload(Station.outlets)))
    if station is None:
        raise NotFound(f"No station {charge_box_id}.")
    return station
