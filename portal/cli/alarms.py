from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from portal.cli.common import in_tenant
from portal.models.base import utcnow
from portal.services import alarm_digest
from tenants import provisioning


@click.group("alarms")
def group() -> None:
    """Alarm e-mail."""


@group.command("digest")
@click.option("--tenant", "slug", help="One company (by slug); default: every company.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]),
              help="The company's local date whose digest to send; default: today.")
@with_appcontext
def digest(slug: str | None, day: datetime | None) -> None:
    """Send the daily alarm digest now, whatever the time of day. Like the clock's, it goes
    once per user and day: users who had that day's digest get nothing."""
    slugs = [slug] if slug else [tenant.slug for tenant in provisioning.all_tenants()]
    total = alarm_digest.Outcome()
    for each in slugs:
        with in_tenant(each) as tenant:
            when: date = (day.date() if day else
                          utcnow().astimezone(ZoneInfo(tenant.time_zone)).date())
            outcome = alarm_digest.send_digests(tenant, when, utcnow())
        click.echo(f"{each} {when}: {outcome.sent} sent, {outcome.failed} failed, "
                   f"{outcome.skipped} with nothing to send or sent before")
        total += outcome
    if total.failed:
        raise click.ClickException(f"{total.failed} digests could not be sent: they are "
                                   "retried by the clock later today.")
