from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal import jobs
from portal.cli.common import serve_metrics


@click.group("jobs")
def group() -> None:
    """The clock process: periodic work for every company."""


@group.command("run")
@click.option("--once", is_flag=True, help="Run every job once now and exit (cron, tests).")
@with_appcontext
def run(once: bool) -> None:
    """Run the periodic jobs (see portal/jobs): forever, or once with --once."""
    if once:
        for job in jobs.JOBS:
            click.echo(f"{job.name}: {jobs.run(job)}")
        return
    click.echo("Running " + ", ".join(f"{job.name} (every {job.every})" for job in jobs.JOBS))
    serve_metrics(current_app.config["CLOCK_METRICS_PORT"])
    jobs.run_forever(current_app._get_current_object())  # type: ignore[attr-defined]
