"""Flask CLI commands: one click group (or command) per noun."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from portal.cli import (
        alarms,
        backups,
        demo,
        jobs,
        mail,
        reports,
        serve,
        services,
        simulate,
        stations,
        tags,
        tenants,
        tokens,
        topology,
        users,
    )

    for command in (tenants.group, stations.group, tags.group, demo.command, serve.command,
                    simulate.command, jobs.group, tokens.group, topology.group, reports.group,
                    alarms.group, mail.group, users.group, services.group, backups.group):
        app.cli.add_command(command)
