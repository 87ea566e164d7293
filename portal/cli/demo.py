"""`flask demo`: a demo company with every role, a topology, tags and a month of sessions."""

from __future__ import annotations

import random
from datetime import timedelta

import click
from flask.cli import with_appcontext
from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus

from portal.cli.common import unit_of_work
from portal.extensions import db
from portal.models import AlarmKind, AlarmSeverity, ChargingSession, OutletMode, Role, Tenant
from portal.models.base import utcnow
from portal.services import alarms, charging_sessions, sites, stations, tags, users
from tenants import provisioning
from tenants.scoping import tenant_scope

SLUG = "demo"
LOGINS = (
    (Role.ADMIN, "admin@demo.example", "demo-admin-1", "Ada", "Admin"),
    (Role.SITE_ADMIN, "site@demo.example", "demo-site-1", "Sid", "Siteadmin"),
    (Role.SUPPORT, "support@demo.example", "demo-support-1", "Sam", "Support"),
    (Role.EV_USER, "driver@demo.example", "demo-driver-1", "Eve", "Driver"),
)
TOPOLOGY = {
    "Harbour Car Park": ("Level 0", "Level 1"),
    "Riverside Offices": ("Garage",),
}
STATIONS = (
    ("DEMO-CP-01", "Harbour Car Park", "Level 0"),
    ("DEMO-CP-02", "Harbour Car Park", "Level 0"),
    ("DEMO-CP-03", "Harbour Car Park", "Level 1"),
    ("DEMO-CP-04", "Riverside Offices", "Garage"),
)
# The simulated stations `make run` starts; they connect with these keys.
SIMULATED = (("DEMO-SIM-01", "demo-sim-key-0000001"), ("DEMO-SIM-02", "demo-sim-key-0000002"))
# The simulated visitor charger: anyone may charge there (OPEN), no card needed.
OPEN_STATION = "DEMO-SIM-02"
# Sent to each station at its first accepted boot. Not MeterValueSampleInterval=60: the
# simulated stations sample every 5 s to keep the dashboard alive, and would obey it.
DEFAULT_CONFIGURATION = [
    {"key": "MeterValuesSampledData", "value": "Energy.Active.Import.Register,Power.Active.Import"},
    {"key": "ConnectionTimeOut", "value": "120"},
]
TAGS = ("DRIVER001", "FLEET001", "FLEET002", "VISITOR01", "EXPIRED01")


@click.command("demo")
@with_appcontext
def command() -> None:
    """Seed the demo company (once) and print its logins."""
    if provisioning.find_by_slug(SLUG) is None:
        with unit_of_work():
            _seed()
        click.echo(f"Seeded the demo company '{SLUG}'.")
    else:
        click.echo(f"The demo company '{SLUG}' exists already; nothing was added.")
    click.echo("Logins (e-mail / password):")
    for role, email, password, *_ in LOGINS:
        click.echo(f"  {role.label:<20} {email:<22} {password}")


def _seed() -> None:
    _, admin_email, admin_password, *_ = LOGINS[0]
    tenant = provisioning.create_tenant(SLUG, "Demo Charging Co.", admin_email, admin_password,
                                        time_zone="Europe/Amsterdam")
    tenant.auto_register_stations = True
    tenant.default_configuration = DEFAULT_CONFIGURATION
    with tenant_scope(tenant):
        site_by_name = {}
        floors = {}
        for site_name, floor_names in TOPOLOGY.items():
            site = site_by_name[site_name] = sites.find_or_create(tenant, site_name)
            for floor_name in floor_names:
                floors[site_name, floor_name] = sites.add_floor(site, floor_name)
        people = {}
        for role, email, password, first, last in LOGINS[1:]:
            site = site_by_name["Harbour Car Park"] if role in users.SITED_ROLES else None
            people[role] = users.create(tenant, email=email, password=password, role=role,
                                        first_name=first, last_name=last, site=site)
        people[Role.EV_USER].parking_label = "Level 0, bay 12"
        admin = users.find_by_email(admin_email)
        admin.first_name, admin.last_name = LOGINS[0][3], LOGINS[0][4]
        _seed_stations_and_sessions(tenant, site_by_name, floors, people[Role.EV_USER])


def _seed_stations_and_sessions(tenant: Tenant, site_by_name: dict, floors: dict,
                                driver: object) -> None:
    now = utcnow()
    rng = random.Random(7)  # the same demo every time
    all_stations = []
    for charge_box_id, site_name, floor_name in STATIONS:
        station = stations.add(tenant, charge_box_id, site=site_by_name[site_name],
                               connectors=2, name=charge_box_id.replace("DEMO-", "Charger "))
        station.floor = floors[site_name, floor_name]
        station.vendor, station.model = "DemoVendor", "DV-22"
        station.last_heartbeat_at = now - timedelta(minutes=rng.randint(1, 2000))
        for outlet in station.outlets:
            outlet.status = rng.choice([ChargePointStatus.available, ChargePointStatus.charging,
                                        ChargePointStatus.available])
            outlet.status_at = station.last_heartbeat_at
        all_stations.append(station)
    charging = [outlet for station in all_stations for outlet in station.outlets
                if outlet.status is ChargePointStatus.charging]
    faulted = all_stations[-1].outlets[-1]
    faulted.status = ChargePointStatus.faulted
    faulted.error_code = ChargePointErrorCode.ground_failure
    for charge_box_id, auth_key in SIMULATED:
        simulated = stations.add(tenant, charge_box_id, auth_key=auth_key,
                                 site=site_by_name["Riverside Offices"], connectors=2)
        if charge_box_id == OPEN_STATION:
            for outlet in simulated.outlets:
                outlet.mode = OutletMode.OPEN

    tag_rows = [tags.add(tenant, id_tag, owner=driver if id_tag == "DRIVER001" else None,
                         expiry_at=now - timedelta(days=3) if id_tag == "EXPIRED01" else None)
                for id_tag in TAGS]
    for outlet in charging:
        charging_sessions.number(ChargingSession(
            tenant_id=tenant.id, station=outlet.station,
            outlet=outlet, id_tag=tag_rows[1].id_tag, tag=tag_rows[1],
            started_at=now - timedelta(minutes=40), meter_start=120_000,
        ))
    for _ in range(60):
        station = rng.choice(all_stations)
        tag = rng.choice(tag_rows[:4])
        started = now - timedelta(days=rng.uniform(0.2, 30))
        meter_start, energy = rng.randint(0, 500_000), rng.randint(2_000, 40_000)
        charging_sessions.number(ChargingSession(
            tenant_id=tenant.id, station=station,
            outlet=rng.choice(station.outlets), id_tag=tag.id_tag, tag=tag, user=tag.owner,
            started_at=started, stopped_at=started + timedelta(minutes=rng.randint(20, 240)),
            meter_start=meter_start, meter_stop=meter_start + energy, energy_wh=energy,
            stop_reason="Local",
        ))
    alarms.raise_alarm(tenant.id, alarms.Cause(
        AlarmKind.HARDWARE_FAILURE, AlarmSeverity.CRITICAL,
        f"Connector {faulted.connector_id} of {faulted.station.charge_box_id}: Faulted "
        "(PowerSwitchFailure)."), alarms.node_of(faulted.station, faulted.connector_id),
        station=faulted.station, outlet=faulted)
    db.session.flush()
