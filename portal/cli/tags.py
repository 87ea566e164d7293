from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from portal.cli.common import in_tenant
from portal.models.base import INTEGER_MAX, INTEGER_MIN
from portal.services import tags
from portal.timestamps import parse_timestamp


def _expiry(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date or date-time") from None


@click.group("tags", cls=AppGroup, help="RFID tags (OCPP idTags) of a company.")
def group() -> None:
    pass


@group.command("add")
@click.argument("slug")
@click.argument("id_tag")
@click.option("--expiry", callback=_expiry,
              help="Expiry as ISO date or date-time (UTC if no zone).")
@click.option("--max-active", default=1, show_default=True,
              type=click.IntRange(INTEGER_MIN, INTEGER_MAX),
              help="Concurrent sessions allowed: 0 blocks, a negative number means no limit.")
@click.option("--blocked", is_flag=True, help="Refuse this tag at every station.")
@click.option("--parent", "parent_id_tag", help="Parent idTag (a group of tags).")
def add(slug: str, id_tag: str, expiry: datetime | None, max_active: int, blocked: bool,
        parent_id_tag: str | None) -> None:
    """Add tag ID_TAG to company SLUG."""
    with in_tenant(slug) as tenant:
        tag = tags.add(tenant, id_tag, expiry_at=expiry, max_active_transactions=max_active,
                       blocked=blocked, parent_id_tag=parent_id_tag)
    click.echo(f"Added tag {tag.id_tag} to {slug}.")
