from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.errors import Invalid
from portal.services import mail
from tenants import provisioning


@click.group("mail")
def group() -> None:
    """E-mail through SMTP_URL."""


@group.command("test")
@click.argument("address")
@click.option("--tenant", "slug", help="Link into this company's portal (else the bare domain).")
@with_appcontext
def test(address: str, slug: str | None) -> None:
    """Send one test e-mail to ADDRESS: checks SMTP_URL, MAIL_FROM and PORTAL_URL."""
    tenant = None
    if slug is not None:
        tenant = provisioning.find_by_slug(slug)
        if tenant is None:
            raise click.ClickException(f"No company with slug {slug!r}.")
    server = mail.delivery()
    try:
        message = mail.compose("test", to=address, subject="Plugboard test e-mail",
                               delivery=server or "the log", tenant=tenant)
        mail.send(message)
    except (Invalid, mail.MailNotSent) as error:
        raise click.ClickException(f"Not sent: {error}") from None
    if server is None:
        click.echo(f"SMTP_URL is empty: the test e-mail to {address} was written to the log.")
    else:
        click.echo(f"Sent to {address} through {server}.")
