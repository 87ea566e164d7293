"""What CLI commands share: one unit of work, domain errors as clear messages, the metrics
listener."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app

from portal import metrics_listener
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Tenant
from portal.services import audit
from tenants import provisioning
from tenants.scoping import tenant_scope


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit when the block ends well; roll everything back and exit 1 on a domain error.
    What it changes is recorded in the audit log as the command line's."""
    try:
        with audit.acting(audit.COMMAND_LINE):
            yield
            db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def in_tenant(slug: str) -> Iterator[Tenant]:
    """A unit of work inside the scope of the tenant with this slug."""
    with unit_of_work():
        tenant = provisioning.find_by_slug(slug)
        if tenant is None:
            raise click.ClickException(f"No company with slug {slug!r}.")
        with tenant_scope(tenant):
            yield tenant


def serve_metrics(port: int | None) -> None:
    """Serve this process's Prometheus metrics on their own port (the `serve` and clock
    processes each have a setting), if it is set."""
    if port:
        host = current_app.config["METRICS_HOST"]
        metrics_listener.serve(host, port)
        click.echo(f"Metrics on http://{host}:{port}/metrics")
