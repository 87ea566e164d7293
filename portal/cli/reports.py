from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.cli.common import in_tenant
from portal.errors import Invalid
from portal.models.base import utcnow
from portal.services import monthly_reports


@click.group("reports", cls=AppGroup, help="Monthly PDF reports of a company and its sites.")
def group() -> None:
    pass


@group.command("generate")
@click.argument("slug")
@click.option("--month", help="YYYY-MM; default: the month before the company's today.")
def generate(slug: str, month: str | None) -> None:
    """Keep the month's missing reports of company SLUG: the company's and each site's."""
    now = utcnow()
    with in_tenant(slug) as tenant:
        today = monthly_reports.local_today(tenant, now)
        try:
            first = (monthly_reports.month_of(month, today) if month is not None
                     else monthly_reports.previous_month(today))
        except Invalid as error:
            raise click.BadParameter(str(error), param_hint="--month") from None
        kept = monthly_reports.generate(tenant, first, now)
    for report in kept:
        scope = report.site.name if report.site else "the company"
        click.echo(f"Kept {report.file_name} ({scope}, {report.size} bytes).")
    click.echo(f"{len(kept)} report(s) of {first:%Y-%m} kept for {slug}.")
