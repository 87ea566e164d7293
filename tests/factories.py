"""Small factories that build real rows through the services, returning plain values."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from flask import Flask
from ocpp.v16.enums import (
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
)

from portal.extensions import db
from portal.models import ChargingProfile, ChargingSession, Role, Tenant
from portal.models.base import utcnow
from portal.services import charging_profiles, charging_sessions, sites, stations, tags, users
from portal.services.charging_profiles import Period, ProfileValues
from tenants import provisioning
from tenants.scoping import tenant_scope

PASSWORD = "secret-pass-1"


def unique_slug(prefix: str = "co") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Company:
    """One tenant as the tests see it: its slug, logins and the chargeBoxIds it owns."""

    slug: str
    tenant_id: int
    logins: dict[Role, str] = field(default_factory=dict)  # role -> e-mail
    station_site1: str = "CP-SITE1"
    station_site2: str = "CP-SITE2"
    shared_station: str = "CP-SHARED"  # the same chargeBoxId exists in the other company
    shared_station_name: str = ""
    driver_tag: str = ""
    driver_tag_id: int = 0  # the driver tag's row id, as the tags pages' addresses name it

    @property
    def own_station(self) -> str:
        """A chargeBoxId only this company has."""
        return f"CP-{self.slug}"

    def email(self, role: Role) -> str:
        return self.logins[role]


@dataclass
class World:
    a: Company
    b: Company


def make_tenant(app: Flask, slug: str | None = None, name: str = "Company") -> Company:
    slug = slug or unique_slug()
    with app.app_context():
        tenant = provisioning.create_tenant(slug, name, f"admin@{slug}.example", PASSWORD)
        db.session.commit()
        return Company(slug=slug, tenant_id=tenant.id,
                       logins={Role.ADMIN: f"admin@{slug}.example"})


def populate(app: Flask, company: Company) -> Company:
    """Two sites with a station each, the shared chargeBoxId, a user per role, tags, sessions."""
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            site1 = sites.find_or_create(tenant, "Site one")
            site2 = sites.find_or_create(tenant, "Site two")
            stations.add(tenant, company.station_site1, site=site1, connectors=2)
            stations.add(tenant, company.station_site2, site=site2, connectors=2)
            company.shared_station_name = f"Shared of {company.slug}"
            shared = stations.add(tenant, company.shared_station, site=site1, connectors=1,
                                  name=company.shared_station_name)
            stations.add(tenant, company.own_station, site=site1)
            make_charging_profile(tenant)
            for role in (Role.SITE_ADMIN, Role.SUPPORT, Role.EV_USER):
                email = f"{role.value}@{company.slug}.example"
                users.create(tenant, email=email, password=PASSWORD, role=role,
                             site=site1 if role is Role.SITE_ADMIN else None)
                company.logins[role] = email
            driver = users.find_by_email(company.logins[Role.EV_USER])
            company.driver_tag = f"D{uuid.uuid4().hex[:8].upper()}"
            tag = tags.add(tenant, company.driver_tag, owner=driver)
            company.driver_tag_id = tag.id
            started = utcnow() - timedelta(hours=3)
            charging_sessions.number(ChargingSession(
                tenant_id=tenant.id, station=shared, outlet=shared.outlets[0],
                id_tag=tag.id_tag, tag=tag, user=driver, started_at=started,
                stopped_at=started + timedelta(hours=1), meter_start=1000, meter_stop=8500,
                energy_wh=7500,
            ))
            db.session.commit()
    return company


def make_charging_profile(tenant: Tenant, charging_profile_id: int = 1, *,
                          purpose: ChargingProfilePurposeType =
                          ChargingProfilePurposeType.tx_default_profile,
                          periods: tuple[tuple[int, str, int | None], ...] = ((0, "16", 3),),
                          ) -> ChargingProfile:
    """A relative profile in amperes; periods as (startPeriod, limit, numberPhases)."""
    return charging_profiles.create(tenant, ProfileValues(
        charging_profile_id=charging_profile_id, stack_level=0, purpose=purpose,
        kind=ChargingProfileKindType.relative, rate_unit=ChargingRateUnitType.amps,
        periods=[Period(start, Decimal(limit), phases) for start, limit, phases in periods]))


def build_world(app: Flask) -> World:
    return World(a=populate(app, make_tenant(app, name="Company A")),
                 b=populate(app, make_tenant(app, name="Company B")))
