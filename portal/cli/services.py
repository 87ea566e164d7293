from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.cli.common import in_tenant
from portal.models import ServiceKind
from portal.services import third_party


@click.group("services", cls=AppGroup,
             help="Third-party services of a company: a map, a payment service, webhooks.")
def group() -> None:
    pass


@group.command("add")
@click.argument("slug")
@click.option("--kind", required=True, type=click.Choice([kind.value for kind in ServiceKind]))
@click.option("--name", required=True, help="A name unique in the company.")
@click.option("--url", required=True, help="Where Plugboard sends the service's events.")
@click.option("--secret", required=True,
              help=f"The signing secret, both ways (at least {third_party.MIN_SECRET_LENGTH} "
                   "characters).")
@click.option("--events", default="",
              help="A webhook's events, comma-separated: "
                   + ",".join(third_party.WEBHOOK_EVENTS) + ".")
@click.option("--tag", "id_tag", default="",
              help="A payment service's idTag: its sessions start with it (added if new).")
@click.option("--provider", default="", help="Who runs it (Nobil, Easypark, ...).")
@click.option("--description", default="")
def add(slug: str, kind: str, name: str, url: str, secret: str, events: str, id_tag: str,
        provider: str, description: str) -> None:
    """Connect a service to company SLUG and print its id."""
    values = third_party.ServiceValues(
        kind=ServiceKind(kind), name=name, url=url, secret=secret, provider=provider,
        description=description, id_tag=id_tag,
        events=tuple(event.strip() for event in events.split(",") if event.strip()))
    with in_tenant(slug) as tenant:
        service = third_party.create(tenant, values)
    click.echo(service.id)
