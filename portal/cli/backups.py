from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.errors import DomainError
from portal.extensions import db
from portal.models.base import utcnow
from portal.services import backups


@click.group("backups", cls=AppGroup,
             help="Backups of the whole database in BACKUP_DIR (the clock takes one a day).")
def group() -> None:
    pass


@group.command("create")
def create() -> None:
    """Back the database up into BACKUP_DIR now."""
    try:
        path = backups.create(utcnow())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup taken: {path}")


@group.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(file: Path, yes: bool) -> None:
    """Replace EVERYTHING in the database (DATABASE_URL) with the backup FILE. Stop the web
    and clock processes first; run `flask db upgrade` afterwards if the code is newer."""
    database = db.engine.url.render_as_string()  # the password masked
    if not yes:
        click.confirm(f"Replace everything in {database} with {file}?", abort=True)
    try:
        backups.restore(file)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {database} from {file}.")
