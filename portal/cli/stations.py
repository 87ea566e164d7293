from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.cli.common import in_tenant
from portal.services import sites, stations


@click.group("stations", cls=AppGroup, help="Charging stations of a company.")
def group() -> None:
    pass


@group.command("add")
@click.argument("slug")
@click.argument("charge_box_id")
@click.option("--auth-key", help="Authorization key (16-40 characters) for HTTP Basic auth.")
@click.option("--site", "site_name", help="Name of the site; created if it does not exist.")
@click.option("--connectors", default=0, show_default=True, type=click.IntRange(0, 50),
              help="Outlets to create now (a station also reports them itself).")
def add(slug: str, charge_box_id: str, auth_key: str | None, site_name: str | None,
        connectors: int) -> None:
    """Register station CHARGE_BOX_ID for company SLUG."""
    with in_tenant(slug) as tenant:
        site = sites.find_or_create(tenant, site_name) if site_name else None
        station = stations.add(tenant, charge_box_id, auth_key=auth_key, site=site,
                               connectors=connectors)
    click.echo(f"Added station {station.charge_box_id} to {slug}.")


@group.command("heartbeat")
@click.argument("slug")
@click.argument("seconds")
@click.option("--station", "charge_box_id", metavar="CHARGEBOXID",
              help="Set this station's own interval; SECONDS 'default' gives it the company's.")
def heartbeat(slug: str, seconds: str, charge_box_id: str | None) -> None:
    """Set the heartbeat interval (1 to 86400 s) that company SLUG's stations, or one of them,
    are given in the answer to their next BootNotification."""
    with in_tenant(slug) as tenant:
        if charge_box_id is None:
            stations.set_default_heartbeat_interval(tenant, seconds)
            done = f"Stations of {slug} with none of their own: {tenant.heartbeat_interval} s."
        else:
            station = stations.find(charge_box_id)
            if station is None:
                raise click.ClickException(f"No station {charge_box_id} in {slug}.")
            stations.set_heartbeat_interval(station, None if seconds == "default" else seconds)
            own = station.heartbeat_interval
            done = f"{charge_box_id}: {f'{own} s' if own else 'the company interval'}."
    click.echo(done)
