from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.cli.common import unit_of_work
from tenants import provisioning


@click.group("tenants", cls=AppGroup, help="Companies using the portal.")
def group() -> None:
    pass


@group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The company's name as shown in the portal.")
@click.option("--admin-email", required=True, help="E-mail of the first administrator.")
@click.option("--admin-password", required=True, help="Password of the first administrator.")
@click.option("--time-zone", default="UTC", show_default=True, help="IANA time zone name.")
def create(slug: str, name: str, admin_email: str, admin_password: str, time_zone: str) -> None:
    """Create a company SLUG with its first administrator."""
    with unit_of_work():
        tenant = provisioning.create_tenant(slug, name, admin_email, admin_password, time_zone)
    click.echo(f"Created {tenant.slug} ({tenant.name}); administrator {admin_email}.")


@group.command("list")
def list_() -> None:
    """List every company."""
    for tenant in provisioning.all_tenants():
        click.echo(f"{tenant.slug}\t{tenant.name}")
