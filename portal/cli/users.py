"""`flask users`: people of a company, added by the operator."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.cli.common import in_tenant
from portal.errors import NotFound
from portal.extensions import db
from portal.models import Role, Site
from portal.services import user_list, user_management
from portal.services.user_list import DEFAULT_SORT, UserFilter
from portal.services.user_management import UserValues

# The roles as the command line spells them.
ROLES = {"admin": Role.ADMIN, "site-admin": Role.SITE_ADMIN, "support": Role.SUPPORT,
         "ev-user": Role.EV_USER}


@click.group("users", cls=AppGroup, help="Users (people) of a company.")
def group() -> None:
    pass


@group.command("create")
@click.argument("slug")
@click.option("--email", required=True, help="Their login, unique in the company.")
@click.option("--role", "role_name", required=True, type=click.Choice(list(ROLES)))
@click.option("--password", required=True, help="At least 8 characters, letters and digits.")
@click.option("--site", "site_name", help="The site: a site administrator's (required), an "
                                          "EV user's home site (optional).")
@click.option("--tag", "id_tags", multiple=True,
              help="An idTag to give an EV user (repeat for more); added if new.")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
def create(slug: str, email: str, role_name: str, password: str, site_name: str | None,
           id_tags: tuple[str, ...], first_name: str, last_name: str) -> None:
    """Add a user to company SLUG."""
    role = ROLES[role_name]
    if site_name and user_management.SITE not in user_management.ROLE_FIELDS[role]:
        raise click.UsageError(f"--site is for site-admin and ev-user, not {role_name}.")
    if id_tags and role is not Role.EV_USER:
        raise click.UsageError(f"--tag is for ev-user, not {role_name}.")
    with in_tenant(slug) as tenant:
        site = _site(site_name) if site_name else None
        user = user_management.create(
            tenant, role, UserValues(email=email, password=password, first_name=first_name,
                                     last_name=last_name, site_id=site.id if site else None),
            tuple(id_tag.strip() for id_tag in id_tags))
    click.echo(f"Created {user.email} ({role.label}) in {slug}.")


def _site(name: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.name == name.strip()))
    if site is None:
        raise NotFound(f"No site {name!r} in the company.")
    return site


@group.command("list")
@click.argument("slug")
def list_users(slug: str) -> None:
    """List the users of company SLUG: e-mail, role, name, site, tags, active."""
    with in_tenant(slug):
        for email, first, last, role, cards, site, _parking, active, *_ in (
                user_list.export_rows(None, UserFilter(), DEFAULT_SORT)):
            click.echo("\t".join((email, role, f"{first} {last}".strip(), site, cards,
                                   "active" if active == "yes" else "deactivated")))
