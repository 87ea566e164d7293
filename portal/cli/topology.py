from __future__ import annotations

from typing import BinaryIO

import click
from flask.cli import AppGroup

from portal.cli.common import in_tenant
from portal.services import topology_csv


@click.group("topology", cls=AppGroup, help="Sites, floors, stations and outlets of a company.")
def group() -> None:
    pass


@group.command("import")
@click.argument("slug")
@click.argument("file", type=click.File("rb"))
def import_(slug: str, file: BinaryIO) -> None:
    """Add or update company SLUG's stations from FILE, a CSV file with the columns
    chargeBoxId,name,site,floor,connectors,auth_key,mode, then one per service named after
    it (the outlets' ids there, in connector order, separated by |). Prints what became of
    each row; exits 1 if any row was refused (the others are imported)."""
    with in_tenant(slug) as tenant:
        report = topology_csv.import_csv(tenant, file.read())
    for row in report.rows:
        detail = f": {row.detail}" if row.detail else ""
        click.echo(f"line {row.line}\t{row.charge_box_id}\t{row.outcome}{detail}")
    click.echo(f"{report.count(topology_csv.Outcome.ADDED)} added, "
               f"{report.count(topology_csv.Outcome.UPDATED)} updated, "
               f"{len(report.refused)} refused.")
    if report.refused:
        raise click.exceptions.Exit(1)


@group.command("export")
@click.argument("slug")
def export(slug: str) -> None:
    """Print company SLUG's stations as CSV, in the format `topology import` reads."""
    with in_tenant(slug):
        for line in topology_csv.export_csv():
            click.echo(line, nl=False)
