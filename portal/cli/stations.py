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
