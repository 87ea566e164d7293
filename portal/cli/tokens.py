from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.cli.common import in_tenant
from portal.models import Role
from portal.services import api_tokens


@click.group("tokens")
def group() -> None:
    """API tokens for /api/v1."""


@group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="What the token is for, e.g. the platform's name.")
@click.option("--role", type=click.Choice([role.value for role in api_tokens.TOKEN_ROLES]),
              default=Role.ADMIN.value,
              show_default=True, help="What the token may do, as that role may.")
@with_appcontext
def create(slug: str, name: str, role: str) -> None:
    """Create an API token and print it, once: only its hash is kept."""
    with in_tenant(slug) as tenant:
        secret, _ = api_tokens.create(tenant, name, Role(role))
    click.echo(f"Token {name!r} ({role}) for {slug}; it is shown only now:")
    click.echo(secret)
